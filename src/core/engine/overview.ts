// Downsampling every head's map to side × side by block averages, for the model view's thumbnails: the
// webview draws 144 heads without receiving 144 full maps.
import type { AttentionMaps } from '../types';
import { keptRow } from './attentionLayout';

export interface OverviewData {
  side: number;
  /** [layers, heads, side, side]. */
  data: Float32Array;
}

export const OVERVIEW_SIDE = 64;

export function downsampleAttention(maps: AttentionMaps, maxSide = OVERVIEW_SIDE): OverviewData {
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
      // Each cell's keys are a contiguous run of the row: summing runs into a local is ~3× faster than
      // scattering every weight into the output (this loop reads every map once per run).
      for (let r = 0; r < side; r++) {
        const rowBase = dst + r * side;
        for (let q = bounds[r]; q < bounds[r + 1]; q++) {
          // A lower triangle holds keys 0..q of the row; the rest are zeros that need not be added.
          const { from: qBase, keys } = keptRow(maps, h, q);
          for (let c = 0; c < side && bounds[c] < keys; c++) {
            let sum = 0;
            for (let k = qBase + bounds[c], end = qBase + Math.min(bounds[c + 1], keys); k < end; k++) sum += layer[k];
            data[rowBase + c] += sum;
          }
        }
      }
      for (let r = 0; r < side; r++) {
        const rows = bounds[r + 1] - bounds[r];
        for (let c = 0; c < side; c++) data[dst + r * side + c] /= rows * (bounds[c + 1] - bounds[c]);
      }
    }
  }
  return { side, data };
}
