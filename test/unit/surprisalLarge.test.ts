// A 10,000-line file through a surprisal scan (tiny-gpt2, so that it is quick): every token is scored once, the
// worker keeps no window's data once the window is answered (its settled array-buffer memory, where run outputs
// live, is within a few windows' outputs of what it was before, not the file's), and the host keeps a few bytes a
// token: each window's spans, bits and probabilities as typed arrays, without the top-k every reply used to carry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as v8 from 'node:v8';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { runScan } from '../../src/core/surprisal/scanDriver';
import { KEPT_TOP_K } from '../../src/core/surprisal/keptTopK';
import { tokenScores, type TokenScore } from '../../src/core/surprisal/windowScores';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { DocumentSurprisal } from '../../src/surprisal/documentSurprisal';
import { garbageCollector } from '../../tools/exposeGc';
import { request, workerPath } from './reliability/support';

const LINES = 10_000;
const WINDOW = 64;
const STRIDE = 48;

/** Short lines of code, each different, ending in a newline. */
const file = Array.from({ length: LINES }, (_, i) => `x${i % 10} = ${i % 7}`).join('\n') + '\n';

describe('a 10,000-line file', () => {
  let engine: InferenceEngine;
  let gc: () => void;
  before(async () => {
    // Before the worker starts, so that it has `gc` too and its health figures are settled.
    gc = garbageCollector();
    engine = new InferenceEngine({ workerPath, environment: detectProviderEnvironment() });
    await engine.load(request('tiny-gpt2'));
  });
  after(() => engine.dispose());

  /** This (the host's) thread's settled heap and array buffers. */
  const hostBytes = () => {
    gc();
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };

  it("scores every token once; the worker keeps no window's data but each token's top-k, the host a few bytes a token", async (t) => {
    // A small scan first, so that onnxruntime's buffers and the code are warm before the baseline.
    await runScan(engine, { key: 'warm', text: file.slice(0, 2000), window: WINDOW, stride: STRIDE, fresh: true });
    const baseline = await engine.request('health', { settle: true });
    const host = new DocumentSurprisal();
    const hostBefore = hostBytes();
    let scoredTimes = new Uint8Array(0);
    let windowsSeen = 0;
    let largestReply = 0;
    const outcome = await runScan(
      engine,
      { key: 'large', text: file, window: WINDOW, stride: STRIDE, fresh: true },
      {
        onPlan: (plan) => {
          scoredTimes = new Uint8Array(plan.tokenCount);
          host.planned(plan);
        },
        onWindow: (_, scores) => {
          windowsSeen++;
          for (let j = 0; j < scores.bits.length; j++) scoredTimes[scores.from + j]++;
          // What crossing the thread boundary serializes (structured clone).
          largestReply = Math.max(largestReply, v8.serialize(scores).byteLength);
          host.scored(scores);
        },
      },
    );
    const { plan } = outcome;
    const hostPerToken = (hostBytes() - hostBefore) / plan.tokenCount;
    assert.equal(host.scoredCount, plan.tokenCount);
    assert.equal(host.pendingFrom(), undefined);
    // Settled twice, a moment apart: once, a single settle still counted 3.8 MB of the windows' freed buffers.
    await engine.request('health', { settle: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const settled = await engine.request('health', { settle: true });
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
    const heapGrew = settled.heapUsedBytes - baseline.heapUsedBytes;

    // The same scan as every window's reply used to be (with each token and its top-5), over the first tenth of the
    // file, kept as the host used to keep it: an object per token with its top-k list.
    const part = file.slice(0, file.length / 10);
    const kept: TokenScore[] = [];
    let largestDetailedReply = 0;
    const detailedBefore = hostBytes();
    await runScan(
      engine,
      { key: 'detailed', text: part, window: WINDOW, stride: STRIDE, topK: 5, fresh: true },
      {
        onWindow: (_, scores) => {
          largestDetailedReply = Math.max(largestDetailedReply, v8.serialize(scores).byteLength);
          kept.push(...tokenScores(scores));
        },
      },
    );
    const detailedPerToken = (hostBytes() - detailedBefore) / kept.length;
    t.diagnostic(
      `${plan.tokenCount} tokens, ${plan.windows.length} windows; worker array buffers ${grew} B, heap ${heapGrew} B more ` +
        `after the scan; the host keeps ${hostPerToken.toFixed(1)} B a token (${detailedPerToken.toFixed(0)} B with ` +
        `every top-5); largest window reply ${largestReply} B (${largestDetailedReply} B with the top-5)`,
    );
    // What the worker keeps for hovers: each token's top KEPT_TOP_K ids and probabilities (8 bytes an entry) and a count.
    const keptTopK = plan.tokenCount * (KEPT_TOP_K * 8 + 1);
    assert.ok(
      grew <= keptTopK + 4 * windowOutputs,
      `the worker's array buffers grew by ${grew} bytes over a ${plan.windows.length}-window scan (${keptTopK} kept for hovers)`,
    );
    // The scores of the file (what the editor draws) are the host's; the worker's heap keeps the file's text and
    // tokens (to splice an edit's, and to run a hovered token's window for a longer top-k): an object a token with its piece, about
    // 100 bytes (measured: 4.4–4.7 MB for these 50,000), where a token's score with its top-5 alone is some 900.
    assert.ok(heapGrew < plan.tokenCount * 200, `the worker's heap grew by ${heapGrew} bytes`);
    // 24 bytes of typed arrays a token (two 4-byte offsets, two 8-byte floats), plus each window's record and four
    // typed arrays with their buffers (about 1 KB) over its 48 tokens: about 20 more (measured: 44–45 in all). 64
    // leaves room for what else the thread allocated meanwhile; an object per token with its top-5 took ~900.
    assert.ok(hostPerToken <= 64, `the host keeps ${hostPerToken} bytes a token`);
    assert.ok(hostPerToken * 10 < detailedPerToken, `${hostPerToken} vs ${detailedPerToken} bytes a token with the top-k`);
    assert.ok(largestReply * 5 < largestDetailedReply, `a window's reply: ${largestReply} vs ${largestDetailedReply} bytes`);
    assert.equal(kept.length > 0 && kept.every((s) => s.index === 0 || s.top.length === 5), true);
  });
});
