// A 10,000-line file through a surprisal scan (tiny-gpt2, so that it is quick): every token is scored once, and
// the worker keeps no window's data once the window is answered: its settled array-buffer memory (where run
// outputs live) after the whole file is within a few windows' outputs of what it was before, not the file's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { runScan } from '../../src/core/surprisal/scanDriver';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { garbageCollector } from '../../tools/exposeGc';
import { request, workerPath } from './reliability/support';

const LINES = 10_000;
const WINDOW = 64;
const STRIDE = 48;

/** Short lines of code, each different, ending in a newline. */
const file = Array.from({ length: LINES }, (_, i) => `x${i % 10} = ${i % 7}`).join('\n') + '\n';

describe('a 10,000-line file', () => {
  let engine: InferenceEngine;
  before(async () => {
    // Before the worker starts, so that it has `gc` too and its health figures are settled.
    garbageCollector();
    engine = new InferenceEngine({ workerPath, environment: detectProviderEnvironment() });
    await engine.load(request('tiny-gpt2'));
  });
  after(() => engine.dispose());

  it('scores every token once, and the worker holds no window data afterwards', async (t) => {
    // A small scan first, so that onnxruntime's buffers and the code are warm before the baseline.
    await runScan(engine, { key: 'warm', text: file.slice(0, 2000), window: WINDOW, stride: STRIDE, topK: 5, fresh: true });
    const baseline = await engine.request('health', { settle: true });
    let scoredTimes = new Uint8Array(0);
    let windowsSeen = 0;
    let largestWindowBytes = 0;
    const outcome = await runScan(
      engine,
      { key: 'large', text: file, window: WINDOW, stride: STRIDE, topK: 5, fresh: true },
      {
        onPlan: (plan) => (scoredTimes = new Uint8Array(plan.tokenCount)),
        onWindow: (_, scores) => {
          windowsSeen++;
          for (const s of scores) scoredTimes[s.index]++;
          largestWindowBytes = Math.max(largestWindowBytes, Buffer.byteLength(JSON.stringify(scores)));
        },
      },
    );
    const settled = await engine.request('health', { settle: true });
    const { plan } = outcome;
    assert.equal(outcome.windowsRun, plan.windows.length);
    assert.equal(windowsSeen, plan.windows.length);
    assert.ok(plan.tokenCount > LINES * 4, `${plan.tokenCount} tokens`);
    assert.ok(
      scoredTimes.every((n) => n === 1),
      'every token scored exactly once',
    );
    // One window's run outputs: top-k values and ids, log Σ exp and the actual logit per position (under 2 KB per
    // position at the graph's top 50), far below the file's.
    const windowOutputs = WINDOW * 2048;
    const grew = settled.arrayBuffersBytes - baseline.arrayBuffersBytes;
    t.diagnostic(
      `${plan.tokenCount} tokens, ${plan.windows.length} windows; worker array buffers ${grew} B, ` +
        `heap ${settled.heapUsedBytes - baseline.heapUsedBytes} B more after the scan; largest window reply ${largestWindowBytes} B`,
    );
    assert.ok(grew <= 4 * windowOutputs, `the worker's array buffers grew by ${grew} bytes over a ${plan.windows.length}-window scan`);
    // The scores of the file (what the editor draws) are the host's; the worker's heap keeps the file's tokens (to
    // splice an edit's) but no scores: less than one window's replies per window would be.
    const heapGrew = settled.heapUsedBytes - baseline.heapUsedBytes;
    assert.ok(heapGrew < plan.windows.length * largestWindowBytes, `the worker's heap grew by ${heapGrew} bytes`);
  });
});
