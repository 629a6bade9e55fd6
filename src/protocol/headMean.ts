// The mean over a layer's heads, as the worker computes it for a view (a group of heads at a time, summed by the
// layer's cut model where it can) and as a view computes it from a whole layer: float32 sums, then one scaling. The
// two agree to float32 rounding (within 1e-6; a weight is shown to 4 decimals).

/** Which heads a layer request asks for: some (in that order), or 'mean', their mean over every head. */
export type LayerHeads = number[] | 'mean';

/** Adds each of the `heads` consecutive maps in `maps` to `sum` (one map's length), in order. */
export function addHeads(sum: Float32Array, maps: Float32Array, heads: number): void {
  const n = sum.length;
  for (let h = 0; h < heads; h++) {
    const base = h * n;
    for (let i = 0; i < n; i++) sum[i] += maps[base + i];
  }
}

/** `sum` of `heads` maps turned into their mean, in place. */
export function toMean(sum: Float32Array, heads: number): Float32Array {
  const inv = 1 / heads;
  for (let i = 0; i < sum.length; i++) sum[i] *= inv;
  return sum;
}

/** The mean over heads of a whole layer ([heads, queries, keys]): a new [queries, keys] array. */
export function meanOfLayer(layer: Float32Array, heads: number): Float32Array {
  const sum = new Float32Array(layer.length / heads);
  addHeads(sum, layer, heads);
  return toMean(sum, heads);
}
