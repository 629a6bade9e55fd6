// An exported view as a figure: its title on top, the view's own drawing, and the colour scale under it. PNG is
// drawn at 2× pixels whatever the screen; SVG is the same drawing as vector shapes (svgSurface.ts).
import { canvasToPng, captureDrawing } from '../render/canvas';
import { SvgSurface } from '../render/svgSurface';
import { theme, type Theme } from '../render/theme';
import type { Caption, ColourScale } from './caption';

/** Pixels per CSS px of an exported PNG. */
export const PNG_SCALE = 2;
const PAD = 8;
const LINE = 18;
const SCALE_LINE = 14;
/** The row of head swatches under the scale's label. */
const SCALE_BAR_HEIGHT = 18;
const MIN_WIDTH = 360;

interface Layout {
  width: number;
  height: number;
  titleLines: string[];
  scaleLines: string[];
  viewTop: number;
  viewWidth: number;
  viewHeight: number;
}

function titleFont(th: Theme): string {
  return `bold ${th.fontSize}px ${th.fontFamily}`;
}

function scaleFont(th: Theme): string {
  return `${th.fontSize - 2}px ${th.fontFamily}`;
}

/** Breaks the title between words so nothing is cut off. */
function wrap(ctx: CanvasRenderingContext2D, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(next).width > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  return line ? [...lines, line] : lines;
}

function layout(caption: Caption, viewWidth: number, viewHeight: number, th: Theme): Layout {
  const width = Math.ceil(Math.max(viewWidth, MIN_WIDTH));
  const measure = new SvgSurface(0, 0).asContext();
  measure.font = titleFont(th);
  const titleLines = wrap(measure, caption.title, width - 2 * PAD);
  measure.font = scaleFont(th);
  const scaleLines = caption.scale ? wrap(measure, caption.scale.label, width - 2 * PAD) : [];
  const viewTop = PAD + titleLines.length * LINE + 4;
  const scaleHeight = caption.scale ? 6 + scaleLines.length * SCALE_LINE + SCALE_BAR_HEIGHT : PAD;
  const height = Math.ceil(viewTop + viewHeight + scaleHeight);
  return { width, height, titleLines, scaleLines, viewTop, viewWidth, viewHeight };
}

/** The scale's label (wrapped), then a swatch per head. */
function drawScale(ctx: CanvasRenderingContext2D, scale: ColourScale, lines: string[], top: number, th: Theme): void {
  ctx.font = scaleFont(th);
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.fillStyle = th.muted;
  lines.forEach((line, i) => ctx.fillText(line, PAD, top + 6 + i * SCALE_LINE));
  const barTop = top + 6 + lines.length * SCALE_LINE + 4;
  let x = PAD;
  for (const h of scale.heads) {
    ctx.fillStyle = th.headColor(h);
    ctx.fillRect(x, barTop, 12, 10);
    ctx.fillStyle = th.foreground;
    ctx.fillText(`H${h}`, x + 15, barTop - 1);
    x += 18 + ctx.measureText(`H${h}`).width + 8;
  }
}

function drawFrame(ctx: CanvasRenderingContext2D, caption: Caption, l: Layout, th: Theme): void {
  ctx.fillStyle = th.background;
  ctx.fillRect(0, 0, l.width, l.height);
  ctx.font = titleFont(th);
  ctx.fillStyle = th.foreground;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  l.titleLines.forEach((line, i) => ctx.fillText(line, PAD, PAD + i * LINE));
  if (caption.scale) drawScale(ctx, caption.scale, l.scaleLines, l.viewTop + l.viewHeight, th);
}

/** The view drawn by `draw` (a View's exportCanvas) as a PNG figure at PNG_SCALE × its CSS size. */
export async function pngFigure(draw: () => void, caption: Caption): Promise<Uint8Array> {
  let shot: HTMLCanvasElement | null = null;
  let size = { w: 0, h: 0 };
  captureDrawing(draw, (w, h) => {
    size = { w, h };
    shot = document.createElement('canvas');
    shot.width = Math.max(1, Math.round(w * PNG_SCALE));
    shot.height = Math.max(1, Math.round(h * PNG_SCALE));
    const ctx = shot.getContext('2d');
    if (!ctx) throw new Error('2D canvas is not available');
    ctx.setTransform(PNG_SCALE, 0, 0, PNG_SCALE, 0, 0);
    // Heatmap cells stay sharp squares when the view scales its one-pixel-per-cell raster up.
    ctx.imageSmoothingEnabled = false;
    return ctx;
  });
  const th = theme();
  const l = layout(caption, size.w, size.h, th);
  const figure = document.createElement('canvas');
  figure.width = l.width * PNG_SCALE;
  figure.height = l.height * PNG_SCALE;
  const ctx = figure.getContext('2d');
  if (!ctx || !shot) throw new Error('2D canvas is not available');
  ctx.setTransform(PNG_SCALE, 0, 0, PNG_SCALE, 0, 0);
  drawFrame(ctx, caption, l, th);
  ctx.drawImage(shot, 0, l.viewTop, size.w, size.h);
  return canvasToPng(figure);
}

/** The same figure as an SVG document of vector shapes (no embedded image). */
export function svgFigure(draw: () => void, caption: Caption): string {
  let view: SvgSurface | null = null;
  captureDrawing(draw, (w, h) => {
    view = new SvgSurface(w, h);
    return view.asContext();
  });
  const shot = view as SvgSurface | null;
  if (!shot) throw new Error('the view drew nothing');
  const th = theme();
  const l = layout(caption, shot.width, shot.height, th);
  const figure = new SvgSurface(l.width, l.height);
  drawFrame(figure.asContext(), caption, l, th);
  figure.embed(shot, 0, l.viewTop);
  return figure.toSvg();
}
