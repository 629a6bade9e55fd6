// `npm run bench` (node dist/bench.js): measures the inference core on real-size random-weight models against a
// plain onnxruntime forward pass and transformers.js, and writes the table into BENCHMARKS.md; then the
// Qwen2.5-0.5B-shaped decoder (qwenBench.ts) into its own section.
// Models: PYTHONPATH=tools /usr/bin/python3 -m lens_models.make_bench_models (once). Options: see USAGE in options.ts.
import * as path from 'node:path';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { garbageCollector } from '../exposeGc';
import { median } from './benchMath';
import { measureMatmulRate } from './floor';
import { measureFreshMemory } from './freshMemory';
import { measureLoad } from './load';
import { describeMachine, noteLoad } from './machine';
import { CHILD_FLAG, measureInChild, memoryChild, type MemoryConfig, type MemoryRow } from './memory';
import { parseOptions, type BenchOptions } from './options';
import { measureRenderInChild } from './render';
import { renderDecoderMarkdown, writeDecoderSection } from './decoderReport';
import { benchQwen } from './qwenBench';
import { benchRollout, renderRolloutMarkdown, writeRolloutSection } from './rolloutBench';
import { printResult } from './child';
import { decoderSpeedChild, DECODER_CHILD_FLAG } from './decoderScenario';
import { renderMarkdown, writeBenchmarks, type BenchResults } from './report';
import { measureSpeed, measureWorkerSpeed } from './speed';
import { measureTestModels } from './testModels';
import { idleStall, longestStall, type StallRow } from './stall';
import { loadTransformersJs, type TransformersRun } from './transformersJs';
import { webviewBytes } from './webviewBytes';
import { findModels, hostRun, PlainSession, textOfLength, type BenchModel } from './workload';

const TOP_K = 10;

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Long inputs take seconds per run on 2 shared cores: fewer rounds there keep a full run near 30 minutes. */
function rounds(tokens: number, quick: boolean): { warmup: number; repeats: number } {
  return { warmup: quick || tokens >= 512 ? 1 : 2, repeats: quick ? 3 : tokens >= 1024 ? 3 : tokens >= 512 ? 5 : 7 };
}

async function benchModel(model: BenchModel, options: BenchOptions, results: BenchResults, gc: () => void): Promise<void> {
  const env = detectProviderEnvironment();
  const request = { id: model.label, source: 'local' as const, folder: model.folder, device: options.device };
  log(`${model.label}: loading the core in-process, in the worker, a plain session and transformers.js`);
  const runner = await ModelRunner.load(request, env);
  results.ranOn.push(runner.model.device.label);
  if (runner.model.device.fallbackReason) results.notes.push(`${model.label}: ${runner.model.device.fallbackReason}`);
  const engine = new InferenceEngine({ environment: env, log });
  await engine.load(request);
  const plain = await PlainSession.create(model, options.device);
  let tjs: TransformersRun | undefined;
  try {
    tjs = await loadTransformersJs(model, options.device, TOP_K);
    results.tjsWhat[model.label] = tjs.what;
  } catch (error) {
    results.tjsWhat[model.label] = `failed to load (${(error as Error).message.split('\n')[0]})`;
  }
  const tokenizer = runner.model.tokenizer;
  for (const tokens of model.lengths) {
    const text = textOfLength(tokenizer, tokens);
    const ids = tokenizer.encode(text).map((t) => t.id);
    const { warmup, repeats } = rounds(tokens, options.quick);
    log(`${model.label}: speed at ${tokens} tokens (${warmup} + ${repeats} rounds)`);
    results.speed.push(await measureSpeed({ model, runner, plain, tjs, topK: TOP_K, warmup, repeats }, text, ids));
    if (tokens >= 512 || options.quick) {
      results.bytes.push(await webviewBytes(model.label, await runner.inspect(text, { attention: true, topK: TOP_K })));
    }
    if (tokens === 128 || tokens === model.maxPositions) {
      log(`${model.label}: event-loop stalls at ${tokens} tokens`);
      const worker: number[] = [];
      const inThread: number[] = [];
      const idle: number[] = [];
      const speedRow = results.speed[results.speed.length - 1];
      for (let r = 0; r < (options.quick || tokens >= 1024 ? 2 : 3); r++) {
        gc();
        worker.push(await longestStall(() => hostRun(engine, text, TOP_K)));
        gc();
        inThread.push(await longestStall(() => runner.inspect(text, { attention: true, topK: TOP_K })));
        idle.push(await idleStall(speedRow.inspectMs));
      }
      const row: StallRow = {
        model: model.label,
        tokens,
        workerInspectMs: median(worker),
        inThreadInspectMs: median(inThread),
        idleMs: median(idle),
      };
      if (tokens === 128) {
        gc();
        row.workerLoadMs = await longestStall(() => engine.load(request));
        gc();
        row.inThreadLoadMs = await longestStall(async () => (await ModelRunner.load(request, env)).dispose());
      }
      results.stall.push(row);
    }
  }
  // The worker's pass: the in-process core goes; the extension host holds only the worker's session.
  await runner.dispose();
  gc();
  for (const row of results.speed.filter((s) => s.model === model.label)) {
    const text = textOfLength(tokenizer, row.tokens);
    const { warmup, repeats } = rounds(row.tokens, options.quick);
    log(`${model.label}: speed through the worker at ${row.tokens} tokens (${warmup} + ${repeats} rounds)`);
    await measureWorkerSpeed(
      { engine, plain, tjs, topK: TOP_K, warmup, repeats, collectGarbage: gc },
      row,
      text,
      tokenizer.encode(text).map((t) => t.id),
    );
  }
  await tjs?.dispose();
  await plain.release();
  await engine.dispose();
  gc();

  log(`${model.label}: load times`);
  results.load.push(await measureLoad(model, options.device, options.quick ? 1 : 3, gc));

  const memoryLengths = options.quick ? [128] : [128, model.maxPositions];
  for (const tokens of memoryLengths) {
    log(`${model.label}: peak memory at ${tokens} tokens (child processes)`);
    const child = (config: MemoryConfig) =>
      measureInChild({ config, modelsRoot: options.models, model: model.key, tokens, device: options.device, runs: 2 });
    // Each configuration's peak is the lower of two children, taken in turn: a plain session's own peak moved
    // by up to 20 % between identical children (741 vs 884-946 MB, BERT shape at 128 tokens).
    const configs: MemoryConfig[] = ['plain', 'inspect', 'worker'];
    const peaks = new Map<MemoryConfig, number>();
    for (let round = 0; round < 2; round++) {
      for (const config of configs) peaks.set(config, Math.min(peaks.get(config) ?? Infinity, await child(config)));
    }
    const [plainBytes, inspectBytes, workerBytes] = configs.map((config) => peaks.get(config)!);
    const row: MemoryRow = {
      model: model.label,
      tokens,
      plainBytes,
      inspectBytes,
      workerBytes,
      inspectRatio: inspectBytes / plainBytes,
      workerRatio: workerBytes / plainBytes,
    };
    results.memory.push(row);
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === CHILD_FLAG) {
    const rss = await memoryChild(JSON.parse(process.argv[3]));
    process.stdout.write(`maxRSS=${rss}\n`);
    process.exit(0);
  }
  if (process.argv[2] === DECODER_CHILD_FLAG) {
    printResult(await decoderSpeedChild(JSON.parse(process.argv[3])));
    process.exit(0);
  }
  const repoRoot = path.resolve(__dirname, '..');
  const options = parseOptions(process.argv.slice(2), repoRoot);
  const gc = garbageCollector();
  if (options.only === 'rollout') {
    const markdown = renderRolloutMarkdown(await benchRollout(options.quick));
    process.stdout.write(`${markdown}\n`);
    if (options.write && !options.quick) log(`written to ${writeRolloutSection(repoRoot, markdown)}`);
    return;
  }
  if (options.only !== 'qwen') await benchEncoders(options, repoRoot, gc);
  if (options.only === undefined || options.only === 'qwen') {
    const markdown = renderDecoderMarkdown(await benchQwen(options, repoRoot, log));
    process.stdout.write(`${markdown}\n`);
    if (options.write && !options.quick) log(`written to ${writeDecoderSection(repoRoot, options.device, markdown)}`);
  }
}

/** The BERT- and GPT-2-shaped models, the floor, the test models and the webview: the table between bench:start/end. */
async function benchEncoders(options: BenchOptions, repoRoot: string, gc: () => void): Promise<void> {
  const only = options.only === 'qwen' || options.only === 'rollout' ? undefined : options.only;
  const models = findModels(options.models, only, options.quick);
  const results: BenchResults = {
    machine: describeMachine(),
    device: options.device,
    ranOn: [],
    quick: options.quick,
    models,
    tjsWhat: {},
    speed: [],
    stall: [],
    memory: [],
    load: [],
    bytes: [],
    render: 'not run',
    floor: { n: 0, chain: 0, ms: NaN, rate: NaN },
    testModels: [],
    notes: [],
  };
  log('MatMul rate (the floor)');
  results.floor = await measureMatmulRate(options.device, options.quick ? 3 : 7);
  log('copying into new memory against memory already touched');
  results.freshMemory = measureFreshMemory(12, 12 * 512 * 512 * 4, options.quick ? 3 : 7, gc);
  log('the test models: plain forward and a run with every attention map');
  results.testModels = await measureTestModels(repoRoot, options.device, options.quick ? 5 : 20);
  for (const model of models) await benchModel(model, options, results, gc);
  // Measured again at the end and the faster kept: the floor is what the hardware can do, and other jobs on a
  // shared machine only ever slow a measurement down.
  const again = await measureMatmulRate(options.device, options.quick ? 3 : 7);
  if (again.rate > results.floor.rate) results.floor = again;
  log('webview render times (headless Chromium)');
  results.render = await measureRenderInChild(repoRoot);
  noteLoad(results.machine);
  const markdown = renderMarkdown(results);
  process.stdout.write(`${markdown}\n`);
  if (options.write && !options.quick) log(`written to ${writeBenchmarks(repoRoot, options.device, markdown)}`);
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
