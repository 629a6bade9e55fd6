// Independent re-computations of what the views should show, from the payload the test sent.

/**
 * Temperature, top-k, top-p over a whole logits row, recomputed here in the plainest way: softmax(logits / T) in
 * float64 over every id, sorted, the k best, then the fewest best whose re-normalised mass reaches p. Returns, best
 * first, the model's probabilities (T = 1) and the sampled ones (0 past `kept`).
 */
export function expectedSampling(
  logits: Float32Array,
  temperature: number,
  topK: number | 'all',
  topP: number,
): { kept: number; ids: number[]; model: number[]; sampled: number[] } {
  const softmax = (t: number) => {
    const max = logits.reduce((m, x) => Math.max(m, x), -Infinity);
    const w = Array.from(logits, (x) => Math.exp((x - max) / t));
    const z = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / z);
  };
  const model = softmax(1);
  const tempered = softmax(temperature);
  const ids = Array.from(logits, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  const k = topK === 'all' ? ids.length : topK;
  const zk = ids.slice(0, k).reduce((s, id) => s + tempered[id], 0);
  let kept = k;
  if (topP < 1) {
    let cumulative = 0;
    kept = 0;
    while (kept < k && cumulative < topP) cumulative += tempered[ids[kept++]] / zk;
  }
  const z = ids.slice(0, kept).reduce((s, id) => s + tempered[id], 0);
  return { kept, ids, model: ids.map((id) => model[id]), sampled: ids.map((id, i) => (i < kept ? tempered[id] / z : 0)) };
}

/** A probability as the predictions view prints it. */
export function printed(p: number): string {
  return p >= 0.0001 || p === 0 ? p.toFixed(4) : p.toExponential(2);
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
