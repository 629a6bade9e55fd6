// What the benchmark runs: the two model folders, input texts of an exact token count, and the baseline — a
// plain onnxruntime session on the unpatched model file, with the core's own session options.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildFeeds, inputSpecs } from '../../src/core/engine/feeds';
import { sessionOptions } from '../../src/core/engine/modelSession';
import { bert } from '../../src/core/families/bert';
import type { ModelFamily } from '../../src/core/families/family';
import { gpt2 } from '../../src/core/families/gpt2';
import type { TextTokenizer } from '../../src/core/tokenize/textTokenizer';
import type { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import type { WorkerInspectResult } from '../../src/core/worker/workerRequests';
import type { ShapeForFlops } from './benchMath';
import type { BenchDevice } from './options';

export interface BenchModel {
  key: 'bert' | 'gpt2';
  label: string;
  folder: string;
  onnxPath: string;
  /** The core's family of the model (what it predicts, what it is fed). */
  family: ModelFamily;
  layers: number;
  heads: number;
  hidden: number;
  maxPositions: number;
  shape: ShapeForFlops;
  /** Token counts the speed figures are taken at. */
  lengths: number[];
}

const FOLDERS = { bert: 'bert-base-shaped', gpt2: 'gpt2-shaped' } as const;

export function findModels(root: string, only: 'bert' | 'gpt2' | undefined, quick: boolean): BenchModel[] {
  const keys = only ? [only] : (['bert', 'gpt2'] as const);
  return keys.map((key) => {
    const folder = path.join(root, FOLDERS[key]);
    if (!existsSync(path.join(folder, 'onnx', 'model.onnx'))) {
      const make = `PYTHONPATH=tools /usr/bin/python3 -m lens_models.make_bench_models --out ${root}`;
      throw new Error(`no ${FOLDERS[key]} model in ${root}: make it once with ${make}`);
    }
    return benchModelAt(folder, key, key === 'bert' ? 'BERT-base shape' : 'GPT-2 shape', quick);
  });
}

/** A model folder of either family, described for the benchmark by its own config.json. */
export function benchModelAt(folder: string, key: 'bert' | 'gpt2', label: string, quick: boolean): BenchModel {
  const onnxPath = path.join(folder, 'onnx', 'model.onnx');
  const c = JSON.parse(readFileSync(path.join(folder, 'config.json'), 'utf8')) as Record<string, number>;
  if (key === 'bert') {
    const shape = {
      layers: c.num_hidden_layers,
      hidden: c.hidden_size,
      intermediate: c.intermediate_size,
      vocab: c.vocab_size,
      headTransform: true,
    };
    const lengths = quick ? [128] : [32, 128, c.max_position_embeddings];
    const [heads, maxPositions] = [c.num_attention_heads, c.max_position_embeddings];
    return { key, label, folder, onnxPath, family: bert, layers: shape.layers, heads, hidden: shape.hidden, maxPositions, shape, lengths };
  }
  const shape = { layers: c.n_layer, hidden: c.n_embd, intermediate: c.n_inner ?? 4 * c.n_embd, vocab: c.vocab_size, headTransform: false };
  const lengths = quick ? [128] : [32, 128, 512, c.n_positions];
  const [heads, maxPositions] = [c.n_head, c.n_positions];
  return { key, label, folder, onnxPath, family: gpt2, layers: shape.layers, heads, hidden: shape.hidden, maxPositions, shape, lengths };
}

// Common words that are one token in both bert-base-uncased and GPT-2 (with and without a leading space).
const WORDS = [
  'the',
  'cat',
  'sat',
  'on',
  'a',
  'mat',
  'and',
  'the',
  'dog',
  'ran',
  'to',
  'the',
  'house',
  'of',
  'a',
  'man',
  'in',
  'the',
  'park',
];

/**
 * A sentence of exactly `tokens` tokens under `tokenizer` (special tokens included); masked models get one mask
 * token in the middle, so fill-mask has something to fill.
 */
export function textOfLength(tokenizer: TextTokenizer, tokens: number): string {
  const frame = tokenizer.specialTokensBefore + tokenizer.specialTokensAfter;
  const words: string[] = [];
  for (let i = 0; i < tokens - frame; i++) words.push(WORDS[i % WORDS.length]);
  if (tokenizer.maskToken) words[words.length >> 1] = tokenizer.maskToken;
  const text = words.join(' ');
  const count = tokenizer.encode(text).length;
  if (count !== tokens)
    throw new Error(`the benchmark text meant to be ${tokens} tokens is ${count}: fix WORDS in tools/bench/workload.ts`);
  return text;
}

/**
 * A plain session on the unpatched file with the core's session options, fed the same ids, fetching the logits:
 * the floor inspect is held to, differing from it only in the graph.
 */
export class PlainSession {
  private constructor(
    readonly session: ort.InferenceSession,
    private readonly model: BenchModel,
  ) {}

  static async create(model: BenchModel, device: BenchDevice): Promise<PlainSession> {
    return new PlainSession(await ort.InferenceSession.create(model.onnxPath, sessionOptions(device)), model);
  }

  feeds(ids: number[]): Record<string, ort.Tensor> {
    const { family, heads, hidden } = this.model;
    return buildFeeds(inputSpecs(this.session), ids, 1, ids.length, { inputs: family.inputs, heads, headDim: hidden / heads });
  }

  async forward(feeds: Record<string, ort.Tensor>): Promise<ort.Tensor> {
    const out = await this.session.run(feeds, ['logits']);
    return out.logits;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/**
 * One run as the extension host makes it through the worker: inspect, then fetch the one layer the panel's
 * first paint asks for (the maps themselves stay in the worker).
 */
export async function hostRun(engine: InferenceEngine, text: string, topK: number): Promise<WorkerInspectResult> {
  const result = await engine.request('inspect', { run: engine.nextRunId(), text, options: { attention: true, topK } });
  for (const set of result.attention ?? []) await engine.request('layer', { run: result.run, set: set.set, layer: 0 });
  return result;
}
