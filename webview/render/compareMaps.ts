// The Compare runs view's picture: one head's attention in the baseline, in this run, and their difference, side by
// side over the matched tokens. Drawn through fitCanvas, so the export gets the same picture (PNG at 2×, or SVG).
import type { AttentionComparison } from '../../src/protocol';
import { fitCanvas, fitText } from './canvas';
import { heatmapCanvas } from './heatmap';
import type { Theme } from './theme';

const GAP = 16;
const TITLE = 34;
const FOOT = 30;
const MAX_SIDE = 360;

/** Blue (−) through white (0) to red (+), RdBu's ends; `t` in [−1, 1]. */
export function divergingColor(t: number): [number, number, number] {
  const a = Math.min(1, Math.abs(t));
  const end = t < 0 ? [33, 102, 172] : [178, 24, 43];
  return [0, 1, 2].map((i) => Math.round(247 + (end[i] - 247) * a)) as [number, number, number];
}

/** The difference map as an image of one pixel per cell, scaled so ±`max` are the ends. */
function differenceCanvas(diff: Float32Array, rows: number, cols: number, max: number): HTMLCanvasElement {
  const image = new ImageData(cols, rows);
  for (let i = 0; i < diff.length; i++) {
    const [r, g, b] = divergingColor(max > 0 ? diff[i] / max : 0);
    image.data.set([r, g, b, 255], i * 4);
  }
  const canvas = document.createElement('canvas');
  canvas.width = cols;
  canvas.height = rows;
  canvas.getContext('2d')?.putImageData(image, 0, 0);
  return canvas;
}

function largest(values: Float32Array, abs: boolean): number {
  let m = 0;
  for (const v of values) m = Math.max(m, abs ? Math.abs(v) : v);
  return m;
}

/** Draws the three maps across `width` CSS px; titles name the runs, the footers give each map's scale. */
export function drawCompareMaps(
  canvas: HTMLCanvasElement,
  width: number,
  att: AttentionComparison,
  names: [string, string],
  th: Theme,
): void {
  const rows = att.queryPairs.length;
  const cols = att.keyPairs.length;
  const side = Math.max(60, Math.min(MAX_SIDE, Math.floor((width - 2 * GAP) / 3)));
  const ctx = fitCanvas(canvas, side * 3 + GAP * 2, TITLE + side + FOOT);
  ctx.fillStyle = th.background;
  ctx.fillRect(0, 0, side * 3 + GAP * 2, TITLE + side + FOOT);
  const max = Math.max(largest(att.baseline, false), largest(att.current, false), 1e-9);
  const maxDiff = largest(att.difference, true);
  const panels: { title: string; image: HTMLCanvasElement | null; foot: string }[] = [
    {
      title: names[0],
      image: rows && cols ? heatmapCanvas(att.baseline, rows, cols, max, th.lut.packed) : null,
      foot: `0 … ${max.toFixed(3)} (√ scale)`,
    },
    {
      title: names[1],
      image: rows && cols ? heatmapCanvas(att.current, rows, cols, max, th.lut.packed) : null,
      foot: `0 … ${max.toFixed(3)} (√ scale)`,
    },
    {
      title: 'This run − baseline',
      image: rows && cols ? differenceCanvas(att.difference, rows, cols, maxDiff) : null,
      foot: `±${maxDiff.toFixed(3)} (− blue, + red)`,
    },
  ];
  ctx.font = `${th.fontSize}px ${th.fontFamily}`;
  ctx.textBaseline = 'middle';
  ctx.imageSmoothingEnabled = false;
  panels.forEach((p, i) => {
    const x = i * (side + GAP);
    ctx.fillStyle = th.foreground;
    ctx.fillText(fitText(ctx, p.title, side), x, TITLE / 2);
    if (p.image) ctx.drawImage(p.image, 0, 0, cols, rows, x, TITLE, side, side);
    ctx.strokeStyle = th.border;
    ctx.strokeRect(x + 0.5, TITLE + 0.5, side - 1, side - 1);
    ctx.fillStyle = th.muted;
    ctx.fillText(fitText(ctx, p.foot, side), x, TITLE + side + FOOT / 2);
  });
}
