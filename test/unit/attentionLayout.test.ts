// Reading computed maps for the exports (nestedLayer) and the check that a computed layer is attention (checkRowSums).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkExportFits, checkRowSums, MAX_EXPORTED_WEIGHTS, nestedLayer, ROW_SUM_TOLERANCE } from '../../src/core/engine/attentionLayout';
import type { AttentionMaps } from '../../src/core/types';
import { LensError } from '../../src/core/types';

/** Seeded causal maps: rows over keys 0..q sum to 1, zeros above the diagonal. */
function causalMaps(layers: number, heads: number, n: number, seed: number): AttentionMaps {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 + 1e-3;
  const perLayer = Array.from({ length: layers }, () => {
    const layer = new Float32Array(heads * n * n);
    for (let h = 0; h < heads; h++) {
      for (let q = 0; q < n; q++) {
        const row = Array.from({ length: q + 1 }, next);
        const sum = row.reduce((a, b) => a + b, 0);
        row.forEach((w, k) => (layer[(h * n + q) * n + k] = w / sum));
      }
    }
    return layer;
  });
  return { set: 'self', layers, heads, queries: n, keys: n, causal: true, perLayer };
}

test('a nested layer is [head][query][key] of every key, rounded to 6 decimals', () => {
  const maps = causalMaps(2, 3, 11, 7);
  const nested = nestedLayer(maps, 1);
  assert.deepEqual([nested.length, nested[2].length, nested[2][3].length], [3, 11, 11]);
  assert.equal(nested[2][3][4], 0, 'above the diagonal');
  assert.equal(nested[2][3][1], Math.round(maps.perLayer[1][(2 * 11 + 3) * 11 + 1] * 1e6) / 1e6);
});

test('computed layers whose rows sum to 1 pass; a row that does not is refused, naming layer, head and token', () => {
  const maps = causalMaps(2, 2, 30, 9);
  const shape = { heads: 2, queries: 30, keys: 30 };
  assert.doesNotThrow(() => checkRowSums(maps.perLayer[1], shape, 1));
  // Row 29 of head 1 keeps 60 % of its weight (a Softmax over something other than the keys).
  for (let k = 0; k < 30; k++) maps.perLayer[1][(1 * 30 + 29) * 30 + k] *= 0.6;
  assert.throws(
    () => checkRowSums(maps.perLayer[1], shape, 1),
    (error: unknown) =>
      error instanceof LensError &&
      error.code === 'model-unsupported' &&
      /layer 1, head 1: the weights of token 29 sum to 0\.6/.test(error.message),
  );
});

test('float16 maps may sum to 1 within 1e-3, float32 ones within 1e-4', () => {
  const maps = causalMaps(1, 1, 4, 3);
  const shape = { heads: 1, queries: 4, keys: 4 };
  maps.perLayer[0][0] += 5e-4;
  assert.throws(() => checkRowSums(maps.perLayer[0], shape, 0));
  assert.doesNotThrow(() => checkRowSums(maps.perLayer[0], shape, 0, ROW_SUM_TOLERANCE.float16));
});

test('a JSON export of more weights than it holds is refused up front, saying how many and what to do instead', () => {
  const set = (queries: number) => ({ set: 'self', layers: 24, heads: 14, queries, keys: queries, causal: true });
  assert.doesNotThrow(() => checkExportFits([set(300)]), '30 million weights');
  assert.ok(24 * 14 * 2048 ** 2 > MAX_EXPORTED_WEIGHTS);
  assert.throws(
    () => checkExportFits([set(2048)]),
    (e: unknown) =>
      e instanceof LensError &&
      e.code === 'input-too-large' &&
      /1409 million attention weights.*export the view as PNG or SVG/.test(e.message),
  );
});
