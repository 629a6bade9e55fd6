// Axis titles and labels of the attention matrix. Every token is labelled when a cell is tall enough;
// otherwise every step-th token is, with its index, so labels stay tokens for whatever range is in view.
import type { TokenListName, TokenView } from '../../src/protocol';
import { fitText } from '../render/canvas';
import type { Theme } from '../render/theme';
import { tokenLabel } from './describe';

/** The plot's left and top edges: room for an axis title and the row / column labels. */
export const LEFT = 124;
export const TOP = 112;
/** Room right of the plot: the rotated last column labels reach ~45 px past it, then the colour bar. */
export const LABEL_OVERHANG = 48;
export const RIGHT = LABEL_OVERHANG + 64;
/** Below this many px per cell, labels would overlap: label every step-th token. */
const LABEL_MIN_CELL = 11;
/** Spacing of the stepped labels (px): a line of small text, a little more for the rotated ones. */
const STEPPED_SPACING = 16;
/** Band of the axis titles, outside the labels' clip. */
const TITLE_BAND = 18;

export interface AxisArgs {
  /** The query tokens (rows) and key tokens (columns). */
  rowTokens: TokenView[];
  colTokens: TokenView[];
  /** Named in the axis titles when set (runs of two token lists). */
  rowList?: TokenListName;
  colList?: TokenListName;
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
  const rowLabel = (q: number, strong: boolean, text = tokenLabel(a.rowTokens[q])): void => {
    ctx.fillStyle = strong ? th.foreground : a.rowTokens[q]?.special ? th.muted : th.foreground;
    ctx.textAlign = 'right';
    ctx.fillText(fitText(ctx, text, LEFT - TITLE_BAND - 10), LEFT - 6, rowY(q));
  };
  const colLabel = (k: number, text = tokenLabel(a.colTokens[k])): void => {
    ctx.save();
    ctx.translate(colX(k), TOP - 6);
    ctx.rotate(-Math.PI / 3);
    ctx.textAlign = 'left';
    ctx.fillStyle = a.colTokens[k]?.special ? th.muted : th.foreground;
    ctx.fillText(fitText(ctx, text, TOP - TITLE_BAND - 14), 0, 0);
    ctx.restore();
  };
  const firstQ = Math.floor(a.panY);
  const firstK = Math.floor(a.panX);
  const lastQ = Math.min(a.rowTokens.length, Math.ceil(a.panY + a.rows));
  const lastK = Math.min(a.colTokens.length, Math.ceil(a.panX + a.cols));
  const every = a.cell >= LABEL_MIN_CELL;
  const step = every ? 1 : niceStep(STEPPED_SPACING / a.cell);
  // Stepped labels carry their index ("120 ␣the") and a tick, so the reader keeps both token and bearings.
  const stepped = (tokens: TokenView[], i: number): string => `${i} ${tokenLabel(tokens[i])}`;
  ctx.save();
  ctx.beginPath();
  // A little above and left of the plot too: the first row's and column's labels sit on its edge.
  ctx.rect(TITLE_BAND, TOP - 8, LEFT - TITLE_BAND, a.rows * a.cell + 16);
  ctx.clip();
  if (!every) ctx.font = `${th.fontSize - 2}px ${th.fontFamily}`;
  for (let q = Math.ceil(firstQ / step) * step; q < lastQ; q += step) rowLabel(q, false, every ? undefined : stepped(a.rowTokens, q));
  ctx.restore();
  ctx.save();
  ctx.beginPath();
  ctx.rect(LEFT - 6, TITLE_BAND, a.cols * a.cell + LABEL_OVERHANG - 2, TOP - TITLE_BAND);
  ctx.clip();
  if (!every) ctx.font = `${th.fontSize - 2}px ${th.fontFamily}`;
  for (let k = Math.ceil(firstK / step) * step; k < lastK; k += step) colLabel(k, every ? undefined : stepped(a.colTokens, k));
  ctx.restore();
  if (!every) {
    ctx.strokeStyle = th.muted;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let q = Math.ceil(firstQ / step) * step; q < lastQ; q += step) {
      ctx.moveTo(LEFT - 4, rowY(q));
      ctx.lineTo(LEFT, rowY(q));
    }
    for (let k = Math.ceil(firstK / step) * step; k < lastK; k += step) {
      ctx.moveTo(colX(k), TOP - 4);
      ctx.lineTo(colX(k), TOP);
    }
    ctx.stroke();
  }
  drawAxisTitles(ctx, th, a.cols * a.cell, a.rows * a.cell, a.rowList, a.colList);
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
    ctx.fillRect(TITLE_BAND, rowY(a.focus.q) - 9, LEFT - TITLE_BAND - 2, 18);
    rowLabel(a.focus.q, true);
    ctx.fillStyle = th.background;
    ctx.fillRect(LEFT, TITLE_BAND, a.cols * a.cell + LABEL_OVERHANG - 8, TOP - TITLE_BAND - 2);
    colLabel(a.focus.k);
  }
}

/** The list an axis reads from, in its title ("Keys: input tokens (attended to) →"). */
function listPart(list: TokenListName | undefined): string {
  return list ? `: ${list} tokens` : '';
}

/** "Keys (attended to) →" over the column labels and "Queries (attending) →" down the left edge. */
function drawAxisTitles(
  ctx: CanvasRenderingContext2D,
  th: Theme,
  plotW: number,
  plotH: number,
  rowList?: TokenListName,
  colList?: TokenListName,
): void {
  ctx.fillStyle = th.muted;
  ctx.font = `${th.fontSize - 2}px ${th.fontFamily}`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  ctx.fillText(fitText(ctx, `Keys${listPart(colList)} (attended to) →`, plotW + LABEL_OVERHANG), LEFT, TITLE_BAND / 2);
  ctx.save();
  ctx.translate(TITLE_BAND / 2, TOP);
  ctx.rotate(Math.PI / 2);
  ctx.fillText(fitText(ctx, `Queries${listPart(rowList)} (attending) →`, plotH), 0, 0);
  ctx.restore();
}

function niceStep(raw: number): number {
  const pow = 10 ** Math.floor(Math.log10(Math.max(1, raw)));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}
