// Reading a set's maps ([heads, queries, keys] per layer, row-major) for the JSON exports, and the check that a
// computed layer is attention: every row a distribution over the keys.
import { LensError, type AttentionMaps, type AttentionSetShape } from '../types';

/** The JSON exports' rounding of weights and probabilities: 6 decimals. */
export const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Layer `layer` as [head][query][key] arrays rounded to 6 decimals: the JSON exports, which are for reading, not for precision. */
export function nestedLayer(maps: AttentionMaps, layer: number): number[][][] {
  const source = maps.perLayer[layer];
  const { heads, queries, keys } = maps;
  return Array.from({ length: heads }, (_, h) =>
    Array.from({ length: queries }, (_, q) => Array.from(source.subarray((h * queries + q) * keys, (h * queries + q + 1) * keys), round6)),
  );
}

/** Rows per head checked: a sample spread over the queries (a full check would read the whole layer again). */
const CHECKED_ROWS = 8;
/**
 * How far a row's sum may be from 1: float32 probabilities sum to 1 within 1e-4 at any length; float16 ones are each
 * rounded to 2^-11 relative, so their sum is within 2^-11 of 1 (1e-3 leaves room for the Softmax's own rounding).
 */
export const ROW_SUM_TOLERANCE = { float32: 1e-4, float16: 1e-3 } as const;

/**
 * Throws unless a sample of rows of every head sums to 1: a layer computed from the wrong tensors (a graph whose
 * Softmax is not over the keys) is refused with a reason rather than shown.
 */
export function checkRowSums(
  data: Float32Array,
  shape: { heads: number; queries: number; keys: number },
  layer: number,
  tolerance: number = ROW_SUM_TOLERANCE.float32,
): void {
  const { heads, queries, keys } = shape;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < Math.min(CHECKED_ROWS, queries); i++) {
      const q = Math.floor((i * (queries - 1)) / Math.max(1, CHECKED_ROWS - 1));
      let sum = 0;
      for (let k = (h * queries + q) * keys, end = k + keys; k < end; k++) sum += data[k];
      if (!(Math.abs(sum - 1) <= tolerance)) {
        throw new LensError(
          `layer ${layer}, head ${h}: the weights of token ${q} sum to ${sum.toPrecision(6)}, not 1, so this graph's Softmax is not ` +
            'attention over the keys',
          'model-unsupported',
        );
      }
    }
  }
}

/**
 * Weights the JSON export may write: at about 9 characters each in JSON, 50 million make a 450 MB file, near the
 * longest string V8 builds. Longer runs are refused before any layer is computed (GPT-2 at 1024 tokens has 151 million).
 */
export const MAX_EXPORTED_WEIGHTS = 50_000_000;

export function checkExportFits(sets: readonly AttentionSetShape[], most = MAX_EXPORTED_WEIGHTS): void {
  const weights = sets.reduce((sum, s) => sum + s.layers * s.heads * s.queries * s.keys, 0);
  if (weights > most) {
    throw new LensError(
      `this run has ${(weights / 1e6).toFixed(0)} million attention weights, more than the ${most / 1e6} million ` +
        'a JSON export holds: inspect fewer tokens, or export the view as PNG or SVG',
      'input-too-large',
    );
  }
}
