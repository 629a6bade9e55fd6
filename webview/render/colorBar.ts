// The vertical colour bar of the heatmaps: the √ scale from 0 (bottom) to a ceiling (top), with its labels.
import type { Theme } from './theme';

export interface ColorBar {
  /** Label at the top, e.g. "≥0.339" or "its max". */
  top: string;
  bottom: string;
  /** A line under the bar, e.g. "√ scale". */
  note: string;
}

/** Width the bar and its labels take; the caller reserves it so the bar covers nothing. */
export function colorBarWidth(ctx: CanvasRenderingContext2D, th: Theme, bar: ColorBar): number {
  ctx.font = `${th.fontSize - 3}px ${th.fontFamily}`;
  const labels = Math.max(ctx.measureText(bar.top).width, ctx.measureText(bar.bottom).width);
  return Math.ceil(Math.max(BAR_W + 4 + labels, ctx.measureText(bar.note).width)) + 4;
}

const BAR_W = 10;

/** Draws the bar with its left edge at x, from y over height px (labels to its right, the note below). */
export function drawColorBar(ctx: CanvasRenderingContext2D, th: Theme, bar: ColorBar, x: number, y: number, height: number): void {
  const h = Math.max(16, Math.round(height));
  for (let i = 0; i < h; i++) {
    const t = 1 - i / (h - 1);
    ctx.fillStyle = th.lut.css[Math.round(Math.sqrt(t) * 255)];
    ctx.fillRect(x, y + i, BAR_W, 1);
  }
  ctx.strokeStyle = th.border;
  ctx.lineWidth = 1;
  ctx.strokeRect(x - 0.5, y - 0.5, BAR_W + 1, h + 1);
  ctx.fillStyle = th.muted;
  ctx.font = `${th.fontSize - 3}px ${th.fontFamily}`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(bar.top, x + BAR_W + 4, y);
  ctx.textBaseline = 'bottom';
  ctx.fillText(bar.bottom, x + BAR_W + 4, y + h);
  ctx.textBaseline = 'top';
  ctx.fillText(bar.note, x, y + h + 4);
}
