// The query·key view's request through the real extension: the panel asks the host (as its q·k toggle does) for one
// head at one query token of a tiny-llama run (rotary, 4 query heads on 2 key/value heads, unfused); the reply's
// probabilities are the layer reply's row, softmax(scores) is that row, the keys after the query are −∞, the score is
// q·k / √16 for every listed key, and the listed keys are the most attended. A fused export's reply says why it
// has no queries and keys. The numbers against PyTorch are the unit tier's (queryKey.test.ts).
import * as assert from 'node:assert/strict';
import type { LensTestApi } from '../../src/testApi';
import { askPanel as ask, fixtureModel, inspectNow, lensApi, openSample, selectLine, useModel } from './surfaceHelpers';

describe('Attention Lens: query·key view', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
  });

  it('tiny-llama: q, every score and probability of head 3 at a query; softmax(scores) is the map row', async () => {
    await useModel(fixtureModel('tiny-llama'));
    const editor = await openSample();
    selectLine(editor, 1);
    const run = await inspectNow(api);
    await api.panelReady();
    const n = run.tokens.length;
    assert.ok(n >= 6, `${n} tokens`);
    const query = 4;
    const reply = await ask(api, 'queryKey', { runId: run.runId, set: 'self', layer: 1, head: 3, query, keys: 3 });
    assert.ok(reply.result, reply.error);
    const r = reply.result;
    assert.deepEqual(
      [r.layer, r.head, r.query, r.dim, r.keys, r.q.length, r.scores.length, r.probs.length],
      [1, 3, query, 16, n, 16, n, n],
    );
    assert.equal(r.kvHead, undefined, 'optimum repeats the key/value heads before the product: the keys are per query head');
    assert.ok(r.scale !== undefined && Math.abs(r.scale - 0.25) < 1e-6, `scale ${r.scale}`);
    const layer = await ask(api, 'layer', { runId: run.runId, set: 'self', layer: 1, heads: [3] });
    assert.ok(layer.result, layer.error);
    const row = layer.result.data.subarray(query * n, (query + 1) * n);
    row.forEach((p, j) => assert.ok(Math.abs(r.probs[j] - p) <= 1e-6, `probability of key ${j}`));
    const finite = Array.from(r.scores.subarray(0, query + 1));
    assert.ok(finite.every(Number.isFinite), 'keys up to the query are scored');
    assert.ok(
      Array.from(r.scores.subarray(query + 1)).every((s) => s === -Infinity),
      'keys after the query are masked',
    );
    const top = Math.max(...finite);
    const total = finite.reduce((sum, s) => sum + Math.exp(s - top), 0);
    finite.forEach((s, j) => assert.ok(Math.abs(Math.exp(s - top) / total - row[j]) <= 1e-5, `softmax of key ${j}`));
    // The three listed keys: the most attended, each with its vector; score = q·k / 4.
    const ranked = Array.from(row, (p, j) => [p, j]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    assert.deepEqual(
      r.top,
      ranked.slice(0, 3).map(([, j]) => j),
    );
    assert.equal(r.k.length, 3 * 16);
    r.top.forEach((j, i) => {
      const dot = r.q.reduce((sum, x, c) => sum + x * r.k[i * 16 + c], 0);
      assert.ok(Math.abs(dot * 0.25 - r.scores[j]) < 1e-4, `key ${j}: score ${r.scores[j]}, q·k/4 ${dot * 0.25}`);
    });
    // A query past the run is refused with the reason.
    const past = await ask(api, 'queryKey', { runId: run.runId, set: 'self', layer: 1, head: 3, query: n, keys: 3 });
    assert.match(past.error ?? '', /outside the set's \d+ query positions/);
  });

  it('tiny-llama-gqa: a fused GroupQueryAttention export says why it has no queries and keys', async () => {
    await useModel(fixtureModel('tiny-llama-gqa'));
    const editor = await openSample();
    selectLine(editor, 1);
    const run = await inspectNow(api);
    await api.panelReady();
    const reply = await ask(api, 'queryKey', { runId: run.runId, set: 'self', layer: 0, head: 0, query: 1, keys: 8 });
    assert.equal(reply.result, undefined);
    assert.match(reply.error ?? '', /fused GroupQueryAttention/);
  });
});
