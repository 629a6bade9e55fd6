// The model view's thumbnails: every head's map downsampled by block maxima.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downsampleAttention, overviewSide } from '../../src/core/engine/overview';
import type { AttentionMaps } from '../../src/core/types';

/** Seeded full maps of `queries` × `keys` whose rows sum to 1, like a Softmax's. */
function randomMaps(layers: number, heads: number, queries: number, seed: number, keys = queries): AttentionMaps {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const perLayer = Array.from({ length: layers }, () => {
    const layer = new Float32Array(heads * queries * keys);
    for (let row = 0; row < heads * queries; row++) {
      let sum = 0;
      for (let k = 0; k < keys; k++) sum += layer[row * keys + k] = next();
      for (let k = 0; k < keys; k++) layer[row * keys + k] /= sum;
    }
    return layer;
  });
  return { set: 'self', layers, heads, queries, keys, causal: false, perLayer };
}

/** The definition, cell by cell: the largest weight of queries [q0, q1) × keys [k0, k1). */
function blockMax(maps: AttentionMaps, l: number, h: number, rows: number, cols: number, r: number, c: number): number {
  const { queries: n, keys: m } = maps;
  const [q0, q1] = [Math.floor((r * n) / rows), Math.floor(((r + 1) * n) / rows)];
  const [k0, k1] = [Math.floor((c * m) / cols), Math.floor(((c + 1) * m) / cols)];
  let max = 0;
  for (let q = q0; q < q1; q++) for (let k = k0; k < k1; k++) max = Math.max(max, maps.perLayer[l][(h * n + q) * m + k]);
  return max;
}

/** Every cell of an overview against blockMax. */
function checkCells(maps: AttentionMaps, side: number, expected: [rows: number, cols: number]): void {
  const { rows, cols, data } = downsampleAttention(maps, side);
  assert.deepEqual([rows, cols], expected);
  assert.equal(data.length, maps.layers * maps.heads * rows * cols);
  for (let l = 0; l < maps.layers; l++) {
    for (let h = 0; h < maps.heads; h++) {
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const got: number = data[((l * maps.heads + h) * rows + r) * cols + c];
          const want = blockMax(maps, l, h, rows, cols, r, c);
          assert.equal(got, want, `layer ${l} head ${h} cell ${r},${c}: ${got} vs ${want}`);
        }
      }
    }
  }
}

test('each overview cell is the largest weight of its block of queries × keys, for sides that do not divide the tokens', () => {
  checkCells(randomMaps(2, 3, 150, 7), 64, [64, 64]);
});

test('maps of more queries than keys (or fewer) are cut along each axis on its own: 150 × 40 and 30 × 100 at side 64', () => {
  checkCells(randomMaps(2, 2, 150, 11, 40), 64, [64, 40]);
  checkCells(randomMaps(1, 3, 30, 12, 100), 64, [30, 64]);
});

test('maps no larger than the side come through unchanged', () => {
  const small = randomMaps(1, 2, 20, 3);
  const { rows, cols, data } = downsampleAttention(small, 64);
  assert.deepEqual([rows, cols], [20, 20]);
  assert.deepEqual(Array.from(data), Array.from(small.perLayer[0]));
});

test(
  'a diagonal and a column of attention to the first token keep their full weight at 512 tokens ' + '(a block mean would dim them 8×)',
  () => {
    const n = 512;
    const layer = new Float32Array(2 * n * n);
    // Head 0 attends to itself, head 1 half to the first token and half to itself.
    for (let q = 0; q < n; q++) {
      layer[q * n + q] = 1;
      layer[n * n + q * n] += 0.5;
      layer[n * n + q * n + q] += 0.5;
    }
    const maps: AttentionMaps = { ...randomMaps(1, 2, 1, 1), queries: n, keys: n, perLayer: [layer] };
    const { rows: side, cols, data } = downsampleAttention(maps, 64);
    assert.equal(cols, side);
    for (let r = 0; r < side; r++) {
      assert.equal(data[r * side + r], 1, `head 0, diagonal cell ${r}`);
      assert.equal(data[side * side + r * side], r === 0 ? 1 : 0.5, `head 1, first-token column, row ${r}`);
      if (r > 0) assert.equal(data[r * side], 0, `head 0 puts nothing on the first token (row ${r})`);
    }
  },
);

test('the overview side gives fewer heads finer thumbnails within the floats BERT-base sends, never more than the tokens', () => {
  assert.equal(overviewSide(12, 12), 64);
  assert.equal(overviewSide(4, 4), 192);
  assert.equal(overviewSide(1, 1), 256);
  assert.equal(overviewSide(24, 16), 64, 'never coarser than 64');
  const short = downsampleAttention(randomMaps(4, 4, 40, 2));
  assert.deepEqual([short.rows, short.cols], [40, 40], "the overview is capped by the map's queries and keys");
  const maps = randomMaps(4, 4, 300, 5);
  const overview = downsampleAttention(maps);
  assert.deepEqual([overview.rows, overview.cols], [192, 192], "the default side is the model's");
});
