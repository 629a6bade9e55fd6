// Attention matrix: query (rows) × key (columns) for one layer and head or the mean. The map is rasterised
// once into a tokens × tokens image; zoom and pan only redraw that image scaled, so both stay instant at 1024
// tokens. Token labels are drawn when a cell is tall enough to read them, otherwise on hover with a crosshair.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { AttentionLayer } from '../../src/protocol';
import type { App, View } from '../app';
import { headMap, scaleCeiling } from '../render/attention';
import { lutIndex } from '../render/colormap';
import { colorBarWidth, drawColorBar } from '../render/colorBar';
import { fitCanvas, frameScheduler, heightToBottom } from '../render/canvas';
import { theme } from '../render/theme';
import { headSelect, layerSelect, updateHeadSelect, updateLayerSelect } from './controls';
import { drawAxisLabels, LABEL_OVERHANG, LEFT, RIGHT, TOP } from './matrixAxes';
import { tokenLabel } from './describe';

export class MatrixView implements View {
  readonly element = document.createElement('div');
  readonly canvas = document.createElement('canvas');
  private readonly layerSel;
  private readonly headSel;
  private readonly tooltip = document.createElement('div');
  private readonly info = document.createElement('div');
  private readonly area = document.createElement('div');
  private base: HTMLCanvasElement | null = null;
  private baseFor: { layer: AttentionLayer; head: number | 'mean'; lut: Uint32Array } | null = null;
  private max = 1;
  private hover: { q: number; k: number } | null = null;
  private cursor = { q: 0, k: 0 };
  private drag: { x: number; y: number; panX: number; panY: number } | null = null;
  private readonly scheduleDraw = frameScheduler(() => this.draw());

  constructor(private readonly app: App) {
    this.layerSel = layerSelect(app);
    this.headSel = headSelect(app);
    this.element.className = 'view matrix-view';
    const bar = document.createElement('div');
    bar.className = 'toolbar';
    const button = (label: string, title: string, action: () => void): HTMLElement => {
      const b = document.createElement('vscode-button');
      b.textContent = label;
      b.title = title;
      b.setAttribute('aria-label', title);
      b.setAttribute('secondary', '');
      b.addEventListener('click', action);
      return b;
    };
    bar.append(
      this.layerSel.element,
      this.headSel.element,
      button('−', 'Zoom out (-)', () => this.zoomBy(1 / 1.5)),
      button('+', 'Zoom in (+)', () => this.zoomBy(1.5)),
      button('Fit', 'Fit the whole matrix (0)', () => this.app.update({ zoom: 0, panX: 0, panY: 0 })),
    );
    this.info.className = 'hover-info';
    this.info.setAttribute('aria-live', 'polite');
    this.area.className = 'matrix-area';
    this.tooltip.className = 'tooltip';
    this.tooltip.hidden = true;
    this.canvas.tabIndex = 0;
    // The canvas handles its own keys, so screen readers should pass them through; the text line above
    // (aria-live) announces what the keys select.
    this.canvas.setAttribute('role', 'application');
    this.canvas.setAttribute('aria-roledescription', 'attention matrix');
    this.canvas.setAttribute('aria-label', 'Attention matrix: rows are query tokens, columns are key tokens. Arrow keys move the cell, + and - zoom, 0 fits, Enter selects the query token.');
    this.area.append(this.canvas, this.tooltip);
    this.element.append(bar, this.info, this.area);
    this.canvas.addEventListener('mousemove', (e) => this.onMove(e));
    this.canvas.addEventListener('mouseleave', () => {
      this.hover = null;
      this.drag = null;
      this.scheduleDraw();
    });
    this.canvas.addEventListener('mousedown', (e) => (this.drag = { x: e.clientX, y: e.clientY, panX: this.app.state.panX, panY: this.app.state.panY }));
    window.addEventListener('mouseup', () => (this.drag = null));
    this.canvas.addEventListener('click', (e) => {
      const cell = this.cellAt(e);
      if (cell && !this.moved(e)) {
        this.cursor = cell;
        this.app.select(cell.q, true);
      }
    });
    this.canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.scheduleDraw()).observe(this.area);
    window.addEventListener('resize', () => this.scheduleDraw());
  }

  private tokens(): number {
    return this.app.data.summary?.tokens.length ?? 0;
  }

  /** CSS px per cell: the fit size when zoom is 0. */
  private cellSize(): number {
    const n = Math.max(1, this.tokens());
    const fit = Math.max(0.25, Math.min(this.plotW(), this.plotH()) / n);
    return this.app.state.zoom > 0 ? Math.max(fit, this.app.state.zoom) : fit;
  }

  private plotW(): number {
    return Math.max(40, this.area.clientWidth - LEFT - RIGHT);
  }

  private plotH(): number {
    return Math.max(40, this.area.clientHeight - TOP - 8);
  }

  private cellAt(e: MouseEvent): { q: number; k: number } | null {
    const r = this.canvas.getBoundingClientRect();
    const c = this.cellSize();
    const k = Math.floor((e.clientX - r.left - LEFT) / c + this.app.state.panX);
    const q = Math.floor((e.clientY - r.top - TOP) / c + this.app.state.panY);
    const n = this.tokens();
    return q >= 0 && k >= 0 && q < n && k < n && e.clientX - r.left >= LEFT && e.clientY - r.top >= TOP ? { q, k } : null;
  }

  private moved(e: MouseEvent): boolean {
    return this.drag !== null && Math.abs(e.clientX - this.drag.x) + Math.abs(e.clientY - this.drag.y) > 3;
  }

  private onMove(e: MouseEvent): void {
    if (this.drag && (e.buttons & 1) !== 0) {
      const c = this.cellSize();
      this.pan(this.drag.panX - (e.clientX - this.drag.x) / c, this.drag.panY - (e.clientY - this.drag.y) / c);
      return;
    }
    this.hover = this.cellAt(e);
    const r = this.area.getBoundingClientRect();
    this.tooltip.style.left = `${Math.min(e.clientX - r.left + 14, r.width - 240)}px`;
    this.tooltip.style.top = `${e.clientY - r.top + 14}px`;
    this.scheduleDraw();
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const r = this.canvas.getBoundingClientRect();
    this.zoomBy(e.deltaY < 0 ? 1.25 : 0.8, e.clientX - r.left - LEFT, e.clientY - r.top - TOP);
  }

  /** Zooms keeping the cell under (px, py) — the plot's centre by default — where it is. */
  private zoomBy(factor: number, px = this.plotW() / 2, py = this.plotH() / 2): void {
    const old = this.cellSize();
    const next = Math.min(64, Math.max(0.25, old * factor));
    const { panX, panY } = this.app.state;
    const fitting = next * this.tokens() <= Math.min(this.plotW(), this.plotH()) + 0.5;
    this.app.update({ zoom: fitting ? 0 : next });
    this.pan(fitting ? 0 : panX + px / old - px / next, fitting ? 0 : panY + py / old - py / next);
  }

  private pan(x: number, y: number): void {
    const c = this.cellSize();
    const n = this.tokens();
    const clamp = (v: number, span: number): number => Math.max(0, Math.min(Math.max(0, n - span / c), v));
    this.app.update({ panX: clamp(x, this.plotW()), panY: clamp(y, this.plotH()) });
  }

  private onKey(e: KeyboardEvent): void {
    const n = this.tokens();
    if (!n) return;
    const c = { ...this.cursor };
    switch (e.key) {
      case 'ArrowRight': c.k = Math.min(n - 1, c.k + 1); break;
      case 'ArrowLeft': c.k = Math.max(0, c.k - 1); break;
      case 'ArrowDown': c.q = Math.min(n - 1, c.q + 1); break;
      case 'ArrowUp': c.q = Math.max(0, c.q - 1); break;
      case '+': case '=': this.zoomBy(1.5); break;
      case '-': this.zoomBy(1 / 1.5); break;
      case '0': this.app.update({ zoom: 0, panX: 0, panY: 0 }); break;
      case 'Enter': this.app.select(c.q, true); break;
      default: return;
    }
    e.preventDefault();
    this.cursor = c;
    this.hover = c;
    this.keepInView(c);
    // Keyboard use: put the tooltip next to the cell, not where the mouse last was.
    const size = this.cellSize();
    const r = this.area.getBoundingClientRect();
    this.tooltip.style.left = `${Math.min(LEFT + (c.k - this.app.state.panX + 1) * size + 8, r.width - 240)}px`;
    this.tooltip.style.top = `${TOP + (c.q - this.app.state.panY + 1) * size + 8}px`;
    this.scheduleDraw();
  }

  private keepInView(c: { q: number; k: number }): void {
    const size = this.cellSize();
    const cols = this.plotW() / size;
    const rows = this.plotH() / size;
    let { panX, panY } = this.app.state;
    if (c.k < panX) panX = c.k;
    else if (c.k + 1 > panX + cols) panX = c.k + 1 - cols;
    if (c.q < panY) panY = c.q;
    else if (c.q + 1 > panY + rows) panY = c.q + 1 - rows;
    if (panX !== this.app.state.panX || panY !== this.app.state.panY) this.pan(panX, panY);
  }

  render(): void {
    updateLayerSelect(this.layerSel, this.app);
    updateHeadSelect(this.headSel, this.app);
    // render() already runs inside the app's animation frame: draw now, not a frame later.
    this.draw();
  }

  private ensureBase(layer: AttentionLayer, head: number | 'mean', lut: Uint32Array): HTMLCanvasElement {
    const b = this.baseFor;
    if (this.base && b && b.layer === layer && b.head === head && b.lut === lut) return this.base;
    const n = layer.tokens;
    const map = headMap(layer, head);
    // Next-token runs have causal self-attention (the attention sets' own `causal` flag replaces this).
    this.max = scaleCeiling(map, n, this.app.data.summary?.predictions.task === 'next-token');
    const inv = 1 / this.max;
    const image = new ImageData(n, n);
    const px = new Uint32Array(image.data.buffer);
    for (let i = 0; i < map.length; i++) px[i] = lut[lutIndex(map[i], inv)];
    const canvas = document.createElement('canvas');
    canvas.width = n;
    canvas.height = n;
    canvas.getContext('2d')?.putImageData(image, 0, 0);
    this.base = canvas;
    this.baseFor = { layer, head, lut };
    return canvas;
  }

  draw(): void {
    const t0 = performance.now();
    const th = theme();
    this.area.style.height = `${heightToBottom(this.area, 280)}px`;
    const w = this.area.clientWidth || 600;
    const h = this.area.clientHeight || 400;
    const ctx = fitCanvas(this.canvas, w, h);
    ctx.fillStyle = th.background;
    ctx.fillRect(0, 0, w, h);
    const s = this.app.data.summary;
    const layer = this.app.data.layer(this.app.state.layer);
    if (!s || !layer) {
      this.tooltip.hidden = true;
      this.info.textContent = s?.attentionUnavailable ?? (s ? this.app.data.layerStatus(this.app.state.layer) : 'No result yet.');
      return;
    }
    const head = this.app.state.head;
    const base = this.ensureBase(layer, head, th.lut.packed);
    const n = layer.tokens;
    const c = this.cellSize();
    const { panX, panY } = this.app.state;
    const cols = Math.min(n - panX, this.plotW() / c);
    const rows = Math.min(n - panY, this.plotH() / c);
    // Where tests and tools find the plot: left, top, px per token, first key and query in view.
    this.canvas.dataset.plot = `${LEFT},${TOP},${c},${panX},${panY}`;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(base, panX, panY, cols, rows, LEFT, TOP, cols * c, rows * c);
    const focus = this.hover;
    drawAxisLabels(ctx, { tokens: s.tokens, n, cell: c, panX, panY, cols, rows, focus, selected: this.app.state.selected, theme: th });
    if (document.activeElement === this.canvas) {
      ctx.strokeStyle = th.focus;
      ctx.lineWidth = 2;
      ctx.strokeRect(LEFT + (this.cursor.k - panX) * c - 1, TOP + (this.cursor.q - panY) * c - 1, c + 2, c + 2);
    }
    // Beside the plot, below the column labels and right of where the last of them ends: it covers no label.
    const bar = { top: `≥${this.max.toFixed(3)}`, bottom: '0', note: '√ scale' };
    const barX = LEFT + cols * c + LABEL_OVERHANG;
    if (barX + colorBarWidth(ctx, th, bar) <= w) drawColorBar(ctx, th, bar, barX, TOP, Math.min(rows * c, 200));
    const scope = head === 'mean' ? 'mean of heads' : `head ${head}`;
    if (focus) {
      const text = `${tokenLabel(s.tokens[focus.q])} → ${tokenLabel(s.tokens[focus.k])}: ${headMap(layer, head)[focus.q * n + focus.k].toFixed(4)}`;
      this.tooltip.textContent = text;
      this.tooltip.hidden = false;
      this.info.textContent = `Layer ${layer.layer}, ${scope} · query #${focus.q} → key #${focus.k} · ${text}`;
    } else {
      this.tooltip.hidden = true;
      this.info.textContent = `Layer ${layer.layer}, ${scope} · ${n}×${n} · zoom ${c.toFixed(2)} px/token · wheel or +/− to zoom, drag to pan, hover for values.`;
    }
    this.canvas.dataset.drawMs = (performance.now() - t0).toFixed(2);
  }

  exportCanvas(): HTMLCanvasElement {
    this.draw();
    return this.canvas;
  }
}
