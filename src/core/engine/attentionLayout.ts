// The two layouts a run's attention maps are held in (see AttentionMaps): full rows, and causal self-attention's
// lower triangle in blocks of rows, which holds about half the bytes. The views receive full layers (fullLayer);
// the JSON exports read either layout (nestedLayer).
import { LensError, type AttentionMaps } from '../types';

/** Where a layer's maps lie: their layout, their queries × keys, and for a lower triangle its block of rows. */
export type LayerGeometry = Pick<AttentionMaps, 'layout' | 'queries' | 'keys' | 'rowBlock'>;

/** Elements of one head's lower triangle held in blocks of `b` rows (each block up to the key of its last row). */
function triangleHeadLength(n: number, b: number): number {
  const full = Math.floor(n / b);
  return (b * b * full * (full + 1)) / 2 + (n - full * b) * n;
}

/** Elements of one layer's maps. */
export function layerLength(geometry: LayerGeometry, heads: number): number {
  const { queries, keys, rowBlock } = geometry;
  return heads * (geometry.layout === 'full' ? queries * keys : triangleHeadLength(queries, rowBlock));
}

/** Where row `query` of head `head` starts in a lower-triangle layer (its keys 0..query follow). */
export function lowerTriangleRow(geometry: LayerGeometry, head: number, query: number): number {
  const { queries: n, rowBlock: b } = geometry;
  const block = Math.floor(query / b);
  const width = Math.min((block + 1) * b, n);
  return head * triangleHeadLength(n, b) + (b * b * block * (block + 1)) / 2 + (query - block * b) * width;
}

/** Where row `query` of head `head` is held, in either layout: its first element and how many keys it keeps. */
export function keptRow(geometry: LayerGeometry, head: number, query: number): { from: number; keys: number } {
  const { queries, keys } = geometry;
  return geometry.layout === 'full'
    ? { from: (head * queries + query) * keys, keys }
    : { from: lowerTriangleRow(geometry, head, query), keys: query + 1 };
}

/** Layer `layer` as a new [heads, queries, keys] array: a copy of a full layer, a lower triangle filled out with zeros. */
export function fullLayer(maps: AttentionMaps, layer: number): Float32Array {
  const source = maps.perLayer[layer];
  if (maps.layout === 'full') return source.slice();
  const { heads, queries, keys: width } = maps;
  const full = new Float32Array(heads * queries * width);
  for (let h = 0; h < heads; h++) {
    for (let q = 0; q < queries; q++) {
      const { from, keys } = keptRow(maps, h, q);
      full.set(source.subarray(from, from + keys), (h * queries + q) * width);
    }
  }
  return full;
}

/** The JSON exports' rounding of weights and probabilities: 6 decimals. */
export const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Layer `layer` as [head][query][key] arrays of every key (zeros above a lower triangle), rounded to 6 decimals:
 * the JSON exports, which are for reading, not for precision.
 */
export function nestedLayer(maps: AttentionMaps, layer: number): number[][][] {
  const source = maps.perLayer[layer];
  const { heads, queries, keys: width } = maps;
  return Array.from({ length: heads }, (_, h) =>
    Array.from({ length: queries }, (_, q) => {
      const { from, keys } = keptRow(maps, h, q);
      return [...Array.from(source.subarray(from, from + keys), round6), ...new Array<number>(width - keys).fill(0)];
    }),
  );
}

/** Rows per head whose kept weights must sum to 1 (the rest of the row, above the diagonal, was not kept). */
const CHECKED_ROWS = 8;
const ROW_SUM_TOLERANCE = 1e-4;

/**
 * A lower triangle is all of a row only if the model's attention is causal: a sample of rows of every head must
 * sum to 1 over keys 0..q, or the weight above the diagonal would be lost without a word.
 */
export function checkCausalRows(maps: AttentionMaps): void {
  const { heads, queries: n } = maps;
  maps.perLayer.forEach((layer, l) => {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < Math.min(CHECKED_ROWS, n); i++) {
        const q = Math.floor((i * (n - 1)) / Math.max(1, CHECKED_ROWS - 1));
        const { from, keys } = keptRow(maps, h, q);
        let sum = 0;
        for (let k = from; k < from + keys; k++) sum += layer[k];
        if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) {
          throw new LensError(
            `layer ${l}, head ${h}: token ${q} puts ${((1 - sum) * 100).toFixed(2)} % of its attention on later tokens, so this causal ` +
              `model's attention is not causal; Attention Lens keeps a causal model's maps up to the diagonal only`,
            'model-unsupported',
          );
        }
      }
    }
  });
}
