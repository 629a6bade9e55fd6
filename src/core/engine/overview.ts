// Downsampling every head's map to side × side by block maxima, for the model view's thumbnails: the
// webview draws 144 heads without receiving 144 full maps. Maxima, not means: a diagonal or a column of
// attention to [CLS] covers one token in each block of n/side, and a mean would dim it by that factor.
import type { AttentionMaps } from '../types';
import { keptRow } from './attentionLayout';

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

export function downsampleAttention(maps: AttentionMaps, maxSide = overviewSide(maps.layers, maps.heads)): OverviewData {
  const { layers, heads } = maps;
  const rows = Math.min(maps.queries, maxSide);
  const cols = Math.min(maps.keys, maxSide);
  const data = new Float32Array(layers * heads * rows * cols);
  const rowBounds = cellBounds(maps.queries, rows);
  const colBounds = cellBounds(maps.keys, cols);
  for (let l = 0; l < layers; l++) {
    const layer = maps.perLayer[l];
    for (let h = 0; h < heads; h++) {
      const dst = (l * heads + h) * rows * cols;
      // Each cell's keys are a contiguous run of the row: reducing runs into a local is ~3× faster than
      // scattering every weight into the output (this loop reads every map once per run).
      for (let r = 0; r < rows; r++) {
        const rowBase = dst + r * cols;
        for (let q = rowBounds[r]; q < rowBounds[r + 1]; q++) {
          // A lower triangle holds keys 0..q of the row; the rest are zeros, below any weight already there.
          const { from: qBase, keys } = keptRow(maps, h, q);
          for (let c = 0; c < cols && colBounds[c] < keys; c++) {
            let max = data[rowBase + c];
            for (let k = qBase + colBounds[c], end = qBase + Math.min(colBounds[c + 1], keys); k < end; k++)
              if (layer[k] > max) max = layer[k];
            data[rowBase + c] = max;
          }
        }
      }
    }
  }
  return { rows, cols, data };
}
