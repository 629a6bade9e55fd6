// The engine as the extension host uses it: a worker thread, cancellation of superseded runs, restart after
// a crash; plus masked-at-position, the causal "actual token" probability and truncation.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { buildFeeds, feedShape, inputSpecs } from '../../src/core/engine/feeds';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { addPatchFeeds } from '../../src/core/engine/patchFeeds';
import { sessionOptions } from '../../src/core/engine/modelSession';
import { allLayers } from '../../src/core/engine/layerMaps';
import { patchModel, planPatch } from '../../src/core/onnx/graphPatch';
import { scanModel } from '../../src/core/onnx/graphScan';
import { readModelSkeleton } from '../../src/core/onnx/modelSkeleton';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { LensError, type RunPredictions } from '../../src/core/types';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import type { WorkerInspectResult } from '../../src/core/worker/workerRequests';
import { inspectText, selfSet } from '../support/engine';
import { fixtureModel, repoRoot } from '../support/paths';

const env = detectProviderEnvironment();
const workerPath = path.join(repoRoot, 'out', 'src', 'core', 'worker', 'inferenceWorker.js');
const bert = { id: 'tiny-bert', source: 'local' as const, folder: fixtureModel('tiny-bert'), device: 'cpu' as const };
const gpt2 = { id: 'tiny-gpt2', source: 'local' as const, folder: fixtureModel('tiny-gpt2'), device: 'cpu' as const };
const isCode = (code: string) => (e: unknown) => e instanceof LensError && e.code === code;
/** A fill-mask run's rankings: one per mask token. */
function fillsOf(predictions: RunPredictions): RunPredictions['ranked'] {
  assert.equal(predictions.task, 'fill-mask');
  assert.equal(predictions.actual, undefined, 'a fill-mask run scores no actual tokens');
  return predictions.ranked;
}

describe('InferenceEngine (worker thread)', () => {
  let engine: InferenceEngine;
  before(async () => {
    engine = new InferenceEngine({ workerPath, environment: env });
    await engine.load(bert);
  });
  after(() => engine.dispose());
  const options = { attention: true, topK: 5 };
  const layerOf = (run: number, layer = 0) => engine.request('layer', { run, set: 'self', layer });

  it('keeps the attention in the worker: the maps and each layer fetched equal an in-thread run', async () => {
    const text = 'The capital of France is [MASK].';
    const fromWorker = await inspectText(engine, text, options);
    const runner = await ModelRunner.load(bert, env);
    const inThread = await runner.inspect(text, options);
    const own = await allLayers(selfSet(inThread.attention));
    await runner.dispose();
    const ref = selfSet(fromWorker.attention);
    const n = inThread.tokens.length;
    assert.deepEqual([ref.layers, ref.heads, ref.queries, ref.keys, ref.causal], [own.layers, own.heads, n, n, false]);
    assert.equal('perLayer' in ref, false, 'no map crosses with the result');
    const maps = selfSet(await engine.request('maps', { run: fromWorker.run }));
    assert.ok(maps.perLayer[0] instanceof Float32Array);
    assert.deepEqual(maps.perLayer, own.perLayer);
    const layer1 = await layerOf(fromWorker.run, 1);
    assert.deepEqual(layer1, own.perLayer[1]);
    layer1.fill(0);
    assert.deepEqual(await layerOf(fromWorker.run, 1), own.perLayer[1], 'a fetched layer is a copy');
    await assert.rejects(layerOf(fromWorker.run, ref.layers), /layer 2 does not exist: the model has 2 layers/);
    const cross = engine.request('layer', { run: fromWorker.run, set: 'cross', layer: 0 });
    await assert.rejects(cross, /this run has no attention set named "cross"/);
    const overview = await engine.request('overview', { run: fromWorker.run, set: 'self' });
    assert.deepEqual([overview.rows, overview.cols], [n, n], 'short inputs: the overview is the maps themselves');
    assert.deepEqual(overview.data.subarray(0, ref.heads * n * n), own.perLayer[0]);
    assert.equal(fromWorker.device.provider, 'cpu');
  });

  it("keeps two runs' maps while small: a third run with maps lets the oldest go; a refused run or one without maps not", async () => {
    const a = await inspectText(engine, 'first run', options);
    await assert.rejects(inspectText(engine, '   ', options), /only whitespace/);
    assert.equal((await inspectText(engine, 'no maps', { ...options, attention: false })).attention, undefined);
    const b = await inspectText(engine, 'second run', options);
    const sizeOf = (r: WorkerInspectResult) => selfSet(r.attention).heads * r.tokens.length ** 2;
    assert.equal((await layerOf(a.run)).length, sizeOf(a), 'still kept beside the second run');
    assert.equal((await layerOf(b.run)).length, sizeOf(b));
    const health = await engine.request('health', { settle: false });
    // What each run keeps to compute its maps: the queries and keys of every layer and the masks beside them.
    const keptPerToken = (r: WorkerInspectResult) => selfSet(r.attention).layers * 2 * r.model.hiddenSize * 4;
    assert.equal(health.keptRuns, 2);
    assert.ok(health.keptBytes >= keptPerToken(a) * (a.tokens.length + b.tokens.length), `${health.keptBytes} bytes kept`);
    const c = await inspectText(engine, 'third run', options);
    await assert.rejects(layerOf(a.run), /the attention maps of that run are no longer kept; inspect again/);
    assert.equal((await layerOf(b.run)).length, sizeOf(b));
    assert.equal((await layerOf(c.run)).length, sizeOf(c));
    assert.equal((await engine.request('health', { settle: false })).keptRuns, 2);
  });

  it('a request about a run the worker no longer keeps (8 newer runs came) is refused "that run is no longer kept…"', async () => {
    const old = await inspectText(engine, 'an old run', { ...options, attention: false });
    assert.equal((await engine.request('maskedAt', { run: old.run, positions: [1], topK: 5 }))[0].position, 1, 'kept while recent');
    for (let i = 0; i < 8; i++) await inspectText(engine, `newer run ${i}`, { ...options, attention: false });
    const notKept = 'that run is no longer kept; inspect again';
    const masked = engine.request('maskedAt', { run: old.run, positions: [1], topK: 5 });
    await assert.rejects(masked, (e) => isCode('cancelled')(e) && (e as Error).message === notKept);
    await assert.rejects(engine.request('unmasked', { run: old.run, topK: 5 }), new RegExp(notKept));
    await assert.rejects(engine.request('logits', { run: old.run, position: 1 }), new RegExp(notKept));
    await assert.rejects(engine.request('unmasked', { run: engine.nextRunId(), topK: 5 }), new RegExp(notKept), 'a run never seen');
  });

  it('a layer request goes ahead of a waiting inspect, so it is answered before that run replaces the maps', async () => {
    const shown = await inspectText(engine, 'the run on screen', options);
    const order: string[] = [];
    const running = engine.request('maskedAt', { run: shown.run, positions: [1, 2, 3], topK: 5 }).then(() => order.push('maskedAt'));
    const waiting = inspectText(engine, 'the next run', options).then(() => order.push('inspect'));
    const layer = layerOf(shown.run).then((data) => order.push(`layer of ${data.length}`));
    await Promise.all([running, waiting, layer]);
    assert.deepEqual(order, ['maskedAt', `layer of ${selfSet(shown.attention).heads * shown.tokens.length ** 2}`, 'inspect']);
  });

  it('rejects a queued inspect with "cancelled" when a newer one arrives, and runs the newest', async () => {
    const first = inspectText(engine, 'first text', options);
    const second = assert.rejects(inspectText(engine, 'second text', options), isCode('cancelled'));
    const third = inspectText(engine, 'third text', options);
    await first; // already started: runs to the end
    await second;
    assert.equal((await third).text, 'third text');
  });

  it("reports a crashed worker as worker-crashed, then restarts it and reloads the model; the old worker's runs are gone", async () => {
    const before = await inspectText(engine, 'kept by the first worker', options);
    // Killed as soon as the run is posted: a timer could fire after a tiny model's run has already finished.
    const running = inspectText(engine, 'a run the worker dies under', options);
    const killed = engine.terminateWorker();
    await assert.rejects(running, isCode('worker-crashed'));
    await killed;
    const next = await inspectText(engine, 'after the restart', { ...options, attention: false });
    assert.equal(next.model.id, 'tiny-bert');
    assert.equal(next.attention, undefined);
    await assert.rejects(layerOf(before.run), /no longer kept/);
    await assert.rejects(engine.request('maskedAt', { run: before.run, positions: [1], topK: 5 }), /that run is no longer kept/);
  });

  it('refuses an empty selection with a message that says so', async () => {
    await assert.rejects(inspectText(engine, '', options), /the selection is empty/);
    await assert.rejects(inspectText(engine, ' \n\t ', options), /only whitespace/);
  });
});

describe('ModelRunner details', () => {
  it('masked-at-position equals an inspect of the text with that token replaced by [MASK], one or several at a time', async () => {
    const runner = await ModelRunner.load(bert, env);
    const text = 'Paris is a city in France.';
    const tokens = (await runner.inspect(text, { attention: false, topK: 5 })).tokens;
    const single = await runner.maskedAt(text, [3], 5);
    // One batch of three rows, masked at 2, 3 and 4, each ranked at all three.
    const batch = await runner.maskedAt(text, [2, 3, 4], 5);
    assert.deepEqual(
      tokens.slice(2, 5).map((t) => t.piece),
      ['is', 'a', 'city'],
    );
    for (const [i, words] of [
      ['Paris', '[MASK]', 'a', 'city'],
      ['Paris', 'is', '[MASK]', 'city'],
      ['Paris', 'is', 'a', '[MASK]'],
    ].entries()) {
      const reference = await runner.inspect(`${words.join(' ')} in France.`, { attention: false, topK: 5 });
      const [fill] = fillsOf(reference.predictions);
      const ids = fill.top.map((p) => p.id);
      assert.deepEqual(
        batch[i].top.map((p) => p.id),
        ids,
        `masked at ${2 + i}`,
      );
      batch[i].top.forEach((p, j) => assert.ok(Math.abs(p.probability - fill.top[j].probability) < 1e-5));
      if (i === 1)
        assert.deepEqual(
          single[0].top.map((p) => p.id),
          ids,
        );
    }
    await runner.dispose();
  });

  it(
    'projects only the mask tokens onto the vocabulary: ' + 'the fills are those of the unpatched graph, and a text without a mask runs',
    async () => {
      const runner = await ModelRunner.load(bert, env);
      assert.equal(runner.model.positionsInput, true, 'the tiny BERT graph takes the positions input');
      const text = '[MASK] went to the [MASK] store.';
      const result = await runner.inspect(text, { attention: true, topK: 5 });
      const fills = fillsOf(result.predictions);
      assert.deepEqual(
        fills.map((m) => m.position),
        [1, 5],
      );
      const plain = await ort.InferenceSession.create(path.join(fixtureModel('tiny-bert'), 'onnx', 'model.onnx'), sessionOptions('cpu'));
      const ids = result.tokens.map((t) => t.id);
      const { config } = runner.model;
      const plainFeeds = buildFeeds(inputSpecs(plain), ids, 1, ids.length, feedShape(config));
      const logits = (await plain.run(plainFeeds, ['logits'])).logits.data as Float32Array;
      await plain.release();
      const patchedFeeds = buildFeeds(runner.model.inputs, ids, 1, ids.length, feedShape(config));
      // The patch's own inputs as a plain run feeds them: every head as it is, no logit lens.
      addPatchFeeds(runner.model, patchedFeeds, [1, 5]);
      const patched = await runner.model.session.run(patchedFeeds, ['logits']);
      assert.deepEqual(patched.logits.dims, [1, 2, config.vocabSize], 'the patched graph computes logits at the two positions only');
      for (const mask of fills) {
        const row = Array.from(logits.subarray(mask.position * config.vocabSize, (mask.position + 1) * config.vocabSize));
        const lse = Math.log(row.reduce((sum, x) => sum + Math.exp(x), 0));
        const expected = row
          .map((x, id) => ({ id, p: Math.exp(x - lse) }))
          .sort((a, b) => b.p - a.p)
          .slice(0, 5);
        assert.deepEqual(
          mask.top.map((p) => p.id),
          expected.map((e) => e.id),
          `fills at ${mask.position}`,
        );
        mask.top.forEach((p, j) => assert.ok(Math.abs(p.probability - expected[j].p) < 1e-5, `${p.probability} vs ${expected[j].p}`));
      }
      // No mask token: onnxruntime is never handed an empty list of positions (its CPU kernels crash on one).
      const none = await runner.inspect('No mask in this one.', { attention: true, topK: 5 });
      assert.deepEqual(none.predictions, { task: 'fill-mask', ranked: [] });
      assert.equal((await runner.unmasked('No mask in this one.', 5)).length, none.tokens.length);
      await runner.dispose();
    },
  );

  it(
    'a masked LM whose projection cannot be cut ' + '(e.g. a quantized head) ranks every position, and keeps the unmasked top-k it got',
    async () => {
      const text = 'Paris is the [MASK] of France.';
      const cut = await ModelRunner.load(bert, env);
      const expected = await cut.inspect(text, { attention: false, topK: 5 });
      assert.equal(expected.unmasked, undefined, 'a cut projection ranks the mask only: unmasked() is a run of its own');
      const expectedUnmasked = await cut.unmasked(text, 5);
      await cut.dispose();
      // The same runner on a session patched without the positions input, as loadModel makes for such a head.
      const runner = await ModelRunner.load(bert, env);
      const onnxPath = path.join(fixtureModel('tiny-bert'), 'onnx', 'model.onnx');
      const skeleton = await readModelSkeleton(onnxPath);
      const graph = scanModel(skeleton);
      const plan = { ...planPatch(graph, [], false), projection: undefined };
      const session = await ort.InferenceSession.create(patchModel(skeleton, plan).bytes, sessionOptions('cpu', path.dirname(onnxPath)));
      await runner.model.session.release();
      Object.assign(runner.model, { session, positionsInput: false });
      let runs = 0;
      const run = session.run.bind(session);
      session.run = ((feeds: ort.InferenceSession.FeedsType, fetches: string[]) => (runs++, run(feeds, fetches))) as typeof session.run;
      const full = await runner.inspect(text, { attention: false, topK: 5 });
      assert.deepEqual(full.predictions, expected.predictions);
      assert.equal(runs, 1);
      // The inspect ranked every position already: its result carries them, for the caller's run store to keep.
      const unmasked = full.unmasked;
      assert.ok(unmasked);
      assert.equal(unmasked.length, full.tokens.length);
      unmasked.forEach((top, p) => {
        assert.deepEqual(
          top.map((x) => x.id),
          expectedUnmasked[p].map((x) => x.id),
          `position ${p}`,
        );
        top.forEach((x, j) => assert.ok(Math.abs(x.probability - expectedUnmasked[p][j].probability) < 1e-6));
      });
      await runner.dispose();
    },
  );

  it('the graph head and the full-logits fallback agree on top-k and on the actual next token probability', async () => {
    const runner = await ModelRunner.load(gpt2, env);
    // Lengths below, at and past the head's blocks of positions (graphPatch.ts computes log Σ exp in 8 blocks).
    const texts = ['a', 'the cat', 'def add(a, b):\n    return a + b', 'The cat sat on the mat because it was tired. '.repeat(4)];
    for (const text of texts) {
      (runner.model as { predictionHead: boolean }).predictionHead = true;
      const viaHead = await runner.inspect(text, { attention: false, topK: 5 });
      (runner.model as { predictionHead: boolean }).predictionHead = false;
      const viaLogits = await runner.inspect(text, { attention: false, topK: 5 });
      assert.deepEqual([viaHead.predictions.task, viaLogits.predictions.task], ['next-token', 'next-token']);
      const [headActual, logitsActual] = [viaHead.predictions.actual, viaLogits.predictions.actual];
      assert.ok(headActual && logitsActual && headActual.length === viaHead.tokens.length && logitsActual.length === headActual.length);
      assert.equal(headActual[0], null);
      headActual.forEach((p, i) => {
        const q = logitsActual[i];
        if (p === null || q === null) return assert.equal(p, q);
        assert.ok(Math.abs(p - q) < 1e-5, `actual probability at ${i} of ${viaHead.tokens.length}: ${p} vs ${q}`);
      });
      const rankedIds = (p: RunPredictions) => p.ranked.map((r) => [r.position, ...r.top.map((x) => x.id)]);
      assert.deepEqual(
        viaHead.predictions.ranked.map((r) => r.position),
        viaHead.tokens.map((t) => t.index),
        'every position is ranked',
      );
      assert.deepEqual(rankedIds(viaHead.predictions), rankedIds(viaLogits.predictions));
      viaHead.predictions.ranked.forEach((row, r) =>
        row.top.forEach((x, k) => {
          const q = viaLogits.predictions.ranked[r].top[k].probability;
          assert.ok(
            Math.abs(x.probability - q) < 1e-5,
            `top ${k} at ${row.position} of ${viaHead.tokens.length}: ${x.probability} vs ${q}`,
          );
        }),
      );
    }
    await runner.dispose();
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
    const maps = selfSet(result.attention);
    assert.deepEqual([maps.queries, maps.keys], [64, 64]);
  });

  it('a graph without Softmax still predicts and says why attention is unavailable', async () => {
    const runner = await ModelRunner.load({ ...bert, folder: fixtureModel('tiny-bert-nosoftmax') }, env);
    const result = await runner.inspect('Hello [MASK] world', { attention: true, topK: 3 });
    await runner.dispose();
    assert.equal(result.attention, undefined);
    assert.match((result.model.attention as { reason: string }).reason, /no Softmax/);
    assert.equal(fillsOf(result.predictions)[0].top.length, 3);
  });
});

describe('device fallback on a machine without a GPU', () => {
  it('asking for CUDA without its libraries runs on the CPU and says how to enable CUDA', async () => {
    const runner = await ModelRunner.load(
      { ...bert, device: 'cuda' },
      { platform: 'linux', cudaInstalled: false, tensorrtInstalled: false },
    );
    await runner.dispose();
    assert.equal(runner.model.device.provider, 'cpu');
    assert.equal(runner.model.device.label, 'CPU');
    assert.match(
      runner.model.device.fallbackReason ?? '',
      /CUDA provider libraries are not installed \(run "Attention Lens: Enable GPU \(CUDA\)"\)/,
    );
  });

  it("when onnxruntime cannot start CUDA the run still happens on the CPU, with onnxruntime's reason", async (t) => {
    if (detectProviderEnvironment().cudaInstalled) return t.skip('CUDA libraries are installed here');
    const runner = await ModelRunner.load(
      { ...bert, device: 'auto' },
      { platform: 'linux', cudaInstalled: true, tensorrtInstalled: false },
    );
    const result = await runner.inspect('still runs', { attention: false, topK: 1 });
    await runner.dispose();
    assert.equal(result.device.provider, 'cpu');
    assert.match(result.device.fallbackReason ?? '', /^CUDA failed to start: .+/);
  });
});
