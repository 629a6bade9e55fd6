// The engine as the extension host uses it: a worker thread, cancellation of superseded runs, restart after
// a crash; plus masked-at-position, the causal "actual token" probability and truncation.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { buildFeeds, inputSpecs } from '../../src/core/engine/feeds';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { sessionOptions } from '../../src/core/engine/modelSession';
import { locateAttention } from '../../src/core/onnx/attentionNodes';
import { patchModel, planPatch, PREDICTED_POSITIONS } from '../../src/core/onnx/graphPatch';
import { scanModel } from '../../src/core/onnx/graphScan';
import { readModelSkeleton } from '../../src/core/onnx/modelSkeleton';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { LensError, type MaskedPredictions } from '../../src/core/types';
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
  it('masked-at-position equals an inspect of the text with that token replaced by [MASK], one or several at a time', async () => {
    const runner = await ModelRunner.load(bert, env);
    const text = 'Paris is a city in France.';
    const tokens = (await runner.inspect(text, { attention: false, topK: 5 })).tokens;
    const single = await runner.maskedAt(text, [3], 5);
    // A fresh runner: the batch of three (rows masked at 2, 3, 4, each ranked at all three) is not served from the cache.
    const fresh = await ModelRunner.load(bert, env);
    const batch = await fresh.maskedAt(text, [2, 3, 4], 5);
    await fresh.dispose();
    assert.deepEqual(tokens.slice(2, 5).map((t) => t.piece), ['is', 'a', 'city']);
    for (const [i, words] of [['Paris', '[MASK]', 'a', 'city'], ['Paris', 'is', '[MASK]', 'city'], ['Paris', 'is', 'a', '[MASK]']].entries()) {
      const reference = await runner.inspect(`${words.join(' ')} in France.`, { attention: false, topK: 5 });
      assert.ok(reference.predictions.kind === 'masked');
      const ids = reference.predictions.masks[0].top.map((p) => p.id);
      assert.deepEqual(batch[i].top.map((p) => p.id), ids, `masked at ${2 + i}`);
      batch[i].top.forEach((p, j) => assert.ok(Math.abs(p.probability - (reference.predictions as MaskedPredictions).masks[0].top[j].probability) < 1e-5));
      if (i === 1) assert.deepEqual(single[0].top.map((p) => p.id), ids);
    }
    await runner.dispose();
  });

  it('projects only the mask tokens onto the vocabulary: the fills are those of the unpatched graph, and a text without a mask runs', async () => {
    const runner = await ModelRunner.load(bert, env);
    assert.equal(runner.model.positionsInput, true, 'the tiny BERT graph takes the positions input');
    const text = '[MASK] went to the [MASK] store.';
    const result = await runner.inspect(text, { attention: true, topK: 5 });
    assert.ok(result.predictions.kind === 'masked');
    assert.deepEqual(result.predictions.masks.map((m) => m.position), [1, 5]);
    const plain = await ort.InferenceSession.create(path.join(fixtureModel('tiny-bert'), 'onnx', 'model.onnx'), sessionOptions('cpu'));
    const ids = result.tokens.map((t) => t.id);
    const { config } = runner.model;
    const logits = (await plain.run(buildFeeds(inputSpecs(plain), ids, 1, ids.length, config.heads, config.hiddenSize / config.heads), ['logits'])).logits.data as Float32Array;
    await plain.release();
    const patchedFeeds = buildFeeds(runner.model.inputs, ids, 1, ids.length, config.heads, config.hiddenSize / config.heads);
    patchedFeeds[PREDICTED_POSITIONS] = new ort.Tensor('int64', BigInt64Array.from([1n, 5n]), [2]);
    const patched = await runner.model.session.run(patchedFeeds, ['logits']);
    assert.deepEqual(patched.logits.dims, [1, 2, config.vocabSize], 'the patched graph computes logits at the two positions only');
    for (const mask of result.predictions.masks) {
      const row = Array.from(logits.subarray(mask.position * config.vocabSize, (mask.position + 1) * config.vocabSize));
      const lse = Math.log(row.reduce((sum, x) => sum + Math.exp(x), 0));
      const expected = row.map((x, id) => ({ id, p: Math.exp(x - lse) })).sort((a, b) => b.p - a.p).slice(0, 5);
      assert.deepEqual(mask.top.map((p) => p.id), expected.map((e) => e.id), `fills at ${mask.position}`);
      mask.top.forEach((p, j) => assert.ok(Math.abs(p.probability - expected[j].p) < 1e-5, `${p.probability} vs ${expected[j].p}`));
    }
    // No mask token: onnxruntime is never handed an empty list of positions (its CPU kernels crash on one).
    const none = await runner.inspect('No mask in this one.', { attention: true, topK: 5 });
    assert.deepEqual(none.predictions, { kind: 'masked', masks: [] });
    assert.equal((await runner.unmasked('No mask in this one.', 5)).length, none.tokens.length);
    await runner.dispose();
  });

  it('a masked LM whose projection cannot be cut (e.g. a quantized head) ranks every position, and keeps the unmasked top-k it got', async () => {
    const text = 'Paris is the [MASK] of France.';
    const cut = await ModelRunner.load(bert, env);
    const expected = await cut.inspect(text, { attention: false, topK: 5 });
    const expectedUnmasked = await cut.unmasked(text, 5);
    await cut.dispose();
    // The same runner on a session patched without the positions input, as loadModel makes for such a head.
    const runner = await ModelRunner.load(bert, env);
    const onnxPath = path.join(fixtureModel('tiny-bert'), 'onnx', 'model.onnx');
    const skeleton = await readModelSkeleton(onnxPath);
    const graph = scanModel(skeleton);
    const attention = locateAttention(graph, runner.info.layers);
    const plan = { ...planPatch(graph, attention.available ? attention.outputs : [], false, runner.info.maxPositions), projection: undefined };
    const session = await ort.InferenceSession.create(patchModel(skeleton, plan).bytes, sessionOptions('cpu', path.dirname(onnxPath)));
    await runner.model.session.release();
    Object.assign(runner.model, { session, positionsInput: false });
    let runs = 0;
    const run = session.run.bind(session);
    session.run = ((feeds: ort.InferenceSession.FeedsType, fetches: string[]) => (runs++, run(feeds, fetches))) as typeof session.run;
    const full = await runner.inspect(text, { attention: false, topK: 5 });
    assert.deepEqual(full.predictions, expected.predictions);
    const unmasked = await runner.unmasked(text, 5);
    assert.equal(runs, 1, 'the inspect ranked every position already: no second run');
    unmasked.forEach((top, p) => {
      assert.deepEqual(top.map((x) => x.id), expectedUnmasked[p].map((x) => x.id), `position ${p}`);
      top.forEach((x, j) => assert.ok(Math.abs(x.probability - expectedUnmasked[p][j].probability) < 1e-6));
    });
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
