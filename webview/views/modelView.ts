// Model view: every layer × head of the shown attention set as a heatmap, all drawn into one ImageData from its
// downsampled overview
// (never a DOM node per weight), as large as the panel allows. Click or Enter opens that layer/head at full
// resolution in the matrix view; shift-click or X adds a head to the ablated ones (see ablationBar.ts) or takes it out.
import { headName, layerSuffix, queriesPerKvHead, setShape, type AttentionOverview } from '../../src/protocol';
import type { App, View } from '../app';
import { lutIndex } from '../render/colormap';
import { colorBarWidth, drawColorBar, type ColorBar } from '../render/colorBar';
import { fitCanvas, frameScheduler, heightToBottom } from '../render/canvas';
import { theme } from '../render/theme';
import { AblationBar } from './ablationBar';
import { setSelect, updateSetSelect } from './controls';
import { drawLabels, GAP, KV_ROW, labelsCaption, LEFT, LEFT_WINDOWED, TOP, type GridDims } from './modelLabels';

/** Below this, thumbnails stop shrinking and the grid scrolls. */
/** The export of several sets: each grid's heading band, and the space before the next. */
const SET_HEADING = 24;
const SET_GAP = 12;
const MIN_CELL = 24;
const SCALE: ColorBar = { top: 'its max', bottom: '0', note: '√ scale' };

export class ModelView implements View {
  readonly element = document.createElement('div');
  readonly canvas = document.createElement('canvas');
  private readonly setSel;
  private readonly ablation;
  private readonly bar = document.createElement('div');
  private readonly info = document.createElement('div');
  private readonly caption = document.createElement('div');
  private readonly scroller = document.createElement('div');
  private base: HTMLCanvasElement | null = null;
  private baseKey = '';
  private hover: { layer: number; head: number } | null = null;
  private cursor = { layer: 0, head: 0 };
  private readonly scheduleDraw = frameScheduler(() => this.draw());

  constructor(private readonly app: App) {
    this.element.className = 'view model-view';
    this.setSel = setSelect(app);
    // The view's only control: the bar shows only for a run of several sets.
    this.bar.className = 'toolbar';
    this.bar.hidden = true;
    this.bar.append(this.setSel.element);
    this.info.className = 'hover-info';
    this.info.setAttribute('aria-live', 'polite');
    this.canvas.tabIndex = 0;
    // The canvas handles its own keys, so screen readers should pass them through; the text line above
    // (aria-live) announces what the keys select.
    this.canvas.setAttribute('role', 'application');
    this.canvas.setAttribute('aria-roledescription', 'model view');
    this.canvas.setAttribute(
      'aria-label',
      'Model view: a heatmap per layer (rows) and head ' +
        '(columns). Arrow keys move between heads and layers, Enter opens one in the matrix view.',
    );
    this.caption.className = 'caption';
    this.scroller.className = 'model-scroller';
    this.scroller.append(this.canvas);
    this.ablation = new AblationBar(app);
    this.element.append(this.bar, this.ablation.element, this.info, this.caption, this.scroller);
    this.canvas.addEventListener('mousemove', (e) => {
      const cell = this.hit(e);
      if (cell?.layer !== this.hover?.layer || cell?.head !== this.hover?.head) {
        this.hover = cell;
        this.scheduleDraw();
      }
    });
    this.canvas.addEventListener('mouseleave', () => {
      this.hover = null;
      this.scheduleDraw();
    });
    this.canvas.addEventListener('click', (e) => {
      const cell = this.hit(e);
      if (cell && e.shiftKey) this.app.toggleAblated(cell.layer, cell.head);
      else if (cell) this.app.openMatrix(cell.layer, cell.head);
    });
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.scheduleDraw()).observe(this.element);
    window.addEventListener('resize', () => this.scheduleDraw());
  }

  /** Square thumbnails as large as both the panel's width and its height allow (the colour bar beside them). */
  private dims(set = this.app.attentionSet()): GridDims & { width: number; height: number; barX: number } {
    const m = set ?? this.app.data.summary?.model;
    const layers = m?.layers ?? 0;
    const heads = m?.heads ?? 0;
    const model = this.app.data.summary?.model;
    const left = model?.slidingWindow ? LEFT_WINDOWED : LEFT;
    const top = model && queriesPerKvHead(model) > 1 ? TOP + KV_ROW : TOP;
    const bar = colorBarWidth(this.canvas.getContext('2d')!, theme(), SCALE) + 12;
    const availW = Math.max(200, this.scroller.clientWidth - 4) - left - bar;
    const availH = heightToBottom(this.scroller, 160) - top - 4;
    const fit = heads && layers ? Math.floor(Math.min(availW / heads, availH / layers)) - GAP : MIN_CELL;
    const cell = Math.max(MIN_CELL, fit);
    const gridW = left + heads * (cell + GAP);
    return { layers, heads, cell, width: gridW + bar, height: top + layers * (cell + GAP), barX: gridW + 8, left, top };
  }

  private hit(e: MouseEvent): { layer: number; head: number } | null {
    const r = this.canvas.getBoundingClientRect();
    const d = this.dims();
    const head = Math.floor((e.clientX - r.left - d.left) / (d.cell + GAP));
    const layer = Math.floor((e.clientY - r.top - d.top) / (d.cell + GAP));
    return head >= 0 && head < d.heads && layer >= 0 && layer < d.layers ? { layer, head } : null;
  }

  private onKey(e: KeyboardEvent): void {
    const d = this.dims();
    const c = { ...this.cursor };
    if (e.key === 'ArrowRight') c.head = Math.min(d.heads - 1, c.head + 1);
    else if (e.key === 'ArrowLeft') c.head = Math.max(0, c.head - 1);
    else if (e.key === 'ArrowDown') c.layer = Math.min(d.layers - 1, c.layer + 1);
    else if (e.key === 'ArrowUp') c.layer = Math.max(0, c.layer - 1);
    else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.app.openMatrix(c.layer, c.head);
      return;
    } else if (e.key === 'x' || e.key === 'X') {
      e.preventDefault();
      this.app.toggleAblated(c.layer, c.head);
      return;
    } else return;
    e.preventDefault();
    this.cursor = c;
    this.hover = c;
    this.scheduleDraw();
  }

  render(): void {
    updateSetSelect(this.setSel, this.app);
    this.bar.hidden = this.setSel.element.hidden;
    this.ablation.render();
    // render() already runs inside the app's animation frame: draw now, not a frame later.
    this.draw();
  }

  /** Builds the thumbnails' pixels (only when the overview, size or theme changed) and draws the overlay. */
  draw(): void {
    const s = this.app.data.summary;
    const set = this.app.attentionSet();
    const ov = set ? this.app.data.overviews.get(set.name) : undefined;
    this.scroller.style.maxHeight = `${heightToBottom(this.scroller, 160)}px`;
    const d = this.dims();
    const th = theme();
    const ctx = fitCanvas(this.canvas, d.width, d.height);
    ctx.fillStyle = th.background;
    ctx.fillRect(0, 0, d.width, d.height);
    // Where tests and tools find the grid: left, top, cell pitch.
    this.canvas.dataset.grid = `${d.left},${d.top},${d.cell + GAP}`;
    if (!s || !set || !ov) {
      this.info.textContent = s?.attentionUnavailable ?? (s ? 'Waiting for the attention overview…' : 'No result yet.');
      this.caption.textContent = '';
      return;
    }
    const dpr = window.devicePixelRatio || 1;
    const key = `${ov.runId}:${ov.set}:${ov.rows}:${ov.cols}:${d.cell}:${dpr}:${th.kind}:${th.background}`;
    if (key !== this.baseKey || !this.base || this.baseData !== ov.data) {
      const t0 = performance.now();
      this.base = this.buildBase(ov, d, dpr, th.lut.packed);
      this.baseKey = key;
      this.baseData = ov.data;
      this.canvas.dataset.drawMs = (performance.now() - t0).toFixed(2);
    }
    ctx.drawImage(this.base, d.left, d.top, d.heads * (d.cell + GAP), d.layers * (d.cell + GAP));
    drawColorBar(ctx, th, SCALE, d.barX, d.top, Math.min(d.height - d.top - th.fontSize - 8, 240));
    drawLabels(ctx, s.model, d);
    const mark = (c: { layer: number; head: number }, color: string, width: number): void => {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.strokeRect(d.left + c.head * (d.cell + GAP) - 1.5, d.top + c.layer * (d.cell + GAP) - 1.5, d.cell + 3, d.cell + 3);
    };
    const shown = this.app.state.ablated.filter((h) => h.set === undefined || h.set === this.app.state.set);
    for (const h of shown) if (h.layer < d.layers && h.head < d.heads) crossOut(ctx, d, h, th.foreground);
    if (this.app.state.head !== 'mean') mark({ layer: this.app.state.layer, head: this.app.state.head }, th.foreground, 1);
    if (document.activeElement === this.canvas) mark(this.cursor, th.focus, 2);
    if (this.hover) mark(this.hover, th.focus, 2);
    const h = this.hover ?? this.cursor;
    const strongest = mapMax(ov.data, ov.rows * ov.cols, h.layer * d.heads + h.head);
    this.info.textContent =
      `Layer ${h.layer}${layerSuffix(s.model, h.layer)}, ${headName(s.model, h.head)}: strongest weight ${strongest.toFixed(3)}. ` +
      `Click or press Enter to open it at full resolution in the matrix view; shift-click or X to ablate it.`;
    const { queries, keys } = setShape(s, set);
    this.caption.textContent = overviewCaption(queries, keys, ov) + labelsCaption(s.model);
  }

  private baseData: Float32Array | null = null;

  private buildBase(ov: AttentionOverview, d: ReturnType<ModelView['dims']>, dpr: number, lut: Uint32Array): HTMLCanvasElement {
    const { data, rows, cols } = ov;
    const cellPx = Math.max(1, Math.round(d.cell * dpr));
    const gapPx = Math.max(1, Math.round(GAP * dpr));
    const w = d.heads * (cellPx + gapPx);
    const h = d.layers * (cellPx + gapPx);
    const image = new ImageData(w, h);
    const px = new Uint32Array(image.data.buffer);
    // The source rows and columns [from, to) under pixel i of a thumbnail, once for all thumbnails: one cell
    // when the thumbnail is larger than the overview, several when smaller (then their maximum, so no peak is
    // skipped).
    const ys = sourceSpans(rows, cellPx);
    const xs = sourceSpans(cols, cellPx);
    const plane = rows * cols;
    for (let l = 0; l < d.layers; l++) {
      for (let hd = 0; hd < d.heads; hd++) {
        const base = (l * d.heads + hd) * plane;
        const max = mapMax(data, plane, l * d.heads + hd);
        const inv = max > 0 ? 1 / max : 0;
        const x0 = hd * (cellPx + gapPx);
        const y0 = l * (cellPx + gapPx);
        for (let y = 0; y < cellPx; y++) {
          let o = (y0 + y) * w + x0;
          for (let x = 0; x < cellPx; x++) {
            let v = 0;
            for (let r = ys.from[y]; r < ys.to[y]; r++) {
              for (let c = base + r * cols + xs.from[x], end = base + r * cols + xs.to[x]; c < end; c++) if (data[c] > v) v = data[c];
            }
            px[o++] = lut[lutIndex(v, inv)];
          }
        }
      }
    }
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    canvas.getContext('2d')?.putImageData(image, 0, 0);
    return canvas;
  }

  /** The shown set's grid; a run of several sets exports every set's, one under another, each under its label. */
  exportCanvas(): HTMLCanvasElement {
    const s = this.app.data.summary;
    const parts = (s?.attentionSets ?? []).flatMap((set) => {
      const ov = this.app.data.overviews.get(set.name);
      return ov ? [{ set, ov, d: this.dims(set) }] : [];
    });
    if (!s || parts.length < 2) {
      this.draw();
      return this.canvas;
    }
    const th = theme();
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(...parts.map((p) => p.d.width));
    const height = parts.reduce((sum, p) => sum + SET_HEADING + p.d.height + SET_GAP, 0);
    const ctx = fitCanvas(this.canvas, width, height);
    ctx.fillStyle = th.background;
    ctx.fillRect(0, 0, width, height);
    let y = 0;
    for (const { set, ov, d } of parts) {
      const { queries, keys } = setShape(s, set);
      ctx.font = `bold ${th.fontSize - 1}px ${th.fontFamily}`;
      ctx.fillStyle = th.foreground;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      ctx.fillText(`${set.label} · ${queries} × ${keys}${set.causal ? ' · causal' : ''}`, 4, y + SET_HEADING / 2);
      ctx.save();
      ctx.translate(0, y + SET_HEADING);
      ctx.drawImage(this.buildBase(ov, d, dpr, th.lut.packed), d.left, d.top, d.heads * (d.cell + GAP), d.layers * (d.cell + GAP));
      drawColorBar(ctx, th, SCALE, d.barX, d.top, Math.min(d.height - d.top - th.fontSize - 8, 240));
      drawLabels(ctx, s.model, d);
      ctx.restore();
      y += SET_HEADING + d.height + SET_GAP;
    }
    return this.canvas;
  }
}

/** One map's largest weight: the largest of its block maxima (`plane` cells a map). */
function mapMax(data: Float32Array, plane: number, map: number): number {
  let max = 0;
  for (let i = map * plane, end = i + plane; i < end; i++) if (data[i] > max) max = data[i];
  return max;
}

/** For each of `px` pixels, the source cells [from, to) of `cells` under it. */
function sourceSpans(cells: number, px: number): { from: Int32Array; to: Int32Array } {
  const from = new Int32Array(px);
  const to = new Int32Array(px);
  for (let i = 0; i < px; i++) {
    from[i] = Math.min(cells - 1, Math.floor((i * cells) / px));
    to[i] = Math.max(from[i] + 1, Math.min(cells, Math.floor(((i + 1) * cells) / px)));
  }
  return { from, to };
}

/** What a thumbnail shows: all queries × keys weights, or the largest of each block of them. */
function overviewCaption(queries: number, keys: number, ov: AttentionOverview): string {
  const scaled = 'scaled to its own maximum (square-root colour scale)';
  if (ov.rows === queries && ov.cols === keys) return `Each map shows all ${queries} × ${keys} weights, ${scaled}.`;
  const ratio = (n: number, side: number): string => (Number.isInteger(n / side) ? `${n / side}` : (n / side).toFixed(1));
  const exact = Number.isInteger(queries / ov.rows) && Number.isInteger(keys / ov.cols);
  const block = `${exact ? '' : 'about '}${ratio(queries, ov.rows)} × ${ratio(keys, ov.cols)}`;
  // A square set names its tokens once, as it always did; two lists name both.
  const of = queries === keys ? `the ${queries} tokens` : `the ${queries} queries × ${keys} keys`;
  return (
    `Each map shows the largest weight in each block of ${block} of ${of} (${ov.rows} × ${ov.cols} blocks), ` +
    `so diagonals and attention to single tokens stay visible; ${scaled}.`
  );
}

/** An ablated head: its thumbnail crossed out, so the choice shows on the map it removes. */
function crossOut(ctx: CanvasRenderingContext2D, d: GridDims, h: { layer: number; head: number }, color: string): void {
  const x = d.left + h.head * (d.cell + GAP);
  const y = d.top + h.layer * (d.cell + GAP);
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.setLineDash([]);
  ctx.beginPath();
  ctx.moveTo(x + 3, y + 3);
  ctx.lineTo(x + d.cell - 3, y + d.cell - 3);
  ctx.moveTo(x + d.cell - 3, y + 3);
  ctx.lineTo(x + 3, y + d.cell - 3);
  ctx.stroke();
  ctx.restore();
}
