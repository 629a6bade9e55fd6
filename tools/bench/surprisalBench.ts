// Show Surprisal's figures (issue 22): a whole-file scan through the worker against plain onnxruntime forward passes
// over the same windows, a one-line edit in a 2,000-line file against running just the windows it makes stale,
// and the extension-host thread's longest stall meanwhile. Prints a Markdown section for BENCHMARKS.md.
//   node out/tools/bench/surprisalBench.js [--model <folder>] [--window N] [--stride N]
// Default model: the embedded causal model (models/lens-gpt2-mini). Interleaved rounds, medians of ratios, as main.ts.
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildFeeds, feedShape, inputSpecs } from '../../src/core/engine/feeds';
import { sessionOptions } from '../../src/core/engine/modelSession';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { readModelConfig } from '../../src/core/model/modelFolder';
import { runScan } from '../../src/core/surprisal/scanDriver';
import { loadTextTokenizer } from '../../src/core/tokenize/textTokenizer';
import type { ScanWindow } from '../../src/core/surprisal/surprisalWindows';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { garbageCollector } from '../exposeGc';
import { median } from './benchMath';
import { idleStall, longestStall } from './stall';

const repoRoot = path.join(__dirname, '..', '..', '..');
const workerPath = path.join(__dirname, '..', '..', 'src', 'core', 'worker', 'inferenceWorker.js');

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** A source file of `lines` lines, each different (ids and numbers vary), as code in an editor is. */
function sourceFile(lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`  const value${i} = compute(${(i * 37) % 101}, "item ${i}"); // step ${i % 13}`);
  return out.join('\n') + '\n';
}

async function main(): Promise<void> {
  const folder = path.resolve(flag('--model') ?? path.join(repoRoot, 'models', 'lens-gpt2-mini'));
  const window = flag('--window') ? Number(flag('--window')) : undefined;
  const stride = flag('--stride') ? Number(flag('--stride')) : undefined;
  const rounds = Number(flag('--rounds') ?? 3);
  const config = await readModelConfig(folder);
  // Before the worker starts, so that its health figures are settled (see tools/exposeGc.ts).
  garbageCollector();
  const engine = new InferenceEngine({ workerPath, environment: detectProviderEnvironment() });
  const { info } = await engine.load({ id: path.basename(folder), source: 'local', folder, device: 'cpu' });
  const plain = await ort.InferenceSession.create(path.join(folder, info.onnxFile), sessionOptions('cpu'));
  const specs = inputSpecs(plain);
  const logitsName = plain.outputNames.includes('logits') ? 'logits' : plain.outputNames[0];
  /** Plain forward passes over `windows` of `ids`: what a scan does at the least, with nothing read back. */
  const plainPasses = async (ids: number[], windows: readonly ScanWindow[]) => {
    const started = performance.now();
    for (const w of windows) {
      const slice = ids.slice(w.start, w.end);
      await plain.run(buildFeeds(specs, slice, 1, slice.length, feedShape(config)), [logitsName]);
    }
    return performance.now() - started;
  };
  // The scan's replies carry spans and scores, not ids: the plain passes take the ids of the same tokenization
  // (an edit's spliced tokens equal the whole text's, test/unit/surprisalSplice.test.ts).
  const tokenizer = await loadTextTokenizer(folder);
  const idsOf = (text: string) => tokenizer.encode(text).map((t) => t.id);
  const loads: number[] = [os.loadavg()[0]];

  // 1. Whole-file scan vs plain passes over the same windows (500 lines).
  const scanText = sourceFile(500);
  const scanRatios: number[] = [];
  const scanStalls: number[] = [];
  /** The same tracker awaiting only a timer: how much of a stall the shared machine's scheduler makes alone. */
  const idleStalls: number[] = [];
  let scanFacts = { tokens: 0, windows: 0, scanMs: 0, plainMs: 0 };
  for (let r = 0; r < rounds; r++) {
    let windows: ScanWindow[] = [];
    let scanMs = 0;
    const stall = await longestStall(async () => {
      const started = performance.now();
      const { plan } = await runScan(engine, { key: 'bench', text: scanText, window, stride, fresh: true });
      scanMs = performance.now() - started;
      windows = plan.windows;
    });
    const ids = idsOf(scanText);
    const plainMs = await plainPasses(ids, windows);
    scanStalls.push(stall);
    idleStalls.push(await idleStall(Math.min(scanMs, 5000)));
    // Tokens per second of each over the same windows: the ratio of the times, inverted.
    scanRatios.push(plainMs / scanMs);
    scanFacts = { tokens: ids.length, windows: windows.length, scanMs, plainMs };
    loads.push(os.loadavg()[0]);
  }

  // 2. A one-line edit in a 2,000-line file (near its end: line 1,950) vs plain passes over the stale windows.
  const lines = sourceFile(2000).split('\n');
  const full = lines.join('\n');
  const memoryBefore = await engine.request('health', { settle: true });
  const fullPlan = (await runScan(engine, { key: 'edit', text: full, window, stride, fresh: true })).plan;
  const memoryAfter = await engine.request('health', { settle: true });
  const editRatios: number[] = [];
  const editStalls: number[] = [];
  let editFacts = { windows: 0, stale: 0, editMs: 0, plainMs: 0 };
  for (let r = 0; r < rounds; r++) {
    const edited = [...lines];
    edited[1950] = `${edited[1950]} // edit ${r}`;
    let editMs = 0;
    let stale: ScanWindow[] = [];
    let total = 0;
    const stall = await longestStall(async () => {
      const started = performance.now();
      const { plan } = await runScan(engine, { key: 'edit', text: edited.join('\n'), window, stride, fresh: false });
      editMs = performance.now() - started;
      stale = plan.windows.slice(plan.firstStale);
      total = plan.windows.length;
    });
    const plainMs = await plainPasses(idsOf(edited.join('\n')), stale);
    editStalls.push(stall);
    idleStalls.push(await idleStall(editMs));
    editRatios.push(editMs / plainMs);
    editFacts = { windows: total, stale: stale.length, editMs, plainMs };
    // Back to the unedited text, so that every round's edit is one line against the same file.
    await runScan(engine, { key: 'edit', text: full, window, stride, fresh: false });
    loads.push(os.loadavg()[0]);
  }
  await engine.dispose();
  await plain.release();

  const f1 = (x: number) => x.toFixed(1);
  const f2 = (x: number) => x.toFixed(2);
  const grew = (key: 'rssBytes' | 'heapUsedBytes' | 'arrayBuffersBytes') => {
    const bytes = memoryAfter[key] - memoryBefore[key];
    return `${bytes >= 0 ? '+' : '−'}${(Math.abs(bytes) / 2 ** 20).toFixed(1)} MB`;
  };
  const shape = `window ${window ?? config.maxPositions}, stride ${stride ?? Math.floor((window ?? config.maxPositions) / 2)}`;
  process.stdout.write(
    [
      `Model: ${info.id} (${config.layers} layers, vocabulary ${config.vocabSize}), ${shape}, CPU, ${rounds} interleaved rounds; ` +
        `load average ${f2(Math.min(...loads))}–${f2(Math.max(...loads))} on ${os.availableParallelism()} cores (shared machine).`,
      '',
      '| Figure | Target | Measured (median) | Detail (last round) |',
      '|---|---|---|---|',
      `| Scan tokens/s ÷ plain forward tokens/s, same windows (500 lines) | ≥ 0.8 | ${f2(median(scanRatios))} | ` +
        `${scanFacts.tokens} tokens, ${scanFacts.windows} windows: scan ${f1(scanFacts.scanMs)} ms, plain ${f1(scanFacts.plainMs)} ms |`,
      `| One-line edit (line 1,951 of 2,000) ÷ plain passes over its stale windows | ≤ 1.5 | ${f2(median(editRatios))} | ` +
        `${editFacts.stale} of ${editFacts.windows} windows re-run: ${f1(editFacts.editMs)} ms vs ${f1(editFacts.plainMs)} ms |`,
      `| Longest extension-host stall during a scan / an edit's re-scan | ≤ 50 ms | ` +
        `${f1(median(scanStalls))} / ${f1(median(editStalls))} ms | ` +
        `worst ${f1(Math.max(...scanStalls))} / ${f1(Math.max(...editStalls))} ms; awaiting an idle timer as long: ` +
        `median ${f1(median(idleStalls))}, worst ${f1(Math.max(...idleStalls))} ms |`,
      '',
      `Worker memory across the first scan of the 2,000-line file (${fullPlan.tokenCount} tokens, ${fullPlan.windows.length} windows), ` +
        `settled: RSS ${grew('rssBytes')}, heap ${grew('heapUsedBytes')}, array buffers ${grew('arrayBuffersBytes')} ` +
        `(the heap keeps the file's tokens and text).`,
      '',
    ].join('\n'),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`surprisal bench: ${(error as Error).stack}\n`);
    process.exit(1);
  },
);
