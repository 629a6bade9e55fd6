// The encoder–decoder benchmark (issue 19), on the T5-base-shaped model of lens_models.make_seq2seq_bench:
// 1. inspect with a given target (source 512, target 128 tokens, every attention set kept) ÷ a plain forward pass
//    (the same encoder and decoder_model.onnx in plain onnxruntime sessions, fed the same ids);
// 2. greedy generation of 32 tokens: inspect without a target (the generation loop, then the run with attention)
//    against transformers.js's generate() on the same folder (encoder_model + decoder_model_merged, its KV cache).
// Medians of --repeats runs after one warm-up; prints JSON. In-process, CPU:
//
//   npx tsc -p tsconfig.json && node out/tools/bench/seq2seqBench.js [--model DIR] [--repeats N]
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadRunner } from '../../src/core/engine/runners';
import { sessionOptions } from '../../src/core/engine/modelSession';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { median } from './benchMath';

const SOURCE_TOKENS = 512;
const TARGET_TOKENS = 128;
const NEW_TOKENS = 32;
/** Words the test tokenizer keeps whole: one token each. */
const WORDS = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'house', 'cat', 'sat', 'mat'];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Text of `words` words (with </s>, words + 1 tokens). */
const textOf = (words: number) => Array.from({ length: words }, (_, i) => WORDS[i % WORDS.length]).join(' ');

async function timed(repeats: number, run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return median(times);
}

const int64 = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);

async function main(): Promise<void> {
  const folder = arg('--model', path.join(os.homedir(), '.cache', 'attention-lens-bench', 't5-base-shaped'));
  const repeats = Number(arg('--repeats', '3'));
  const request = { id: 't5-base-shaped', source: 'local' as const, folder, device: 'cpu' as const };
  const runner = await loadRunner(request, detectProviderEnvironment());
  const source = textOf(SOURCE_TOKENS - 1);
  const target = textOf(TARGET_TOKENS - 2);
  const given = await runner.inspect(source, { attention: true, topK: 5, target });
  const sourceIds = given.tokens.map((t) => t.id);
  const targetIds = given.target!.tokens.map((t) => t.id);
  const inspectMs = await timed(repeats, () => runner.inspect(source, { attention: true, topK: 5, target }));

  const encoder = await ort.InferenceSession.create(path.join(folder, 'onnx', 'encoder_model.onnx'), sessionOptions('cpu'));
  const decoder = await ort.InferenceSession.create(path.join(folder, 'onnx', 'decoder_model.onnx'), sessionOptions('cpu'));
  const plainMs = await timed(repeats, async () => {
    const mask = int64(sourceIds.map(() => 1));
    const { last_hidden_state } = await encoder.run({ input_ids: int64(sourceIds), attention_mask: mask });
    await decoder.run({ input_ids: int64(targetIds), encoder_attention_mask: mask, encoder_hidden_states: last_hidden_state }, ['logits']);
  });
  await encoder.release();
  await decoder.release();

  const shortSource = textOf(31);
  const generated = await runner.inspect(shortSource, { attention: true, topK: 5, maxNewTokens: NEW_TOKENS });
  const generateMs = await timed(repeats, () => runner.inspect(shortSource, { attention: true, topK: 5, maxNewTokens: NEW_TOKENS }));
  await runner.dispose();

  const tjs = await import('@huggingface/transformers');
  tjs.env.allowRemoteModels = false;
  tjs.env.allowLocalModels = true;
  tjs.env.localModelPath = path.dirname(folder) + path.sep;
  const name = path.basename(folder);
  const tokenizer = await tjs.AutoTokenizer.from_pretrained(name);
  const settings = { dtype: 'fp32', device: 'cpu', session_options: { extra: sessionOptions('cpu').extra } } as const;
  const model = await tjs.AutoModelForSeq2SeqLM.from_pretrained(name, settings);
  const inputs = tokenizer(shortSource);
  let tjsTokens: number[] = [];
  const tjsMs = await timed(repeats, async () => {
    const out = (await model.generate({ ...inputs, max_new_tokens: NEW_TOKENS, do_sample: false })) as { tolist(): bigint[][] };
    tjsTokens = out.tolist()[0].map(Number);
  });
  await model.dispose();
  const ours = generated.target!.tokens.map((t) => t.id);
  const report = {
    model: folder,
    inspect: { sourceTokens: sourceIds.length, targetTokens: targetIds.length, inspectMs, plainMs, ratio: inspectMs / plainMs },
    generate: {
      sourceTokens: generated.tokens.length,
      newTokens: ours.length - 1,
      inspectMs: generateMs,
      transformersJsMs: tjsMs,
      ratio: generateMs / tjsMs,
      sameTokens: JSON.stringify(ours) === JSON.stringify(tjsTokens),
    },
  };
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

void main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
