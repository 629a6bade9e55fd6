// The query·key view's numbers against PyTorch: for every layer, head and query of the first reference text of
// tiny-bert, tiny-gpt2 and tiny-llama (rotary, grouped-query), the query and key vectors the scores product reads,
// the scores before the Softmax (−∞ exactly where PyTorch's mask removes a key) and the probabilities, which must be
// the map's row and softmax(scores). The golden is tools/lens_models/query_key_reference.py's query_key.json.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commonScale, dot, scoresSite, topKeys, type QueryKeyReading } from '../../src/core/analysis/queryKey';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import type { LayerRecipe } from '../../src/core/onnx/attentionRecompute';
import type { AttentionSource } from '../../src/core/types';
import { fixtureModel } from '../support/paths';
import { maxAbsDiff } from '../support/reference';
import { request } from './reliability/support';

interface Golden {
  text: string;
  input_ids: number[];
  causal: boolean;
  layers: { q: number[][][]; k: number[][][]; scores: (number | null)[][][] }[];
}

/** PyTorch against onnxruntime, float32: vectors and scores within 1e-4, probabilities against the maps within 1e-5. */
const VECTOR_TOLERANCE = 1e-4;
const MAP_TOLERANCE = 1e-5;

/** The scale each fixture's family applies after the product: 1/√d (BERT, GPT-2, Llama's head_dim ** −0.5). */
const HEAD_DIM: Record<string, number> = { 'tiny-bert': 8, 'tiny-gpt2': 8, 'tiny-llama': 16 };

for (const name of Object.keys(HEAD_DIM)) {
  describe(`query·key of ${name} against PyTorch`, () => {
    const golden = JSON.parse(readFileSync(path.join(fixtureModel(name), 'query_key.json'), 'utf8')) as Golden;
    let runner: ModelRunner;
    let source: AttentionSource;
    before(async () => {
      runner = await ModelRunner.load(request(name), detectProviderEnvironment());
      const result = await runner.inspect(golden.text, { attention: true, topK: 5 });
      assert.deepEqual(
        result.tokens.map((t) => t.id),
        golden.input_ids,
      );
      source = result.attention![0];
    });
    after(() => runner.dispose());

    it('q, k, the scores and the probabilities of every head and query match, and softmax(scores) is the map row', async () => {
      assert.ok(source.queryKey !== undefined, 'the set reads queries and keys');
      const n = golden.input_ids.length;
      let checked = 0;
      for (let l = 0; l < source.layers; l++) {
        const map = await source.layer(l);
        for (let h = 0; h < source.heads; h++) {
          for (let t = 0; t < n; t++) {
            const r: QueryKeyReading = await source.queryKey(l, h, t);
            const g = golden.layers[l];
            const where = `layer ${l} head ${h} query ${t}`;
            assert.equal(r.dim, HEAD_DIM[name], where);
            assert.equal(r.keys, n, where);
            assert.ok(maxAbsDiff(r.q, g.q[h][t]) <= VECTOR_TOLERANCE, `${where}: q differs by ${maxAbsDiff(r.q, g.q[h][t])}`);
            const k = g.k[h].flat();
            assert.ok(maxAbsDiff(r.k, k) <= VECTOR_TOLERANCE, `${where}: k differs by ${maxAbsDiff(r.k, k)}`);
            const expected = g.scores[h][t];
            r.scores.forEach((s, j) => {
              const e = expected[j];
              if (e === null) assert.equal(s, -Infinity, `${where} key ${j}: masked in PyTorch`);
              else assert.ok(Math.abs(s - e) <= VECTOR_TOLERANCE, `${where} key ${j}: score ${s}, PyTorch ${e}`);
            });
            const row = map.subarray((h * n + t) * n, (h * n + t + 1) * n);
            assert.ok(maxAbsDiff(r.probs, row) <= MAP_TOLERANCE, `${where}: probabilities are not the map's row`);
            const finite = Array.from(r.scores).filter(Number.isFinite);
            const top = Math.max(...finite);
            const total = finite.reduce((sum, s) => sum + Math.exp(s - top), 0);
            const softmax = Array.from(r.scores, (s) => (Number.isFinite(s) ? Math.exp(s - top) / total : 0));
            assert.ok(maxAbsDiff(softmax, row) <= MAP_TOLERANCE, `${where}: softmax(scores) is not the map's row`);
            // These families scale the product by 1/√d after it: the reading finds that factor.
            assert.ok(r.scale !== undefined && Math.abs(r.scale - 1 / Math.sqrt(r.dim)) < 1e-6, `${where}: scale ${r.scale}`);
            checked++;
          }
        }
      }
      assert.equal(checked, source.layers * source.heads * n);
    });

    it('a query head of a grouped-query model reads its group’s keys: heads of one group see the same keys', async () => {
      const [a, b] = [await source.queryKey!(0, 0, 3), await source.queryKey!(0, 1, 3)];
      const group = name === 'tiny-llama' ? 2 : 1;
      if (group > 1) assert.deepEqual(a.k, b.k, 'heads 0 and 1 share key/value head 0');
      else assert.notDeepEqual(a.k, b.k, 'each head has its own keys');
    });
  });
}

describe('query·key reading helpers', () => {
  it('commonScale finds one factor, and none where the scores are not a multiple of q·k', () => {
    const q = Float32Array.of(1, 2);
    const k = Float32Array.of(1, 0, 0, 1, 1, 1);
    const scaled = Float32Array.from([0, 1, 2], (j) => 0.5 * dot(q, k, j));
    assert.equal(commonScale(q, k, scaled), 0.5);
    scaled[2] = -Infinity;
    assert.equal(commonScale(q, k, scaled), 0.5, 'a masked key is left out');
    const capped = Float32Array.from([0, 1, 2], (j) => Math.tanh(dot(q, k, j) / 2) * 2);
    assert.equal(commonScale(q, k, capped), undefined);
  });

  it('topKeys orders by probability, ties by position', () => {
    assert.deepEqual(topKeys(Float32Array.of(0.1, 0.4, 0.1, 0.4), 3), [1, 3, 0]);
  });

  it('a fused GroupQueryAttention layer says why it has no queries and keys to read', () => {
    const fused: LayerRecipe = {
      nodes: [],
      kept: [],
      fed: [],
      initializers: [],
      output: 'attention_lens/probabilities',
      rowsSumToOne: true,
    };
    const site = scoresSite(fused);
    assert.ok('reason' in site && /GroupQueryAttention/.test(site.reason));
  });
});
