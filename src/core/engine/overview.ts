// Downsampling every head's map to side × side by block averages, for the model view's thumbnails: the
// webview draws 144 heads without receiving 144 full maps.
import type { AttentionMaps } from '../types';

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
  const rowCell = new Int32Array(n);
  for (let c = 0; c < side; c++) for (let t = bounds[c]; t < bounds[c + 1]; t++) rowCell[t] = c;
  for (let l = 0; l < layers; l++) {
    const layer = maps.perLayer[l];
    for (let h = 0; h < heads; h++) {
      const src = h * n * n;
      const dst = (l * heads + h) * side * side;
      for (let q = 0; q < n; q++) {
        const rowBase = dst + rowCell[q] * side;
        const qBase = src + q * n;
        for (let k = 0; k < n; k++) data[rowBase + rowCell[k]] += layer[qBase + k];
      }
      for (let r = 0; r < side; r++) {
        const rows = bounds[r + 1] - bounds[r];
        for (let c = 0; c < side; c++) data[dst + r * side + c] /= rows * (bounds[c + 1] - bounds[c]);
      }
    }
  }
  return { side, data };
}
