// A causal model's maps held as lower triangles: read back full, downsampled, and checked for causality.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCausalRows, fullLayer, layerLength, nestedLayer } from '../../src/core/engine/attentionLayout';
import { downsampleAttention } from '../../src/core/engine/overview';
import type { AttentionMaps } from '../../src/core/types';
import { LensError } from '../../src/core/types';

/**
 * Seeded causal maps (rows over keys 0..q sum to 1), full, and the same maps as a lower triangle in blocks of
 * `rowBlock` rows, laid out here block by block (each block's rows over keys 0..end of the block, zeros past q),
 * independently of lowerTriangleRow.
 */
function causalMaps(
  layers: number,
  heads: number,
  n: number,
  seed: number,
  rowBlock = 1,
): { square: AttentionMaps; triangle: AttentionMaps } {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 + 1e-3;
  const square: Float32Array[] = [];
  const triangle: Float32Array[] = [];
  for (let l = 0; l < layers; l++) {
    const s = new Float32Array(heads * n * n);
    for (let h = 0; h < heads; h++) {
      for (let q = 0; q < n; q++) {
        const row = Array.from({ length: q + 1 }, next);
        const sum = row.reduce((a, b) => a + b, 0);
        row.forEach((w, k) => (s[(h * n + q) * n + k] = w / sum));
      }
    }
    const t: number[] = [];
    for (let h = 0; h < heads; h++) {
      for (let first = 0; first < n; first += rowBlock) {
        const width = Math.min(first + rowBlock, n);
        for (let q = first; q < width; q++) for (let k = 0; k < width; k++) t.push(s[(h * n + q) * n + k]);
      }
    }
    assert.equal(t.length, layerLength({ layout: 'lowerTriangle', queries: n, keys: n, rowBlock }, heads));
    square.push(s);
    triangle.push(Float32Array.from(t));
  }
  const shape = { set: 'self', layers, heads, queries: n, keys: n, causal: true };
  return {
    square: { ...shape, layout: 'full', rowBlock: 1, perLayer: square },
    triangle: { ...shape, layout: 'lowerTriangle', rowBlock, perLayer: triangle },
  };
}

test('a lower triangle holds n(n+1)/2 weights per head and reads back as the full map, zeros above the diagonal', () => {
  const { square, triangle } = causalMaps(2, 3, 17, 5);
  assert.equal(triangle.perLayer[0].length, (3 * 17 * 18) / 2);
  for (let l = 0; l < 2; l++) assert.deepEqual(fullLayer(triangle, l), square.perLayer[l]);
  const copy = fullLayer(square, 1);
  assert.deepEqual(copy, square.perLayer[1]);
  assert.notEqual(copy.buffer, square.perLayer[1].buffer, 'a full layer is copied, never shared');
});

test('a lower triangle in blocks of rows reads back as the full map, whole blocks or a partial last one', () => {
  for (const [n, rowBlock] of [
    [17, 4],
    [16, 4],
    [17, 5],
    [3, 16],
    [40, 1],
    [33, 32],
  ]) {
    const { square, triangle } = causalMaps(2, 3, n, n + rowBlock, rowBlock);
    for (let l = 0; l < 2; l++) assert.deepEqual(fullLayer(triangle, l), square.perLayer[l], `${n} tokens in blocks of ${rowBlock}`);
    for (let l = 0; l < 2; l++) assert.deepEqual(nestedLayer(triangle, l), nestedLayer(square, l));
    assert.doesNotThrow(() => checkCausalRows(triangle));
  }
  // 17 tokens in blocks of 4: four blocks of 4 rows (4, 8, 12 and 16 keys wide) and one row of 17.
  assert.equal(layerLength({ layout: 'lowerTriangle', queries: 17, keys: 17, rowBlock: 4 }, 1), 4 * (4 + 8 + 12 + 16) + 17);
  // 3 tokens in a block of 16: the whole square.
  assert.equal(layerLength({ layout: 'lowerTriangle', queries: 3, keys: 3, rowBlock: 16 }, 2), 2 * 9);
});

test('the JSON nesting of a lower triangle is that of the full map: every key, zeros above the diagonal', () => {
  const { square, triangle } = causalMaps(2, 3, 11, 4);
  for (let l = 0; l < 2; l++) assert.deepEqual(nestedLayer(triangle, l), nestedLayer(square, l));
  assert.equal(nestedLayer(triangle, 1)[2][3].length, 11);
  assert.equal(nestedLayer(triangle, 1)[2][3][4], 0);
});

test('the overview of lower triangles equals the overview of the same maps held full', () => {
  for (const [n, rowBlock] of [
    [17, 1],
    [64, 1],
    [150, 1],
    [150, 32],
  ]) {
    const { square, triangle } = causalMaps(2, 2, n, n, rowBlock);
    const a = downsampleAttention(square, 64);
    const b = downsampleAttention(triangle, 64);
    assert.deepEqual([b.rows, b.cols], [a.rows, a.cols]);
    let worst = 0;
    for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
    assert.ok(worst < 1e-6, `${n} tokens: cells differ by ${worst}`);
  }
});

test('maps whose rows put weight above the diagonal are refused as not causal, naming layer, head and token', () => {
  const { triangle } = causalMaps(2, 2, 30, 9, 8);
  assert.doesNotThrow(() => checkCausalRows(triangle));
  // Row 29 of layer 1, head 1 keeps only 60 % of its weight: the rest would have been above the diagonal.
  // In blocks of 8 rows, head 1 starts after head 0's 8·(8+16+24) + 6·30 weights; row 29 is the last of the partial block.
  const row = 8 * (8 + 16 + 24) + 6 * 30 + 8 * (8 + 16 + 24) + 5 * 30;
  for (let k = 0; k < 30; k++) triangle.perLayer[1][row + k] *= 0.6;
  assert.throws(
    () => checkCausalRows(triangle),
    (error: unknown) =>
      error instanceof LensError &&
      error.code === 'model-unsupported' &&
      /layer 1, head 1: token 29 puts 40\.00 % of its attention on later tokens/.test(error.message),
  );
});
