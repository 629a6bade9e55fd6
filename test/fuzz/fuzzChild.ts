// The process fuzz cases run in, so that a native crash, a stack overflow or a hang takes down only this
// process, never the test runner: it builds each case the parent names, runs it, and reports how it ended,
// how long it took and how far the process's peak RSS rose.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { inspectText } from '../support/engine';
import { buildCase, structureSitesOf, type Target } from './fuzzCases';
import { modelSeeds, seedFiles, writeModelFolder, zipSeeds } from './seedCorpus';
import { memoryBound, type CaseReport } from './verdict';

export interface CaseRequest {
  target: Target;
  seed: number;
  index: number;
}

const workerPath = path.join(__dirname, '..', '..', 'src', 'core', 'worker', 'inferenceWorker.js');
/** The parent's folder for this process's cases (it removes it, also after a crash). */
const root = process.env.LENS_FUZZ_DIR!;
let engine: InferenceEngine | undefined;

/**
 * The engine, after loading and running the largest seed as it is: onnxruntime's own start-up and its memory
 * arenas at their size for these models are not counted against a case.
 */
async function warmEngine(): Promise<InferenceEngine> {
  if (engine) return engine;
  engine = new InferenceEngine({ workerPath, environment: detectProviderEnvironment() });
  const largest = modelSeeds().reduce((a, b) => (b.onnx.length > a.onnx.length ? b : a));
  const dir = path.join(root, 'warm-up');
  writeModelFolder(largest, dir);
  await engine.load({ id: 'warm-up', source: 'local', folder: dir, device: 'cpu' });
  await inspectText(engine, 'The cat sat on the', { attention: true, topK: 5 });
  return engine;
}

const peakRss = () => process.resourceUsage().maxRSS * 1024;

async function runCase(request: CaseRequest): Promise<CaseReport> {
  const dir = path.join(root, `case-${request.index}`);
  fs.mkdirSync(dir, { recursive: true });
  try {
    const built = buildCase(request.target, request.seed, request.index, {
      dir,
      engine: request.target === 'model' ? await warmEngine() : undefined,
    });
    const rssBefore = process.memoryUsage().rss;
    const peakBefore = peakRss();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const outcome = await built.run();
    const cpu = process.cpuUsage(cpuBefore);
    const ms = performance.now() - started;
    const peakAfter = peakRss();
    return {
      ...request,
      ...outcome,
      what: built.what,
      bytes: built.bytes,
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakGrowth: peakAfter > peakBefore ? peakAfter - rssBefore : 0,
      memoryBound: memoryBound(built.bytes),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads the seed corpus (and starts the engine) before the first case, so no case's time counts it. */
async function prepare(target: Target): Promise<void> {
  if (target === 'zip') zipSeeds();
  else for (const seed of modelSeeds()) structureSitesOf(seed);
  if (target === 'model') {
    for (const seed of modelSeeds()) seedFiles(seed);
    await warmEngine();
  }
}

process.on('message', (request: CaseRequest) => {
  void runCase(request).then((report) => process.send!(report));
});
process.on('disconnect', () => {
  void (engine?.dispose() ?? Promise.resolve()).then(() => process.exit(0));
});
void prepare(process.env.LENS_FUZZ_TARGET as Target).then(() => process.send!({ ready: true }));
