// The model view's thumbnails: every head's map downsampled by block averages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downsampleAttention } from '../../src/core/engine/overview';
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

/** The definition, cell by cell: the mean of the weights of queries [r0, r1) × keys [c0, c1). */
function blockMean(maps: AttentionMaps, l: number, h: number, side: number, r: number, c: number): number {
  const n = maps.tokens;
  const [r0, r1, c0, c1] = [Math.floor((r * n) / side), Math.floor(((r + 1) * n) / side), Math.floor((c * n) / side), Math.floor(((c + 1) * n) / side)];
  let sum = 0;
  for (let q = r0; q < r1; q++) for (let k = c0; k < c1; k++) sum += maps.perLayer[l][h * n * n + q * n + k];
  return sum / ((r1 - r0) * (c1 - c0));
}

test('each overview cell is the mean of its block of queries × keys, for sides that do not divide the tokens', () => {
  const maps = randomMaps(2, 3, 150, 7);
  const { side, data } = downsampleAttention(maps, 64);
  assert.equal(side, 64);
  assert.equal(data.length, 2 * 3 * 64 * 64);
  for (let l = 0; l < 2; l++) {
    for (let h = 0; h < 3; h++) {
      for (let r = 0; r < side; r++) {
        for (let c = 0; c < side; c++) {
          const got = data[((l * 3 + h) * side + r) * side + c];
          const want = blockMean(maps, l, h, side, r, c);
          assert.ok(Math.abs(got - want) < 1e-6, `layer ${l} head ${h} cell ${r},${c}: ${got} vs ${want}`);
        }
      }
    }
  }
});

test('maps no larger than the side come through unchanged; a row of cells, weighted by key count, still sums to 1', () => {
  const small = randomMaps(1, 2, 20, 3);
  const { side, data } = downsampleAttention(small, 64);
  assert.equal(side, 20);
  assert.deepEqual(Array.from(data), Array.from(small.perLayer[0]));
  // A block mean × the block's key count sums over a row of cells to the rows' mean sum: 1.
  const big = randomMaps(1, 1, 100, 11);
  const o = downsampleAttention(big, 32);
  for (let r = 0; r < o.side; r++) {
    let sum = 0;
    for (let c = 0; c < o.side; c++) sum += o.data[r * o.side + c] * (Math.floor(((c + 1) * 100) / 32) - Math.floor((c * 100) / 32));
    assert.ok(Math.abs(sum - 1) < 1e-5, `row ${r} sums to ${sum}`);
  }
});
