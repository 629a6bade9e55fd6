// The engine as the extension host uses it: a worker thread, cancellation of superseded runs, restart after
// a crash; plus masked-at-position, the causal "actual token" probability and truncation.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { LensError } from '../../src/core/types';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { fixtureModel, repoRoot } from '../support/paths';

const env = detectProviderEnvironment();
const workerPath = path.join(repoRoot, 'out', 'src', 'core', 'worker', 'inferenceWorker.js');
const bert = { id: 'tiny-bert', source: 'local' as const, folder: fixtureModel('tiny-bert'), device: 'cpu' as const };
const gpt2 = { id: 'tiny-gpt2', source: 'local' as const, folder: fixtureModel('tiny-gpt2'), device: 'cpu' as const };
const isCode = (code: string) => (e: unknown) => e instanceof LensError && e.code === code;

describe('InferenceEngine (worker thread)', () => {
  let engine: InferenceEngine;
  before(async () => {
    engine = new InferenceEngine({ workerPath, environment: env });
    await engine.load(bert);
  });
  after(() => engine.dispose());

  it('keeps the attention in the worker: the maps and each layer fetched equal an in-thread run', async () => {
    const text = 'The capital of France is [MASK].';
    const fromWorker = await engine.inspect(text, { attention: true, topK: 5 });
    const runner = await ModelRunner.load(bert, env);
    const inThread = await runner.inspect(text, { attention: true, topK: 5 });
    await runner.dispose();
    const ref = fromWorker.attention!;
    assert.deepEqual([ref.layers, ref.heads, ref.tokens], [inThread.attention!.layers, inThread.attention!.heads, inThread.tokens.length]);
    assert.equal('perLayer' in ref, false, 'no map crosses with the result');
    const maps = await engine.attentionMaps(ref.run);
    assert.ok(maps.perLayer[0] instanceof Float32Array);
    assert.deepEqual(maps.perLayer, inThread.attention!.perLayer);
    const layer1 = await engine.attentionLayer(ref.run, 1);
    assert.deepEqual(layer1, inThread.attention!.perLayer[1]);
    layer1.fill(0);
    assert.deepEqual(await engine.attentionLayer(ref.run, 1), inThread.attention!.perLayer[1], 'a fetched layer is a copy');
    await assert.rejects(engine.attentionLayer(ref.run, ref.layers), /layer 2 does not exist: the model has 2 layers/);
    const overview = await engine.attentionOverview(ref.run);
    assert.equal(overview.side, fromWorker.tokens.length, 'short inputs: the overview is the maps themselves');
    assert.deepEqual(overview.data.subarray(0, ref.heads * ref.tokens * ref.tokens), inThread.attention!.perLayer[0]);
    assert.equal(fromWorker.device.provider, 'cpu');
  });

  it('keeps one run\'s maps: the next run with attention replaces them; a refused input or a run without attention does not', async () => {
    const a = (await engine.inspect('first run', { attention: true, topK: 5 })).attention!;
    await assert.rejects(engine.inspect('   ', { attention: true, topK: 5 }), /only whitespace/);
    assert.equal((await engine.inspect('no maps', { attention: false, topK: 5 })).attention, undefined);
    assert.equal((await engine.attentionLayer(a.run, 0)).length, a.heads * a.tokens * a.tokens, 'still kept');
    const b = (await engine.inspect('second run', { attention: true, topK: 5 })).attention!;
    await assert.rejects(engine.attentionLayer(a.run, 0), /the attention maps of that run are no longer kept; inspect again/);
    assert.equal((await engine.attentionLayer(b.run, 0)).length, b.heads * b.tokens * b.tokens);
  });

  it('a layer request goes ahead of a waiting inspect, so it is answered before that run replaces the maps', async () => {
    const shown = (await engine.inspect('the run on screen', { attention: true, topK: 5 })).attention!;
    const order: string[] = [];
    const running = engine.maskedAt('the run on screen', [1, 2, 3], 5).then(() => order.push('maskedAt'));
    const waiting = engine.inspect('the next run', { attention: true, topK: 5 }).then(() => order.push('inspect'));
    const layer = engine.attentionLayer(shown.run, 0).then((data) => order.push(`layer of ${data.length}`));
    await Promise.all([running, waiting, layer]);
    assert.deepEqual(order, ['maskedAt', `layer of ${shown.heads * shown.tokens * shown.tokens}`, 'inspect']);
  });

  it('rejects a queued inspect with "cancelled" when a newer one arrives, and runs the newest', async () => {
    const first = engine.inspect('first text', { attention: true, topK: 5 });
    const second = assert.rejects(engine.inspect('second text', { attention: true, topK: 5 }), isCode('cancelled'));
    const third = engine.inspect('third text', { attention: true, topK: 5 });
    await first; // already started: runs to the end
    await second;
    assert.equal((await third).text, 'third text');
  });

  it('reports a crashed worker as worker-crashed, then restarts it and reloads the model on the next run; the old worker\'s maps are gone', async () => {
    const before = (await engine.inspect('kept by the first worker', { attention: true, topK: 5 })).attention!;
    // Killed as soon as the run is posted: a timer could fire after a tiny model's run has already finished.
    const running = engine.inspect('a run the worker dies under', { attention: true, topK: 5 });
    const killed = engine.terminateWorker();
    await assert.rejects(running, isCode('worker-crashed'));
    await killed;
    const next = await engine.inspect('after the restart', { attention: false, topK: 5 });
    assert.equal(next.model.id, 'tiny-bert');
    assert.equal(next.attention, undefined);
    await assert.rejects(engine.attentionLayer(before.run, 0), /no longer kept/);
  });

  it('refuses an empty selection with a message that says so', async () => {
    await assert.rejects(engine.inspect('', { attention: true, topK: 5 }), /the selection is empty/);
    await assert.rejects(engine.inspect(' \n\t ', { attention: true, topK: 5 }), /only whitespace/);
  });
});

describe('ModelRunner details', () => {
  it('masked-at-position equals an inspect of the text with that token replaced by [MASK]', async () => {
    const runner = await ModelRunner.load(bert, env);
    const [at] = await runner.maskedAt('Paris is a city in France.', [3], 5);
    const tokens = (await runner.inspect('Paris is a city in France.', { attention: false, topK: 5 })).tokens;
    const masked = 'Paris is [MASK] city in France.';
    assert.equal(tokens[3].piece, 'a');
    const reference = await runner.inspect(masked, { attention: false, topK: 5 });
    assert.deepEqual(at.top.map((p) => p.id), reference.predictions.kind === 'masked' ? reference.predictions.masks[0].top.map((p) => p.id) : []);
    await runner.dispose();
  });

  it('the graph head and the full-logits fallback agree on top-k and on the actual next token probability', async () => {
    const runner = await ModelRunner.load(gpt2, env);
    const text = 'def add(a, b):\n    return a + b';
    const viaHead = await runner.inspect(text, { attention: false, topK: 5 });
    (runner.model as { predictionHead: boolean }).predictionHead = false;
    const viaLogits = await runner.inspect(text, { attention: false, topK: 5 });
    await runner.dispose();
    assert.ok(viaHead.predictions.kind === 'causal' && viaLogits.predictions.kind === 'causal');
    assert.equal(viaHead.predictions.actual[0], null);
    viaHead.predictions.actual.forEach((p, i) => {
      const q = (viaLogits.predictions as { actual: (number | null)[] }).actual[i];
      if (p === null || q === null) return assert.equal(p, q);
      assert.ok(Math.abs(p - q) < 1e-5, `actual probability at ${i}: ${p} vs ${q}`);
    });
    assert.deepEqual(viaHead.predictions.next.map((r) => r.map((x) => x.id)), viaLogits.predictions.next.map((r) => r.map((x) => x.id)));
  });

  it('truncates input past the model maximum, keeps [SEP] last and says where it cut', async () => {
    const runner = await ModelRunner.load(bert, env);
    const text = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    const result = await runner.inspect(text, { attention: true, topK: 3 });
    await runner.dispose();
    assert.equal(result.tokens.length, runner.info.maxPositions);
    assert.equal(result.tokens.at(-1)!.piece, '[SEP]');
    assert.ok(result.truncation);
    assert.match(result.truncation.message, /the model takes 64\. Inspected up to line 1, column \d+ of the selection/);
    assert.equal(text.slice(0, result.truncation.keptUntil), text.slice(0, result.tokens.at(-2)!.end));
    assert.equal(result.attention!.tokens, 64);
  });

  it('a graph without Softmax still predicts and says why attention is unavailable', async () => {
    const runner = await ModelRunner.load({ ...bert, folder: fixtureModel('tiny-bert-nosoftmax') }, env);
    const result = await runner.inspect('Hello [MASK] world', { attention: true, topK: 3 });
    await runner.dispose();
    assert.equal(result.attention, undefined);
    assert.match((result.model.attention as { reason: string }).reason, /no Softmax/);
    assert.ok(result.predictions.kind === 'masked' && result.predictions.masks[0].top.length === 3);
  });
});

describe('device fallback on a machine without a GPU', () => {
  it('asking for CUDA without its libraries runs on the CPU and says how to enable CUDA', async () => {
    const runner = await ModelRunner.load({ ...bert, device: 'cuda' }, { platform: 'linux', cudaInstalled: false, tensorrtInstalled: false });
    await runner.dispose();
    assert.equal(runner.model.device.provider, 'cpu');
    assert.equal(runner.model.device.label, 'CPU');
    assert.match(runner.model.device.fallbackReason ?? '', /CUDA provider libraries are not installed \(run "Attention Lens: Enable GPU \(CUDA\)"\)/);
  });

  it('when onnxruntime cannot start CUDA the run still happens on the CPU, with onnxruntime\'s reason', async (t) => {
    if (detectProviderEnvironment().cudaInstalled) return t.skip('CUDA libraries are installed here');
    const runner = await ModelRunner.load({ ...bert, device: 'auto' }, { platform: 'linux', cudaInstalled: true, tensorrtInstalled: false });
    const result = await runner.inspect('still runs', { attention: false, topK: 1 });
    await runner.dispose();
    assert.equal(result.device.provider, 'cpu');
    assert.match(result.device.fallbackReason ?? '', /^CUDA failed to start: .+/);
  });
});
