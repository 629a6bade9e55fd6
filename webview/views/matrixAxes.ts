// Axis labels and the colour legend of the attention matrix.
import type { TokenView } from '../../src/protocol';
import { fitText } from '../render/canvas';
import type { Theme } from '../render/theme';
import { tokenLabel } from './describe';

export const LEFT = 110;
export const TOP = 96;
/** Below this many px per cell, labels would overlap: show them on hover only. */
const LABEL_MIN_CELL = 11;

export interface AxisArgs {
  tokens: TokenView[];
  n: number;
  cell: number;
  panX: number;
  panY: number;
  cols: number;
  rows: number;
  focus: { q: number; k: number } | null;
  selected: number | null;
  theme: Theme;
}

export function drawAxisLabels(ctx: CanvasRenderingContext2D, a: AxisArgs): void {
  const th = a.theme;
  const size = Math.max(9, Math.min(th.fontSize - 1, a.cell - 2));
  ctx.font = `${size}px ${th.fontFamily}`;
  ctx.textBaseline = 'middle';
  const rowY = (q: number): number => TOP + (q - a.panY + 0.5) * a.cell;
  const colX = (k: number): number => LEFT + (k - a.panX + 0.5) * a.cell;
  const rowLabel = (q: number, strong: boolean): void => {
    ctx.fillStyle = strong ? th.foreground : a.tokens[q]?.special ? th.muted : th.foreground;
    ctx.textAlign = 'right';
    ctx.fillText(fitText(ctx, tokenLabel(a.tokens[q]), LEFT - 10), LEFT - 6, rowY(q));
  };
  const colLabel = (k: number): void => {
    ctx.save();
    ctx.translate(colX(k), TOP - 6);
    ctx.rotate(-Math.PI / 3);
    ctx.textAlign = 'left';
    ctx.fillStyle = a.tokens[k]?.special ? th.muted : th.foreground;
    ctx.fillText(fitText(ctx, tokenLabel(a.tokens[k]), TOP - 10), 0, 0);
    ctx.restore();
  };
  const firstQ = Math.floor(a.panY);
  const firstK = Math.floor(a.panX);
  const lastQ = Math.min(a.n, Math.ceil(a.panY + a.rows));
  const lastK = Math.min(a.n, Math.ceil(a.panX + a.cols));
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, TOP, LEFT, a.rows * a.cell);
  ctx.clip();
  if (a.cell >= LABEL_MIN_CELL) for (let q = firstQ; q < lastQ; q++) rowLabel(q, false);
  ctx.restore();
  ctx.save();
  ctx.beginPath();
  ctx.rect(LEFT, 0, a.cols * a.cell + 40, TOP);
  ctx.clip();
  if (a.cell >= LABEL_MIN_CELL) for (let k = firstK; k < lastK; k++) colLabel(k);
  ctx.restore();
  if (a.cell < LABEL_MIN_CELL) {
    // Index ticks so the reader keeps their bearings when tokens do not fit.
    ctx.fillStyle = th.muted;
    ctx.font = `${th.fontSize - 3}px ${th.fontFamily}`;
    const step = niceStep(LABEL_MIN_CELL * 5 / a.cell);
    ctx.textAlign = 'right';
    for (let q = Math.ceil(firstQ / step) * step; q < lastQ; q += step) ctx.fillText(String(q), LEFT - 6, rowY(q));
    ctx.textAlign = 'center';
    for (let k = Math.ceil(firstK / step) * step; k < lastK; k += step) ctx.fillText(String(k), colX(k), TOP - 8);
  }
  if (a.selected !== null && a.selected >= firstQ && a.selected < lastQ) {
    ctx.strokeStyle = th.foreground;
    ctx.lineWidth = 1;
    ctx.strokeRect(LEFT - 0.5, TOP + (a.selected - a.panY) * a.cell - 0.5, a.cols * a.cell + 1, a.cell + 1);
  }
  if (a.focus) {
    // Crosshair and the two labels of the hovered cell, on an opaque backing so they read over the grid.
    ctx.strokeStyle = th.focus;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(LEFT, rowY(a.focus.q));
    ctx.lineTo(LEFT + a.cols * a.cell, rowY(a.focus.q));
    ctx.moveTo(colX(a.focus.k), TOP);
    ctx.lineTo(colX(a.focus.k), TOP + a.rows * a.cell);
    ctx.stroke();
    ctx.font = `bold ${th.fontSize - 1}px ${th.fontFamily}`;
    ctx.fillStyle = th.background;
    ctx.fillRect(0, rowY(a.focus.q) - 9, LEFT - 2, 18);
    rowLabel(a.focus.q, true);
    ctx.fillStyle = th.background;
    ctx.fillRect(LEFT, 0, a.cols * a.cell, TOP - 2);
    colLabel(a.focus.k);
  }
}

function niceStep(raw: number): number {
  const pow = 10 ** Math.floor(Math.log10(Math.max(1, raw)));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

/** A vertical colour bar with 0 and max, right-aligned at (right, top). */
export function drawLegend(ctx: CanvasRenderingContext2D, th: Theme, max: number, right: number, top: number): void {
  const h = TOP - 24;
  const w = 10;
  const x = right - w - 44;
  for (let i = 0; i < h; i++) {
    const t = 1 - i / (h - 1);
    ctx.fillStyle = th.lut.css[Math.round(Math.sqrt(t) * 255)];
    ctx.fillRect(x, top + i, w, 1);
  }
  ctx.strokeStyle = th.border;
  ctx.strokeRect(x - 0.5, top - 0.5, w + 1, h + 1);
  ctx.fillStyle = th.muted;
  ctx.font = `${th.fontSize - 3}px ${th.fontFamily}`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(`≥${max.toFixed(3)}`, x + w + 4, top);
  ctx.textBaseline = 'bottom';
  ctx.fillText('0', x + w + 4, top + h);
  ctx.textBaseline = 'top';
  ctx.fillText('√ scale', x - 4, top + h + 4);
}
