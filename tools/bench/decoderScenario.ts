// The large decoder's scenarios (issue 18: the Qwen2.5-0.5B-shaped model, fp32 and q4), one variant at a time:
// the file checked against numpy's logits, then through the worker as the extension host runs it — inspect ÷ a
// plain forward of the same file at each length, the first view's data, the overview and one more layer (whole,
// and one head of it) after a run, and peak memory against a plain session. Each length runs in its own child
// process (decoderSpeedChild) that holds one session at a time: at 2,048 tokens a plain fp32 session and the
// core's together leave the core's memory check too little, and both variants in one process ran out of memory.
// A model the core refuses (or a run that fails) is reported as "not measured" with the core's reason: the plain
// forward is still timed, for scale.
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import type { ModelRequest } from '../../src/core/engine/modelSession';
import { loadTextTokenizer } from '../../src/core/tokenize/textTokenizer';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import type { WorkerInspectResult } from '../../src/core/worker/workerRequests';
import { median, pairedRatio } from './benchMath';
import { parseResult, runChild } from './child';
import { checkAgainstReference, PlainDecoder, readDecoderShape, type FileCheck } from './decoderModel';
import { measureLayerFloor } from './floor';
import type { BenchDevice } from './options';
import { garbageCollector } from '../exposeGc';
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
  /**
   * After a run at the longest length: the mean over heads of layer 0 of every set (the first view's data), the
   * overview, and one more layer as the views ask for it by default (its mean over heads) and whole (every head).
   */
  viewTokens?: number;
  firstViewMs?: number;
  overviewMs?: number;
  meanMs?: number;
  layerMs?: number;
  /** The same layer's floor: its heads' scores product and Softmax alone in a bare graph (floor.ts). */
  floorMs?: number;
  /** One head of one more layer, as the matrix view with a head chosen and the head view ask for it. */
  headMs?: number;
  memory?: { tokens: number; plainBytes: number; workerBytes?: number; ratio?: number };
}

export interface DecoderOptions {
  device: BenchDevice;
  lengths: number[];
  /** Untimed runs of each session after it is loaded, before its timed run, by length (default 0). */
  warmRuns?: Record<number, number>;
  /** Rounds, each loading and timing the plain session and the core in turn (alternating which goes first). */
  rounds: number;
  /** The worker script (default: the bundle's, beside dist/bench.js). */
  workerPath?: string;
  log: (message: string) => void;
  /**
   * Runs one length's measurement (default: in a child process of this bundle; the unit test runs it in-process,
   * without the bundle).
   */
  speedChild?: (spec: DecoderSpeedSpec) => Promise<DecoderSpeedResult>;
  /** Peak RSS of a child process running one configuration at `tokens`; absent: memory is not measured. */
  memory?: { tokens: number; child: (config: 'plain' | 'worker', tokens: number) => Promise<number> };
}

/** What a speed child measures: one variant at one length, and the views after its last run when `views`. */
export interface DecoderSpeedSpec {
  folder: string;
  file: string;
  device: BenchDevice;
  tokens: number;
  warmRuns: number;
  rounds: number;
  views: boolean;
  workerPath?: string;
}

export interface DecoderSpeedResult {
  plainMs: number[];
  inspectMs: number[];
  notMeasured?: string;
  views?: Pick<DecoderRow, 'viewTokens' | 'firstViewMs' | 'overviewMs' | 'meanMs' | 'layerMs' | 'floorMs' | 'headMs'>;
}

export const DECODER_CHILD_FLAG = '--child-decoder';

const TOP_K = 10;
const oneLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const inChild = async (spec: DecoderSpeedSpec) => {
  const what = `decoder child ${spec.file}/${spec.tokens}`;
  return parseResult<DecoderSpeedResult>(await runChild(DECODER_CHILD_FLAG, spec, what), what);
};

export async function measureDecoder(variant: DecoderVariant, options: DecoderOptions): Promise<DecoderRow> {
  const onnxPath = path.join(variant.folder, variant.file);
  const row: DecoderRow = { variant: variant.label, file: variant.file, fileBytes: fileBytes(onnxPath), speed: [] };
  options.log(`${variant.label}: ${variant.file} against the numpy reference`);
  row.check = await checkAgainstReference(variant.folder, variant.file, options.device);
  const child = options.speedChild ?? inChild;
  for (const tokens of options.lengths) {
    const views = tokens === Math.max(...options.lengths);
    options.log(`${variant.label}: plain forward and inspect at ${tokens} tokens, ${options.rounds} rounds (a child process)`);
    const spec = { folder: variant.folder, file: variant.file, device: options.device, tokens, rounds: options.rounds, views };
    const result = await child({ ...spec, warmRuns: options.warmRuns?.[tokens] ?? 0, workerPath: options.workerPath }).catch(
      (error: unknown): DecoderSpeedResult => ({
        plainMs: [],
        inspectMs: [],
        notMeasured: `failed at ${tokens} tokens: ${oneLine(error)}`,
      }),
    );
    row.notMeasured ??= result.notMeasured;
    const paired = result.inspectMs.length > 0 && result.inspectMs.length === result.plainMs.length;
    row.speed.push({
      tokens,
      plainMs: result.plainMs.length > 0 ? median(result.plainMs) : NaN,
      ...(paired ? { inspectMs: median(result.inspectMs), ratio: pairedRatio(result.inspectMs, result.plainMs) } : {}),
    });
    Object.assign(row, result.views);
  }
  if (options.memory) {
    const { tokens, child: memoryChild } = options.memory;
    options.log(`${variant.label}: peak memory at ${tokens} tokens (child processes)`);
    const plainBytes = await memoryChild('plain', tokens);
    row.memory = { tokens, plainBytes };
    if (!row.notMeasured) {
      const workerBytes = await memoryChild('worker', tokens).catch((error: unknown) => {
        row.notMeasured = `the worker's memory child failed: ${oneLine(error)}`;
        return undefined;
      });
      if (workerBytes !== undefined) row.memory = { tokens, plainBytes, workerBytes, ratio: workerBytes / plainBytes };
    }
  }
  return row;
}

/**
 * One variant at one length, holding one session at a time: each round loads the plain session, runs it
 * `warmRuns` times untimed and once timed, releases it; then the same for the core through the worker (the order
 * alternates between rounds). The ratio is of the rounds' pairs. Before the core's run the plain forward's logits
 * (1.2 GB at 2,048 tokens) are collected, as the extension host never holds them.
 */
export async function decoderSpeedChild(spec: DecoderSpeedSpec): Promise<DecoderSpeedResult> {
  const shape = readDecoderShape(spec.folder);
  const tokenizer = await loadTextTokenizer(spec.folder);
  const text = textOfLength(tokenizer, spec.tokens);
  const ids = tokenizer.encode(text).map((t) => t.id);
  const collect = garbageCollector();
  const engine = new InferenceEngine({ environment: detectProviderEnvironment(), workerPath: spec.workerPath });
  const request: ModelRequest = { id: spec.file, source: 'local', folder: spec.folder, onnxFile: spec.file, device: spec.device };
  const result: DecoderSpeedResult = { plainMs: [], inspectMs: [] };
  try {
    const { info } = await engine.load(request);
    // A run without attention would time a different thing: that too is "not measured", with the core's reason.
    if (!info.attention.available) result.notMeasured = `the core runs the model without attention: ${info.attention.reason}`;
  } catch (error) {
    result.notMeasured = `the core refused the model: ${oneLine(error)}`;
  }
  try {
    await engine.request('unload', {});
    const plainTurn = async () => {
      const plain = await PlainDecoder.create(path.join(spec.folder, spec.file), shape, spec.device);
      const feeds = plain.feeds(ids);
      try {
        for (let i = 0; i < spec.warmRuns; i++) await plain.forward(feeds);
        result.plainMs.push(await timed(() => plain.forward(feeds)));
      } finally {
        await plain.release();
      }
      collect();
    };
    const inspectTurn = async (last: boolean) => {
      await engine.load(request);
      let run: WorkerInspectResult | undefined;
      const inspect = async () => {
        run = await engine.request('inspect', { run: engine.nextRunId(), text, options: { attention: true, topK: TOP_K } });
        if (run.tokens.length !== spec.tokens) throw new Error(`inspect ran ${run.tokens.length} tokens, expected ${spec.tokens}`);
        if (!run.attention?.length) throw new Error('the run returned no attention');
      };
      for (let i = 0; i < spec.warmRuns; i++) await inspect();
      result.inspectMs.push(await timed(inspect));
      if (last && spec.views) result.views = await measureViews(engine, run!, shape, spec.device);
      await engine.request('unload', {});
    };
    for (let r = 0; r < spec.rounds; r++) {
      const last = r === spec.rounds - 1;
      const turns = [plainTurn, ...(result.notMeasured ? [] : [() => inspectTurn(last)])];
      for (const turn of r % 2 === 0 ? turns : turns.reverse()) await turn();
    }
  } catch (error) {
    result.notMeasured ??= `failed at ${spec.tokens} tokens: ${oneLine(error)}`;
    result.inspectMs = [];
  } finally {
    await engine.dispose();
  }
  return result;
}

/**
 * What the panel asks for once a run is shown: the mean over heads of layer 0 of every set (the first paint: the side
 * view's and the matrix's default), then the model view's overview; and one more layer, as a click on the model view
 * or the layer selector asks for it (the median over three layers spread through the model, none of them fetched
 * before): its mean over heads, every head of it (what only the JSON export and Compare's head changes ask for), and
 * one head of the layer before (the matrix view with a head chosen, the head view's default).
 */
async function measureViews(
  engine: InferenceEngine,
  result: WorkerInspectResult,
  shape: { layers: number; heads: number; headDim: number },
  device: BenchDevice,
): Promise<DecoderSpeedResult['views']> {
  const sets = result.attention ?? [];
  const { layers } = shape;
  const firstViewMs = await timed(async () => {
    for (const set of sets) await engine.request('layer', { run: result.run, set: set.set, layer: 0, heads: 'mean' });
  });
  const overviewMs = await timed(async () => {
    for (const set of sets) await engine.request('overview', { run: result.run, set: set.set });
  });
  const spread = [...new Set([Math.floor(layers / 4), Math.floor(layers / 2), layers - 1])].filter((l) => l > 0);
  const meanTimes: number[] = [];
  const wholeTimes: number[] = [];
  const headTimes: number[] = [];
  const head = Math.floor(shape.heads / 2);
  for (const layer of spread.length > 0 ? spread : [0]) {
    const set = sets[0].set;
    meanTimes.push(await timed(() => engine.request('layer', { run: result.run, set, layer, heads: 'mean' })));
    wholeTimes.push(await timed(() => engine.request('layer', { run: result.run, set, layer })));
    // The layer before: not fetched whole before (layer 0 stands in for a one-layer model).
    const other = Math.max(0, layer - 1);
    headTimes.push(await timed(() => engine.request('layer', { run: result.run, set, layer: other, heads: [head] })));
  }
  return {
    viewTokens: result.tokens.length,
    firstViewMs,
    overviewMs,
    meanMs: median(meanTimes),
    layerMs: median(wholeTimes),
    floorMs: await measureLayerFloor(device, { heads: shape.heads, tokens: result.tokens.length, headDim: shape.headDim }, 3),
    headMs: median(headTimes),
  };
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
