// The model view's labels beside its grid: row labels "L3" (with the window under a sliding-window layer's), column
// labels "H5", and for a grouped-query model a bracket "KV 1" over the query heads that share each key/value head.
import { layerWindow, queriesPerKvHead, queryHeadsOf, type RunSummary } from '../../src/protocol';
import { theme } from '../render/theme';

/** The grid's left margin: the layer labels' column. */
export const LEFT = 40;
/** The grid's top margin: the head labels' row. */
export const TOP = 22;
/** A wider row label for sliding-window layers ("win 4096" under the layer's name). */
export const LEFT_WINDOWED = 58;
/** A row above the head labels for the key/value heads' brackets (grouped-query attention). */
export const KV_ROW = 16;
/** Between thumbnails. */
export const GAP = 4;

/** Where the grid lies: its layers × heads thumbnails of `cell` px (GAP apart) from (left, top). */
export interface GridDims {
  layers: number;
  heads: number;
  cell: number;
  left: number;
  top: number;
}

/** Draws the labels of the grid `d` of model `m`'s maps. */
export function drawLabels(ctx: CanvasRenderingContext2D, m: RunSummary['model'], d: GridDims): void {
  const th = theme();
  const pitch = d.cell + GAP;
  const small = `${th.fontSize - 3}px ${th.fontFamily}`;
  ctx.font = `${th.fontSize - 2}px ${th.fontFamily}`;
  ctx.fillStyle = th.foreground;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  for (let l = 0; l < d.layers; l++) {
    const y = d.top + l * pitch + d.cell / 2;
    const size = layerWindow(m, l);
    if (size === undefined) ctx.fillText(`L${l}`, d.left - 6, y);
    else {
      ctx.fillText(`L${l}`, d.left - 6, y - 6);
      ctx.font = small;
      ctx.fillStyle = th.muted;
      ctx.fillText(`win ${size}`, d.left - 6, y + 6);
      ctx.font = `${th.fontSize - 2}px ${th.fontFamily}`;
      ctx.fillStyle = th.foreground;
    }
  }
  ctx.textAlign = 'center';
  const headsY = d.top - TOP / 2;
  for (let h = 0; h < d.heads; h++) ctx.fillText(`H${h}`, d.left + h * pitch + d.cell / 2, headsY);
  if (queriesPerKvHead(m) <= 1 || d.heads !== m.heads) return;
  ctx.strokeStyle = th.muted;
  ctx.lineWidth = 1;
  for (let kv = 0; kv < (m.kvHeads ?? 0); kv++) {
    const [first, last] = queryHeadsOf(m, kv);
    const x0 = d.left + first * pitch + 2;
    const x1 = d.left + last * pitch + d.cell - 2;
    const y = KV_ROW - 2;
    ctx.beginPath();
    ctx.moveTo(x0, y + 3);
    ctx.lineTo(x0, y);
    ctx.lineTo(x1, y);
    ctx.lineTo(x1, y + 3);
    ctx.stroke();
    ctx.fillText(`KV ${kv}`, (x0 + x1) / 2, y - 6);
  }
}

/** What the labels beside the grid mean, where a model has more than layer and head numbers. */
export function labelsCaption(m: RunSummary['model']): string {
  const kv = queriesPerKvHead(m) > 1 ? ' The heads under one KV bracket share a key/value head.' : '';
  const windowed = !m.slidingWindow
    ? ''
    : m.slidingWindow.around
      ? ' "win ±N": the layer sees only the N tokens on either side of each token.'
      : ' "win N": the layer sees only a sliding window of N tokens.';
  return kv + windowed;
}
