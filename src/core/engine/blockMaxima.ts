// Downsampling every head's map to side × side by block maxima, for the model view's thumbnails: the
// webview draws 144 heads without receiving 144 full maps. Pure (no onnxruntime): run files are downsampled by
// the host and by the notebook renderer in the browser. Maxima, not means: a diagonal or a column of
// attention to [CLS] covers one token in each block of n/side, and a mean would dim it by that factor.
import type { AttentionMaps, AttentionSetShape } from '../types';

export interface OverviewData {
  rows: number;
  cols: number;
  /** [layers, heads, rows, cols]: cell (r, c) is the largest weight of its block of queries × keys. */
  data: Float32Array;
}

/** Floats sent for all thumbnails together: BERT-base's 144 heads at 64 × 64 (2.4 MB). */
const OVERVIEW_BUDGET = 144 * 64 * 64;
const MIN_SIDE = 64;
const MAX_SIDE = 256;

/**
 * The longest side of every head's overview: fewer heads get finer thumbnails (a 4 × 4-head model gets
 * 192 × 192, since its thumbnails are drawn larger) within the same number of floats.
 */
export function overviewSide(layers: number, heads: number): number {
  const fits = Math.floor(Math.sqrt(OVERVIEW_BUDGET / Math.max(1, layers * heads)));
  return Math.max(MIN_SIDE, Math.min(MAX_SIDE, fits));
}

/** Cell boundaries along one axis: cell c covers [floor(c·n/cells), floor((c+1)·n/cells)). */
function cellBounds(n: number, cells: number): Int32Array {
  const bounds = new Int32Array(cells + 1);
  for (let c = 0; c <= cells; c++) bounds[c] = Math.floor((c * n) / cells);
  return bounds;
}

/** The overview's size for a set: at most `maxSide` cells a side, never more cells than queries or keys. */
export function overviewShape(set: AttentionSetShape, maxSide = overviewSide(set.layers, set.heads)): { rows: number; cols: number } {
  return { rows: Math.min(set.queries, maxSide), cols: Math.min(set.keys, maxSide) };
}

/**
 * Downsamples some heads of one layer (`source`: [heads.length, queries, keys], head `heads[i]` at i; default every
 * head) into their places in `overview`.
 */
export function downsampleLayer(
  set: AttentionSetShape,
  layer: number,
  source: Float32Array,
  overview: OverviewData,
  heads: readonly number[] = allHeads(set.heads),
): void {
  const { queries, keys } = set;
  const { rows, cols, data } = overview;
  const rowBounds = cellBounds(queries, rows);
  const colBounds = cellBounds(keys, cols);
  heads.forEach((head, h) => {
    const dst = (layer * set.heads + head) * rows * cols;
    // Each cell's keys are a contiguous run of the row: reducing runs into a local is ~3× faster than
    // scattering every weight into the output (this loop reads every map once per overview).
    for (let r = 0; r < rows; r++) {
      const rowBase = dst + r * cols;
      for (let q = rowBounds[r]; q < rowBounds[r + 1]; q++) {
        const qBase = (h * queries + q) * keys;
        for (let c = 0; c < cols; c++) {
          let max = data[rowBase + c];
          for (let k = qBase + colBounds[c], end = qBase + colBounds[c + 1]; k < end; k++) if (source[k] > max) max = source[k];
          data[rowBase + c] = max;
        }
      }
    }
  });
}

export const allHeads = (count: number) => Array.from({ length: count }, (_, h) => h);

/** The overview of maps already computed (recorded payloads, tests). */
export function downsampleAttention(maps: AttentionMaps, maxSide?: number): OverviewData {
  const { rows, cols } = overviewShape(maps, maxSide);
  const overview = { rows, cols, data: new Float32Array(maps.layers * maps.heads * rows * cols) };
  maps.perLayer.forEach((layer, l) => downsampleLayer(maps, l, layer, overview));
  return overview;
}
