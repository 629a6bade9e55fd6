// Pure arithmetic of the benchmark: medians, ratios, the forward pass's floating-point operation count and
// formatting. No I/O, so `npm test` checks it without timing anything.

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Median of per-repeat ratios a[i] / b[i]. Runs are interleaved, so pairing each run with its neighbour of the
 * same repeat cancels slow drifts in machine load better than a ratio of two medians would.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) throw new Error('paired ratio needs two series of the same length');
  return median(a.map((x, i) => x / b[i]));
}

/** The shape facts a forward pass's cost depends on. */
export interface ShapeForFlops {
  layers: number;
  hidden: number;
  intermediate: number;
  vocab: number;
  /** BERT's MLM head has a d×d transform (dense + GELU + LayerNorm) before the vocabulary projection; GPT-2 has none. */
  headTransform: boolean;
}

export interface FlopCount {
  perLayer: number;
  head: number;
  total: number;
}

/**
 * Floating-point operations of one forward pass over `tokens` positions, counting a multiply-add as 2 and only
 * the matrix products (element-wise work — softmax, LayerNorm, GELU, masking — is O(S·d) or O(h·S²), a few %):
 *   per layer:  Q, K, V and output projections   4 · 2·S·d²
 *               scores Q·Kᵀ over all heads        2·S²·d
 *               probabilities · V                 2·S²·d
 *               feed-forward up and down          2 · 2·S·d·f
 *   head:       [BERT transform 2·S·d²] + vocabulary projection 2·S·d·V
 */
export function forwardFlops(shape: ShapeForFlops, tokens: number): FlopCount {
  const S = tokens;
  const d = shape.hidden;
  const perLayer = 8 * S * d * d + 4 * S * S * d + 4 * S * d * shape.intermediate;
  const head = (shape.headTransform ? 2 * S * d * d : 0) + 2 * S * d * shape.vocab;
  return { perLayer, head, total: shape.layers * perLayer + head };
}

/** Operations of an M×K by K×N matrix product. */
export function matmulFlops(m: number, k: number, n: number): number {
  return 2 * m * k * n;
}

export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return `${value.toFixed(2)}×`;
}

export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  if (value >= 100) return `${value.toFixed(0)} ms`;
  return `${value.toFixed(1)} ms`;
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** A target check for the table: "✅" when met, "❌" when not, "–" when not measured. */
export function verdict(value: number | undefined, limit: number): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value <= limit ? '✅' : '❌';
}

/** Replaces the text between two marker lines (inclusive markers kept), or appends the block when absent. */
export function replaceBetweenMarkers(document: string, start: string, end: string, body: string): string {
  const block = `${start}\n${body.trimEnd()}\n${end}`;
  const from = document.indexOf(start);
  const to = document.indexOf(end, from === -1 ? 0 : from);
  if (from === -1 || to === -1) return `${document.trimEnd()}${document.trim() ? '\n\n' : ''}${block}\n`;
  return document.slice(0, from) + block + document.slice(to + end.length);
}
