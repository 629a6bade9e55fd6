// The comparison as an exported picture (PNG or SVG through webview/export/figure.ts): the drawn text line by
// line, a lane per tokenizer under each line with its name on the left, a box per token over its characters,
// and the differing boundaries as red marks across the lanes, so the figure reads on paper as the view does.
import type { ComparisonView } from '../../src/protocol/compare';
import type { Caption } from '../export/caption';
import { fitCanvas, fitText } from '../render/canvas';
import { theme } from '../render/theme';
import { lineSpans, visibleText } from './lines';

const LANE = 20;
const BOX = 17;
const LINE_GAP = 8;
const PAD = 6;
/** A box's text, smaller than the line's as in the view (.piece's font-size). */
const PIECE_FONT_SCALE = 0.85;

/** A CSS value of the view's own stylesheet: `name` as an element of `className` resolves it. */
function cssValue(className: string, name: string): string {
  const probe = document.createElement('div');
  probe.className = className;
  document.body.append(probe);
  const style = getComputedStyle(probe);
  const value = name === 'font' ? style.font : style.getPropertyValue(name).trim();
  probe.remove();
  return value;
}

export function comparisonCaption(view: ComparisonView): Caption {
  const names = view.rows.map((r) => r.name).join(' vs ');
  return {
    title: `Compare Tokenizers · ${view.source} · ${names} · ${view.differingTotal} boundaries differ`,
    name: 'tokenizers',
    scale: null,
  };
}

/** Draws the comparison on the surface fitCanvas opens (the export's, inside captureDrawing). */
export function drawComparison(view: ComparisonView): void {
  const th = theme();
  const laneFont = cssValue('lane', 'font');
  const pieceFont = laneFont.replace(/([\d.]+)px/, (_, px: string) => `${(Number(px) * PIECE_FONT_SCALE).toFixed(1)}px`);
  const colours = view.rows.map((_, r) => cssValue(`row-${r}`, '--row-colour') || th.headColor(r));
  const unknown = cssValue('piece unknown', 'background-color');
  const diff = cssValue('diff-mark', 'border-left-color');
  const measure = document.createElement('canvas').getContext('2d')!;
  measure.font = laneFont;
  const labelWidth = Math.ceil(Math.max(...view.rows.map((r) => measure.measureText(r.name).width))) + 2 * PAD;
  const lines = lineSpans(view, measure);
  const width = labelWidth + Math.ceil(Math.max(0, ...lines.map((l) => l.x[l.x.length - 1]))) + PAD;
  const blockHeight = (view.rows.length + 1) * LANE + LINE_GAP;
  const ctx = fitCanvas(document.createElement('canvas'), width, lines.length * blockHeight);
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  lines.forEach((line, i) => {
    const top = i * blockHeight;
    ctx.font = laneFont;
    ctx.fillStyle = th.foreground;
    ctx.fillText(visibleText(line.text), labelWidth, top + LANE / 2);
    line.lanes.forEach((pieces, r) => {
      const y = top + (r + 1) * LANE;
      ctx.font = laneFont;
      ctx.fillStyle = th.muted;
      ctx.fillText(fitText(ctx, view.rows[r].name, labelWidth - 2 * PAD), PAD, y + LANE / 2);
      for (const p of pieces) {
        const x = labelWidth + p.left;
        if (p.token.unknown) {
          ctx.fillStyle = unknown;
          ctx.fillRect(x, y + 1, p.width, BOX);
        }
        ctx.strokeStyle = colours[r];
        ctx.lineWidth = 1;
        ctx.strokeRect(x + 0.5, y + 1.5, p.width - 1, BOX - 1);
        ctx.fillStyle = th.foreground;
        ctx.font = pieceFont;
        ctx.fillText(fitText(ctx, p.token.display || p.token.piece, p.width - 2), x + 1, y + LANE / 2);
      }
    });
    ctx.fillStyle = diff;
    for (const at of line.differing) ctx.fillRect(labelWidth + at - 1, top + LANE + 2, 2, view.rows.length * LANE - 2);
  });
}
