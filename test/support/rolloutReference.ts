// Attention rollout computed directly, in float64, from maps: what the core's onnxruntime chain is checked against.
import assert from 'node:assert/strict';

/** R_l of every layer from per-layer maps [heads, T, T] (Abnar & Zuidema: R_1 = Â_1, R_l = Â_l · R_{l−1}). */
export function naiveRollout(perLayer: ArrayLike<number>[], heads: number, tokens: number): Float64Array[] {
  const out: Float64Array[] = [];
  let previous: Float64Array | undefined;
  for (const maps of perLayer) {
    const mixed = new Float64Array(tokens * tokens);
    for (let q = 0; q < tokens; q++) {
      let sum = 0;
      for (let k = 0; k < tokens; k++) {
        let mean = 0;
        for (let h = 0; h < heads; h++) mean += maps[(h * tokens + q) * tokens + k];
        const value = 0.5 * (mean / heads) + (q === k ? 0.5 : 0);
        mixed[q * tokens + k] = value;
        sum += value;
      }
      for (let k = 0; k < tokens; k++) mixed[q * tokens + k] /= sum;
    }
    if (previous) {
      const product = new Float64Array(tokens * tokens);
      for (let q = 0; q < tokens; q++) {
        for (let m = 0; m < tokens; m++) {
          const a = mixed[q * tokens + m];
          for (let k = 0; k < tokens; k++) product[q * tokens + k] += a * previous[m * tokens + k];
        }
      }
      previous = product;
    } else previous = mixed;
    out.push(previous);
  }
  return out;
}

/** Asserts two rollouts agree within `tolerance` and that every row of the computed one sums to 1. */
export function assertRolloutMatches(
  actual: ArrayLike<number>[],
  expected: Float64Array[],
  tokens: number,
  tolerance: number,
  label: string,
): void {
  assert.equal(actual.length, expected.length, `${label}: layers`);
  actual.forEach((r, l) => {
    assert.equal(r.length, tokens * tokens, `${label}: layer ${l} size`);
    let worst = 0;
    for (let i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs(r[i] - expected[l][i]));
    assert.ok(worst <= tolerance, `${label}: layer ${l} differs by ${worst}`);
    for (let q = 0; q < tokens; q++) {
      let sum = 0;
      for (let k = 0; k < tokens; k++) sum += r[q * tokens + k];
      assert.ok(Math.abs(sum - 1) <= 1e-5, `${label}: layer ${l} row ${q} sums to ${sum}`);
    }
  });
}
