// Downsampling every head's map to side × side by block maxima, for the model view's thumbnails: the
// webview draws 144 heads without receiving 144 full maps. Maxima, not means: a diagonal or a column of
// attention to [CLS] covers one token in each block of n/side, and a mean would dim it by that factor.
import type { AttentionMaps } from '../types';
import { keptRow } from './attentionLayout';

export interface OverviewData {
  side: number;
  /** [layers, heads, side, side]: cell (r, c) is the largest weight of its block of queries × keys. */
  data: Float32Array;
}

/** Floats sent for all thumbnails together: BERT-base's 144 heads at 64 × 64 (2.4 MB). */
const OVERVIEW_BUDGET = 144 * 64 * 64;
const MIN_SIDE = 64;
const MAX_SIDE = 256;

/**
 * The side of every head's overview: fewer heads get finer thumbnails (a 4 × 4-head model gets 192 × 192,
 * since its thumbnails are drawn larger) within the same number of floats; never more than the tokens.
 */
export function overviewSide(layers: number, heads: number, tokens: number): number {
  const fits = Math.floor(Math.sqrt(OVERVIEW_BUDGET / Math.max(1, layers * heads)));
  return Math.min(tokens, Math.max(MIN_SIDE, Math.min(MAX_SIDE, fits)));
}

export function downsampleAttention(maps: AttentionMaps, maxSide = overviewSide(maps.layers, maps.heads, maps.tokens)): OverviewData {
  const { layers, heads, tokens: n } = maps;
  const side = Math.min(n, maxSide);
  const data = new Float32Array(layers * heads * side * side);
  // Block boundaries: cell c covers tokens [floor(c·n/side), floor((c+1)·n/side)).
  const bounds = new Int32Array(side + 1);
  for (let c = 0; c <= side; c++) bounds[c] = Math.floor((c * n) / side);
  for (let l = 0; l < layers; l++) {
    const layer = maps.perLayer[l];
    for (let h = 0; h < heads; h++) {
      const dst = (l * heads + h) * side * side;
      // Each cell's keys are a contiguous run of the row: reducing runs into a local is ~3× faster than
      // scattering every weight into the output (this loop reads every map once per run).
      for (let r = 0; r < side; r++) {
        const rowBase = dst + r * side;
        for (let q = bounds[r]; q < bounds[r + 1]; q++) {
          // A lower triangle holds keys 0..q of the row; the rest are zeros, below any weight already there.
          const { from: qBase, keys } = keptRow(maps, h, q);
          for (let c = 0; c < side && bounds[c] < keys; c++) {
            let max = data[rowBase + c];
            for (let k = qBase + bounds[c], end = qBase + Math.min(bounds[c + 1], keys); k < end; k++) if (layer[k] > max) max = layer[k];
            data[rowBase + c] = max;
          }
        }
      }
    }
  }
  return { side, data };
}
