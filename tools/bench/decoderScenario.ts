// The large decoder's scenarios (issue 18: the Qwen2.5-0.5B-shaped model, fp32 and q4), one variant at a time:
// the file checked against numpy's logits, then through the worker as the extension host runs it — inspect ÷ a
// plain forward of the same file at each length, the first view's data and one more layer after a run, and
// peak memory against a plain session. A model the core refuses (or a run that fails) is reported as "not
// measured" with the core's reason: the plain forward is still timed once per length, for scale.
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { loadTextTokenizer } from '../../src/core/tokenize/textTokenizer';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import type { WorkerInspectResult } from '../../src/core/worker/workerRequests';
import { median, pairedRatio } from './benchMath';
import { checkAgainstReference, PlainDecoder, readDecoderShape, type FileCheck } from './decoderModel';
import type { BenchDevice } from './options';
import { interleave } from './speed';
import { textOfLength } from './workload';

export interface DecoderVariant {
  /** e.g. "fp32", "q4". */
  label: string;
  folder: string;
  /** The ONNX file, relative to the folder. */
  file: string;
}

export interface DecoderSpeed {
  tokens: number;
  plainMs: number;
  inspectMs?: number;
  /** Median of paired inspect ÷ plain ratios. */
  ratio?: number;
}

export interface DecoderRow {
  variant: string;
  file: string;
  fileBytes: number;
  check?: FileCheck;
  /** Why the inspect figures are missing: the core's refusal or the failure, one line. */
  notMeasured?: string;
  speed: DecoderSpeed[];
  /** After a run at the longest length: layer 0 of every set (the first view's data), the overview, one layer. */
  viewTokens?: number;
  firstViewMs?: number;
  overviewMs?: number;
  layerMs?: number;
  memory?: { tokens: number; plainBytes: number; workerBytes?: number; ratio?: number };
}

export interface DecoderOptions {
  device: BenchDevice;
  lengths: number[];
  warmup: number;
  repeats: number;
  /** The worker script (default: the bundle's, beside dist/bench.js). */
  workerPath?: string;
  log: (message: string) => void;
  /**
   * Collects the calling thread's garbage before each inspect: the plain forward's logits (1.2 GB at 2,048 tokens)
   * would otherwise still be held when the worker checks how much memory its run may use, as the extension host,
   * which runs no plain session, never holds them.
   */
  collectGarbage?: () => void;
  /** Peak RSS of a child process running one configuration at `tokens`; absent: memory is not measured. */
  memory?: { tokens: number; child: (config: 'plain' | 'worker', tokens: number) => Promise<number> };
}

const TOP_K = 10;
const oneLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export async function measureDecoder(variant: DecoderVariant, options: DecoderOptions): Promise<DecoderRow> {
  const onnxPath = path.join(variant.folder, variant.file);
  const row: DecoderRow = { variant: variant.label, file: variant.file, fileBytes: fileBytes(onnxPath), speed: [] };
  options.log(`${variant.label}: ${variant.file} against the numpy reference`);
  row.check = await checkAgainstReference(variant.folder, variant.file, options.device);
  const shape = readDecoderShape(variant.folder);
  const tokenizer = await loadTextTokenizer(variant.folder);
  const engine = new InferenceEngine({ environment: detectProviderEnvironment(), workerPath: options.workerPath, log: options.log });
  const request = { id: variant.label, source: 'local' as const, folder: variant.folder, onnxFile: variant.file, device: options.device };
  try {
    const { info } = await engine.load(request);
    // A run without attention would time a different thing: that too is "not measured", with the core's reason.
    if (!info.attention.available) row.notMeasured = `the core runs the model without attention: ${info.attention.reason}`;
  } catch (error) {
    row.notMeasured = `the core refused the model: ${oneLine(error)}`;
  }
  const plain = await PlainDecoder.create(onnxPath, shape, options.device);
  try {
    for (const tokens of options.lengths) {
      const text = textOfLength(tokenizer, tokens);
      const feeds = plain.feeds(tokenizer.encode(text).map((t) => t.id));
      const forward = async () => void (await plain.forward(feeds));
      if (row.notMeasured) {
        options.log(`${variant.label}: plain forward at ${tokens} tokens (once, for scale)`);
        row.speed.push({ tokens, plainMs: await timed(forward) });
        continue;
      }
      options.log(`${variant.label}: inspect and plain forward at ${tokens} tokens (${options.warmup} + ${options.repeats} rounds)`);
      let last: WorkerInspectResult | undefined;
      const inspect = async () => {
        last = await engine.request('inspect', { run: engine.nextRunId(), text, options: { attention: true, topK: TOP_K } });
        if (last.tokens.length !== tokens) throw new Error(`inspect ran ${last.tokens.length} tokens, expected ${tokens}`);
        if (!last.attention?.length) throw new Error('the run returned no attention');
      };
      try {
        const before = options.collectGarbage ? { inspect: options.collectGarbage } : undefined;
        const times = await interleave({ plain: forward, inspect }, ['plain', 'inspect'], { ...options, before });
        row.speed.push({
          tokens,
          plainMs: median(times.plain),
          inspectMs: median(times.inspect),
          ratio: pairedRatio(times.inspect, times.plain),
        });
        if (tokens === Math.max(...options.lengths) && last) await measureViews(engine, last, shape.layers, row);
      } catch (error) {
        row.notMeasured = `failed at ${tokens} tokens: ${oneLine(error)}`;
        row.speed.push({ tokens, plainMs: NaN }); // the length's target line then says why
      }
    }
  } finally {
    await plain.release();
    await engine.dispose();
  }
  if (options.memory) {
    const { tokens, child } = options.memory;
    options.log(`${variant.label}: peak memory at ${tokens} tokens (child processes)`);
    const plainBytes = await child('plain', tokens);
    row.memory = { tokens, plainBytes };
    if (!row.notMeasured) {
      const workerBytes = await child('worker', tokens).catch((error: unknown) => {
        row.notMeasured = `the worker's memory child failed: ${oneLine(error)}`;
        return undefined;
      });
      if (workerBytes !== undefined) row.memory = { tokens, plainBytes, workerBytes, ratio: workerBytes / plainBytes };
    }
  }
  return row;
}

/**
 * What the panel asks for once a run is shown: layer 0 of every set (the head view's first paint), then the
 * model view's overview; and one more layer, as a click on the model view or the layer selector asks for it
 * (the median over three layers spread through the model, none of them fetched before).
 */
async function measureViews(engine: InferenceEngine, result: WorkerInspectResult, layers: number, row: DecoderRow): Promise<void> {
  const sets = result.attention ?? [];
  row.viewTokens = result.tokens.length;
  row.firstViewMs = await timed(async () => {
    for (const set of sets) await engine.request('layer', { run: result.run, set: set.set, layer: 0 });
  });
  row.overviewMs = await timed(async () => {
    for (const set of sets) await engine.request('overview', { run: result.run, set: set.set });
  });
  const spread = [...new Set([Math.floor(layers / 4), Math.floor(layers / 2), layers - 1])].filter((l) => l > 0);
  const times: number[] = [];
  for (const layer of spread.length > 0 ? spread : [0]) {
    times.push(await timed(() => engine.request('layer', { run: result.run, set: sets[0].set, layer })));
  }
  row.layerMs = median(times);
}

function fileBytes(onnxPath: string): number {
  const data = `${onnxPath}_data`;
  let bytes = statSync(onnxPath).size;
  try {
    bytes += statSync(data).size;
  } catch {
    // weights inside the .onnx file
  }
  return bytes;
}
