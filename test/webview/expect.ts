// Independent re-computations of what the views should show, from the payload the test sent.
import type { PredictionView } from '../../src/protocol';

/** p^(1/T) re-normalised, then top-k, then top-p, over the given list (sorted by probability). */
export function expectedResample(top: PredictionView[], temperature: number, topK: number, topP: number): { kept: number; values: number[] } {
  const sorted = [...top].sort((a, b) => b.probability - a.probability);
  const w = sorted.map((p) => p.probability ** (1 / temperature));
  const k = Math.min(topK, w.length);
  const zk = w.slice(0, k).reduce((a, b) => a + b, 0);
  let kept = 0;
  let cum = 0;
  while (kept < k) {
    cum += w[kept] / zk;
    kept++;
    if (cum >= topP - 1e-12) break;
  }
  const z = w.slice(0, kept).reduce((a, b) => a + b, 0);
  return { kept, values: w.map((x, i) => (i < kept ? x / z : 0)) };
}

/** Weight of query q → key k in one head, or the mean over heads. */
export function weightAt(layer: Float32Array, heads: number, n: number, head: number | 'mean', q: number, k: number): number {
  if (head !== 'mean') return layer[head * n * n + q * n + k];
  let sum = 0;
  for (let h = 0; h < heads; h++) sum += layer[h * n * n + q * n + k];
  return Math.fround(sum) / heads;
}

/** The key a query attends to most in one head. */
export function argmaxRow(layer: Float32Array, n: number, head: number, q: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (layer[head * n * n + q * n + k] > layer[head * n * n + q * n + best]) best = k;
  return best;
}
