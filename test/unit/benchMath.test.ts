// The benchmark's pure parts (tools/bench): statistics, the FLOP formula against a count of every matrix
// product written out, the Markdown marker splice, option parsing, and the MatMul floor model (run on a
// small size to check the hand-built ONNX graph computes X·W·W). Nothing here is timed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  forwardFlops,
  formatBytes,
  formatMs,
  formatRatio,
  matmulFlops,
  median,
  pairedRatio,
  replaceBetweenMarkers,
  verdict,
} from '../../tools/bench/benchMath';
import { chainWeights, matmulChainModel } from '../../tools/bench/floor';
import { parseOptions } from '../../tools/bench/options';

test('median of odd and even counts, unsorted input left alone', () => {
  const values = [5, 1, 3];
  assert.equal(median(values), 3);
  assert.deepEqual(values, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]));
});

test('paired ratio is the median of per-repeat ratios, not a ratio of medians', () => {
  // Repeat 2 ran under load for both contenders: pairing cancels it.
  assert.equal(pairedRatio([110, 330, 121], [100, 300, 110]), 1.1);
  assert.throws(() => pairedRatio([1, 2], [1]));
});

/** Every matrix product of one forward pass, as [M, K, N], written out per operation. */
function productsOf(
  layers: number,
  S: number,
  d: number,
  f: number,
  V: number,
  heads: number,
  transform: boolean,
): [number, number, number][] {
  const list: [number, number, number][] = [];
  const dh = d / heads;
  for (let l = 0; l < layers; l++) {
    for (const _ of ['q', 'k', 'v', 'o']) list.push([S, d, d]);
    for (let h = 0; h < heads; h++) {
      list.push([S, dh, S]); // Q_h · K_hᵀ
      list.push([S, S, dh]); // P_h · V_h
    }
    list.push([S, d, f], [S, f, d]);
  }
  if (transform) list.push([S, d, d]);
  list.push([S, d, V]);
  return list;
}

test('forward FLOPs match the sum of every matrix product (tiny config counted by hand too)', () => {
  // 1 layer, S=2, d=2, f=4, V=3: projections 4·(2·2·2)=32 MACs, scores 8, P·V 8, FFN 2·16=32 → 80 MACs;
  // vocabulary projection 2·2·3 = 12 MACs. FLOPs = 2 × MACs = 184.
  assert.equal(forwardFlops({ layers: 1, hidden: 2, intermediate: 4, vocab: 3, headTransform: false }, 2).total, 184);
  assert.equal(forwardFlops({ layers: 1, hidden: 2, intermediate: 4, vocab: 3, headTransform: true }, 2).total, 200);
  for (const [S, transform, V] of [
    [128, true, 30522],
    [1024, false, 50257],
  ] as const) {
    const expected = productsOf(12, S, 768, 3072, V, 12, transform).reduce((sum, [m, k, n]) => sum + matmulFlops(m, k, n), 0);
    assert.equal(forwardFlops({ layers: 12, hidden: 768, intermediate: 3072, vocab: V, headTransform: transform }, S).total, expected);
  }
  // BERT-base at 128 tokens is about 28.5 GFLOP.
  const bert = forwardFlops({ layers: 12, hidden: 768, intermediate: 3072, vocab: 30522, headTransform: true }, 128).total;
  assert.ok(Math.abs(bert / 1e9 - 28.5) < 0.1, String(bert));
});

test('formatting of ratios, times, bytes and verdicts', () => {
  assert.equal(formatRatio(1.1049), '1.10×');
  assert.equal(formatRatio(NaN), 'n/a');
  assert.equal(formatMs(12.345), '12.3 ms');
  assert.equal(formatMs(523.4), '523 ms');
  assert.equal(formatMs(2345), '2.35 s');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(9_437_184), '9.4 MB');
  assert.equal(formatBytes(151_000_000), '151 MB');
  assert.equal(verdict(1.1, 1.1), '✅');
  assert.equal(verdict(1.11, 1.1), '❌');
  assert.equal(verdict(undefined, 1), '–');
});

test('the table replaces only the text between the markers, or is appended once', () => {
  const doc = '# B\n\nprose\n<!-- s -->\nold\n<!-- e -->\nafter\n';
  assert.equal(replaceBetweenMarkers(doc, '<!-- s -->', '<!-- e -->', 'new\n'), '# B\n\nprose\n<!-- s -->\nnew\n<!-- e -->\nafter\n');
  const appended = replaceBetweenMarkers('# B\n', '<!-- s -->', '<!-- e -->', 'x');
  assert.equal(appended, '# B\n\n<!-- s -->\nx\n<!-- e -->\n');
  assert.equal(replaceBetweenMarkers(appended, '<!-- s -->', '<!-- e -->', 'y'), '# B\n\n<!-- s -->\ny\n<!-- e -->\n');
});

test('options: defaults, devices, and refusals', () => {
  const o = parseOptions(['--quick', '--device', 'cuda', '--models', '/tmp/m', '--no-write'], '/repo');
  assert.deepEqual([o.quick, o.device, o.models, o.write], [true, 'cuda', '/tmp/m', false]);
  assert.equal(parseOptions([], '/repo').device, 'cpu');
  assert.throws(() => parseOptions(['--device', 'tpu'], '/repo'), /cpu or cuda/);
  assert.throws(() => parseOptions(['--fast'], '/repo'), /unknown option/);
  assert.throws(() => parseOptions(['--models'], '/repo'), /needs a value/);
});

test('the MatMul floor model computes X·W·W·W', async () => {
  const n = 8;
  const chain = 3;
  const session = await ort.InferenceSession.create(matmulChainModel(n, chain));
  const x = Float32Array.from({ length: n * n }, (_, i) => (i % 7) - 3);
  const out = (await session.run({ X: new ort.Tensor('float32', x, [n, n]) })).Y.data as Float32Array;
  await session.release();
  const w = chainWeights(n);
  let expected = Array.from(x);
  for (let c = 0; c < chain; c++) {
    const next = new Array<number>(n * n).fill(0);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) next[i * n + j] += expected[i * n + k] * w[k * n + j];
    expected = next;
  }
  assert.equal(out.length, n * n);
  for (let i = 0; i < out.length; i++) assert.ok(Math.abs(out[i] - expected[i]) < 1e-4, `element ${i}: ${out[i]} vs ${expected[i]}`);
});
