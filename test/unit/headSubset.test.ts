// A layer's maps for some of its heads (what a view showing one head asks for) and the model view's overview computed
// a group of heads at a time: both must be exactly what the whole layer gives, on the tiny models of every family
// and export style. Where the cut model computes per head (optimum's layout: queries and keys [1, heads, …]) only the
// named heads are computed; a fused GroupQueryAttention layer computes its whole layer and the heads are picked.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { allLayers, inHeadGroups, meanInHeadGroups } from '../../src/core/engine/layerMaps';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { headGroups } from '../../src/core/engine/headSlice';
import { downsampleAttention, overviewOf } from '../../src/core/engine/overview';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import type { AttentionSource } from '../../src/core/types';
import { meanOfLayer } from '../../src/protocol';
import { fixtureModel } from '../support/paths';
import { maxAbsDiff } from '../support/reference';
import { request } from './reliability/support';

/** Fixture → whether its cut models compute heads alone (optimum's layout) or whole layers (fused). */
const MODELS: Record<string, boolean> = {
  'tiny-gpt2': true,
  'tiny-bert': true,
  'tiny-llama': true,
  'tiny-qwen3': true,
  'tiny-gemma2': true,
  'tiny-gemma3': true,
  'tiny-llama-gqa': false,
  'tiny-qwen3-gqa': false,
  'tiny-gemma2-gqa': false,
};

const firstText = (name: string) =>
  (JSON.parse(readFileSync(path.join(fixtureModel(name), 'reference.json'), 'utf8')) as { cases: { text: string }[] }).cases[0].text;

/** `heads` of a whole layer, in that order. */
function headsOf(whole: Float32Array, count: number, heads: number[]): Float32Array {
  const per = whole.length / count;
  return Float32Array.from(heads.flatMap((h) => Array.from(whole.subarray(h * per, (h + 1) * per))));
}

for (const [name, alone] of Object.entries(MODELS)) {
  describe(name, () => {
    let runner: ModelRunner;
    let source: AttentionSource;
    before(async () => {
      runner = await ModelRunner.load(request(name), detectProviderEnvironment());
      const result = await runner.inspect(firstText(name), { attention: true, topK: 5 });
      assert.ok(result.attention, 'the run carries attention');
      source = result.attention[0];
      assert.ok(source.heads >= 2 && source.queries >= 8, `${source.heads} heads, ${source.queries} tokens`);
    });
    after(() => runner.dispose());

    it('some heads of a layer are exactly those heads of the whole layer, in the order asked', async () => {
      const last = source.heads - 1;
      for (let l = 0; l < source.layers; l++) {
        const whole = await source.layer(l);
        for (const heads of [[0], [last], [1, 2].filter((h) => h <= last), [last, 0]]) {
          const some = await source.layer(l, heads);
          assert.equal(some.length, heads.length * source.queries * source.keys);
          assert.deepEqual(some, headsOf(whole, source.heads, heads), `layer ${l}, heads ${heads.join(', ')}`);
        }
      }
      assert.equal(runner.model.layerMaps!.computesHeadsAlone(0), alone, alone ? 'heads are computed alone' : 'whole layers, heads picked');
    });

    it("the mean over heads is the mean of the whole layer's heads within 1e-6, summed by the cut model, row sums 1", async () => {
      const maps = runner.model.layerMaps!;
      const headSum = maps.headSum.bind(maps);
      let sums = 0;
      maps.headSum = (...args) => headSum(...args).then((sum) => ((sums += sum ? 1 : 0), sum));
      for (let l = 0; l < source.layers; l++) {
        const mean = await source.meanOfHeads(l);
        const expected = meanOfLayer(await source.layer(l), source.heads);
        assert.ok(maxAbsDiff(mean, expected) <= 1e-6, `layer ${l}: ${maxAbsDiff(mean, expected)}`);
        for (const q of [0, source.queries - 1]) {
          const sum = mean.subarray(q * source.keys, (q + 1) * source.keys).reduce((a, b) => a + b, 0);
          assert.ok(Math.abs(sum - 1) < 1e-5, `layer ${l}, row ${q} sums to ${sum}`);
        }
      }
      maps.headSum = headSum;
      assert.equal(sums, source.layers, 'one sum a layer, by the cut model');
    });

    it('the overview a head at a time equals that of the whole maps, in one run a layer where layers are computed whole', async () => {
      const whole = downsampleAttention(await allLayers(source), 8);
      const maps = runner.model.layerMaps!;
      const compute = maps.compute.bind(maps);
      let runs = 0;
      maps.compute = (...args) => ((runs += 1), compute(...args));
      const perHead = await overviewOf(source, 8, 1).finally(() => (maps.compute = compute));
      assert.deepEqual(perHead, whole);
      assert.equal(runs, alone ? source.layers * source.heads : source.layers, 'runs of the cut models');
      assert.deepEqual(await overviewOf(source, 8), whole, 'one group per layer');
    });
  });
}

describe('the mean over heads of a float16 export', () => {
  it("is summed from the heads' maps where the cut model's probabilities are float16: the mean of the whole layer", async () => {
    const folder = fixtureModel('tiny-llama-variants');
    const runner = await ModelRunner.load(
      { ...request('tiny-llama-variants', folder), onnxFile: 'onnx/model_fp16.onnx' },
      detectProviderEnvironment(),
    );
    try {
      const [source] = (await runner.inspect(firstText('tiny-llama'), { attention: true, topK: 5 })).attention!;
      for (let l = 0; l < source.layers; l++) {
        assert.deepEqual(await source.meanOfHeads(l), meanOfLayer(await source.layer(l), source.heads), `layer ${l}`);
      }
    } finally {
      await runner.dispose();
    }
  });
});

describe('a long layer in groups of heads', () => {
  const perHead = 3;
  /** Head h's maps are perHead copies of h; `whole` counts the runs that were not given some heads alone. */
  const fake = (aloneAfter: number) => {
    const runs: number[][] = [];
    return {
      runs,
      alone: () => runs.length < aloneAfter,
      compute: async (heads: number[]) => {
        runs.push(heads);
        return Float32Array.from(heads.flatMap((h) => new Array<number>(perHead).fill(h)));
      },
    };
  };

  it('groups of the heads asked for, in order, one run each, copied into one array', async () => {
    assert.deepEqual(headGroups([0, 1, 2, 3, 4], 1024, 1024, 2 * 1024 * 1024 * 4), [[0, 1], [2, 3], [4]]);
    const f = fake(Infinity);
    const data = await inHeadGroups([[0, 1], [2, 3], [4]], perHead, f.alone, f.compute);
    assert.deepEqual(f.runs, [[0, 1], [2, 3], [4]]);
    assert.deepEqual(Array.from(data), [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
  });

  it('the mean over heads in groups adds each group as it comes and scales once: the same floats as from the whole layer', async () => {
    const f = fake(Infinity);
    const mean = await meanInHeadGroups([[0, 1], [2, 3], [4]], perHead, f.alone, f.compute);
    assert.deepEqual(f.runs, [[0, 1], [2, 3], [4]]);
    const whole = Float32Array.from([0, 1, 2, 3, 4].flatMap((h) => new Array<number>(perHead).fill(h)));
    assert.deepEqual(mean, meanOfLayer(whole, 5));
    assert.deepEqual(Array.from(mean), [2, 2, 2]);
    const whenWhole = fake(1);
    assert.deepEqual(await meanInHeadGroups([[0, 1], [2, 3], [4]], perHead, whenWhole.alone, whenWhole.compute), mean);
    assert.deepEqual(
      whenWhole.runs,
      [
        [0, 1],
        [2, 3, 4],
      ],
      'after the first group, the rest in one run',
    );
  });

  it('a cut model that needs whole layers computes the remaining heads in one run', async () => {
    const f = fake(1);
    const data = await inHeadGroups([[5], [1], [3]], perHead, f.alone, f.compute);
    assert.deepEqual(f.runs, [[5], [1, 3]]);
    assert.deepEqual(Array.from(data), [5, 5, 5, 1, 1, 1, 3, 3, 3]);
  });
});
