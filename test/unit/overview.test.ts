// The model view's thumbnails: every head's map downsampled by block maxima.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downsampleAttention, overviewSide } from '../../src/core/engine/overview';
import type { AttentionMaps } from '../../src/core/types';

/** Seeded maps whose rows sum to 1, like a Softmax's. */
function randomMaps(layers: number, heads: number, tokens: number, seed: number): AttentionMaps {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const perLayer = Array.from({ length: layers }, () => {
    const layer = new Float32Array(heads * tokens * tokens);
    for (let row = 0; row < heads * tokens; row++) {
      let sum = 0;
      for (let k = 0; k < tokens; k++) sum += layer[row * tokens + k] = next();
      for (let k = 0; k < tokens; k++) layer[row * tokens + k] /= sum;
    }
    return layer;
  });
  return { layers, heads, tokens, layout: 'square', rowBlock: 1, perLayer };
}

/** The definition, cell by cell: the largest weight of queries [r0, r1) × keys [c0, c1). */
function blockMax(maps: AttentionMaps, l: number, h: number, side: number, r: number, c: number): number {
  const n = maps.tokens;
  const [r0, r1, c0, c1] = [Math.floor((r * n) / side), Math.floor(((r + 1) * n) / side), Math.floor((c * n) / side), Math.floor(((c + 1) * n) / side)];
  let max = 0;
  for (let q = r0; q < r1; q++) for (let k = c0; k < c1; k++) max = Math.max(max, maps.perLayer[l][h * n * n + q * n + k]);
  return max;
}

test('each overview cell is the largest weight of its block of queries × keys, for sides that do not divide the tokens', () => {
  const maps = randomMaps(2, 3, 150, 7);
  const { side, data } = downsampleAttention(maps, 64);
  assert.equal(side, 64);
  assert.equal(data.length, 2 * 3 * 64 * 64);
  for (let l = 0; l < 2; l++) {
    for (let h = 0; h < 3; h++) {
      for (let r = 0; r < side; r++) {
        for (let c = 0; c < side; c++) {
          const got: number = data[((l * 3 + h) * side + r) * side + c];
          const want = blockMax(maps, l, h, side, r, c);
          assert.equal(got, want, `layer ${l} head ${h} cell ${r},${c}: ${got} vs ${want}`);
        }
      }
    }
  }
});

test('maps no larger than the side come through unchanged', () => {
  const small = randomMaps(1, 2, 20, 3);
  const { side, data } = downsampleAttention(small, 64);
  assert.equal(side, 20);
  assert.deepEqual(Array.from(data), Array.from(small.perLayer[0]));
});

test('a diagonal and a column of attention to the first token keep their full weight at 512 tokens (a block mean would dim them 8×)', () => {
  const n = 512;
  const layer = new Float32Array(2 * n * n);
  // Head 0 attends to itself, head 1 half to the first token and half to itself.
  for (let q = 0; q < n; q++) {
    layer[q * n + q] = 1;
    layer[n * n + q * n] += 0.5;
    layer[n * n + q * n + q] += 0.5;
  }
  const maps: AttentionMaps = { layers: 1, heads: 2, tokens: n, layout: 'square', rowBlock: 1, perLayer: [layer] };
  const { side, data } = downsampleAttention(maps, 64);
  for (let r = 0; r < side; r++) {
    assert.equal(data[r * side + r], 1, `head 0, diagonal cell ${r}`);
    assert.equal(data[side * side + r * side], r === 0 ? 1 : 0.5, `head 1, first-token column, row ${r}`);
    if (r > 0) assert.equal(data[r * side], 0, `head 0 puts nothing on the first token (row ${r})`);
  }
});

test('the overview side gives fewer heads finer thumbnails within the floats BERT-base sends, never more than the tokens', () => {
  assert.equal(overviewSide(12, 12, 512), 64);
  assert.equal(overviewSide(4, 4, 512), 192);
  assert.equal(overviewSide(1, 1, 1024), 256);
  assert.equal(overviewSide(24, 16, 512), 64, 'never coarser than 64');
  assert.equal(overviewSide(4, 4, 40), 40);
  const maps = randomMaps(4, 4, 300, 5);
  assert.equal(downsampleAttention(maps).side, 192, 'the default side is the model\'s');
});
