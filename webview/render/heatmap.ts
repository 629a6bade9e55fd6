// A map of weights as an image of one pixel per cell, for views that scale it up (the matrix).
import { lutIndex } from './colormap';

/** rows × cols weights, row-major, coloured by `lut` with `max` at its top (lutIndex's √ scale). */
export function heatmapCanvas(map: Float32Array, rows: number, cols: number, max: number, lut: Uint32Array): HTMLCanvasElement {
  const inv = 1 / max;
  const image = new ImageData(cols, rows);
  const px = new Uint32Array(image.data.buffer);
  for (let i = 0; i < map.length; i++) px[i] = lut[lutIndex(map[i], inv)];
  const canvas = document.createElement('canvas');
  canvas.width = cols;
  canvas.height = rows;
  canvas.getContext('2d')?.putImageData(image, 0, 0);
  return canvas;
}
