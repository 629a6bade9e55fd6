// Attention rollout (src/core/analysis/rollout.ts): the onnxruntime chain against a direct float64 computation from
// the same maps, on synthetic maps and on the maps the engine returns for masked, causal, grouped-query and
// encoder–decoder test models; rows sum to 1; a causal set's R is lower-triangular; cross-attention has none.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RolloutChain } from '../../src/core/analysis/rollout';
import { onnxRollout, type RolloutRun } from '../../src/core/analysis/rolloutGraph';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import type { AttentionMaps } from '../../src/core/types';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { heldSource } from '../../src/core/engine/layerMaps';
import { assertRolloutMatches, naiveRollout } from '../support/rolloutReference';
import { rejectsWith, request, workerPath } from './reliability/support';

/** float32 maps, float32 products: 1e-5 is the project's attention tolerance, and the chain stays far inside it. */
const TOLERANCE = 1e-5;

/** Random row-stochastic maps, causal when asked (seeded: the test is the same each time). */
function randomMaps(layers: number, heads: number, tokens: number, causal: boolean, seed = 7): AttentionMaps {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const perLayer = Array.from({ length: layers }, () => {
    const data = new Float32Array(heads * tokens * tokens);
    for (let row = 0; row < heads * tokens; row++) {
      const q = row % tokens;
      const seen = causal ? q + 1 : tokens;
      let sum = 0;
      for (let k = 0; k < seen; k++) sum += data[row * tokens + k] = random() ** 3;
      for (let k = 0; k < seen; k++) data[row * tokens + k] /= sum;
    }
    return data;
  });
  return { set: 'self', layers, heads, queries: tokens, keys: tokens, causal, perLayer };
}

describe('attention rollout on given maps', () => {
  it('matches the direct float64 computation, layer by layer and asked out of order', async () => {
    const maps = randomMaps(5, 3, 17, false);
    const chain = new RolloutChain(heldSource(maps));
    const last = await chain.layer(4);
    const all = await chain.all();
    assert.equal(all[4], last, 'R of the last layer is computed once');
    assertRolloutMatches(all, naiveRollout(maps.perLayer, 3, 17), 17, TOLERANCE, 'random');
  });

  it('a causal set gives lower-triangular R (exact zeros above the diagonal)', async () => {
    const maps = randomMaps(4, 2, 9, true);
    const all = await new RolloutChain(heldSource(maps)).all();
    assertRolloutMatches(all, naiveRollout(maps.perLayer, 2, 9), 9, TOLERANCE, 'causal');
    for (const r of all) for (let q = 0; q < 9; q++) for (let k = q + 1; k < 9; k++) assert.equal(r[q * 9 + k], 0, `(${q}, ${k})`);
  });

  it('rolls every layer up to the one asked out in one run, and goes on from the newest R kept', async () => {
    const maps = randomMaps(5, 2, 7, false);
    const runs: number[] = [];
    const counted: RolloutRun = (attention, ...rest) => (runs.push(attention.length), onnxRollout(attention, ...rest));
    const chain = new RolloutChain(heldSource(maps), counted);
    const expected = naiveRollout(maps.perLayer, 2, 7);
    assertRolloutMatches([await chain.layer(2)], [expected[2]], 7, TOLERANCE, 'third');
    assertRolloutMatches([await chain.layer(0), await chain.layer(1)], expected.slice(0, 2), 7, TOLERANCE, 'kept on the way');
    assertRolloutMatches(await chain.all(), expected, 7, TOLERANCE, 'all');
    assert.deepEqual(runs, [3, 2], 'layers 0–2 in one run; 3–4 in one more, from R of layer 2');
  });

  it('keeping only the newest R (long inputs) gives the same rollout, recomputing from the first layer going back', async () => {
    const maps = randomMaps(4, 2, 6, false);
    const runs: number[] = [];
    const counted: RolloutRun = (attention, ...rest) => (runs.push(attention.length), onnxRollout(attention, ...rest));
    const chain = new RolloutChain(heldSource(maps), counted, 0);
    const expected = naiveRollout(maps.perLayer, 2, 6);
    assertRolloutMatches([await chain.layer(3)], [expected[3]], 6, TOLERANCE, 'last');
    assertRolloutMatches([await chain.layer(1)], [expected[1]], 6, TOLERANCE, 'going back');
    assert.deepEqual(runs, [4, 2], 'four layers to the last one, two again to the second');
  });

  it('feeds a run only as many layers as its byte budget holds', async () => {
    const maps = randomMaps(5, 2, 4, false);
    const runs: number[] = [];
    const counted: RolloutRun = (attention, ...rest) => (runs.push(attention.length), onnxRollout(attention, ...rest));
    const layerBytes = 2 * 4 * 4 * Float32Array.BYTES_PER_ELEMENT;
    const all = await new RolloutChain(heldSource(maps), counted, undefined, 2 * layerBytes).all();
    assertRolloutMatches(all, naiveRollout(maps.perLayer, 2, 4), 4, TOLERANCE, 'in pairs');
    assert.deepEqual(runs, [2, 2, 1]);
  });

  it('refuses a layer the set does not have, and a set whose queries are not its keys', async () => {
    const chain = new RolloutChain(heldSource(randomMaps(2, 1, 3, false)));
    await rejectsWith(chain.layer(2), 'model-unsupported', /layer 2 does not exist: the set has 2 layers/);
    const cross = { ...heldSource(randomMaps(1, 1, 3, false)), set: 'cross', keys: 4 };
    assert.throws(() => new RolloutChain(cross), /rollout needs self-attention; the set "cross" maps 3 queries to 4 keys/);
  });
});

const env = detectProviderEnvironment();

/** The rollout the worker computes for every layer of `set`, and the direct one from the maps it returns. */
async function rolloutOfRun(engine: InferenceEngine, run: number, maps: AttentionMaps): Promise<void> {
  const chained: Float32Array[] = [];
  for (let layer = 0; layer < maps.layers; layer++) chained.push(await engine.request('rollout', { run, set: maps.set, layer }));
  assertRolloutMatches(chained, naiveRollout(maps.perLayer, maps.heads, maps.queries), maps.queries, TOLERANCE, maps.set);
  if (!maps.causal) return;
  for (const r of chained) {
    for (let q = 0; q < maps.queries; q++) {
      for (let k = q + 1; k < maps.keys; k++) assert.equal(r[q * maps.keys + k], 0, `${maps.set}: R is lower-triangular (${q}, ${k})`);
    }
  }
}

describe('attention rollout of a run, through the worker', () => {
  const cases: { model: string; text: string; target?: string; sets: string[]; causal: boolean[] }[] = [
    { model: 'tiny-bert', text: 'The capital of France is [MASK].', sets: ['self'], causal: [false] },
    { model: 'tiny-gpt2', text: 'import numpy as np\nx = np.zeros(3)', sets: ['self'], causal: [true] },
    { model: 'tiny-llama-gqa', text: 'Grouped query heads share keys and values.', sets: ['self'], causal: [true] },
    {
      model: 'tiny-t5',
      text: 'translate English to German: the cat sat',
      target: 'die Katze',
      sets: ['encoder', 'decoder'],
      causal: [false, true],
    },
  ];
  for (const c of cases) {
    it(`${c.model}: every layer of ${c.sets.join(' and ')} matches the direct rollout of the run's maps`, async () => {
      const engine = new InferenceEngine({ workerPath, environment: env });
      try {
        await engine.load(request(c.model));
        const run = engine.nextRunId();
        const options = { attention: true, topK: 3, ...(c.target ? { target: c.target } : {}) };
        await engine.request('inspect', { run, text: c.text, options });
        const maps = await engine.request('maps', { run });
        for (const [i, set] of c.sets.entries()) {
          const of = maps.find((m) => m.set === set);
          assert.ok(of, `the run has the set ${set}`);
          assert.equal(of.causal, c.causal[i], `${set} causal`);
          assert.ok(of.queries > 3, 'a few tokens at least');
          await rolloutOfRun(engine, run, of);
        }
        if (maps.some((m) => m.set === 'cross')) {
          await rejectsWith(
            engine.request('rollout', { run, set: 'cross', layer: 0 }),
            'model-unsupported',
            /rollout is defined for self-attention/,
          );
        }
      } finally {
        await engine.dispose();
      }
    });
  }
});
