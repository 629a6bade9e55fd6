// Attention matrix: query (rows) × key (columns) for one layer and head or the mean, of the shown attention set
// (non-square when its two token lists differ). The map is rasterised once into a keys × queries image; zoom and
// pan only redraw it scaled, instant at 1024 tokens. Token labels show when a cell is tall enough, else on hover.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { headName, layerSuffix, tokenList, type AttentionLayer, type TokenListName, type TokenView } from '../../src/protocol';
import type { App, View } from '../app';
import { headMap, scaleCeiling } from '../render/attention';
import { heatmapCanvas } from '../render/heatmap';
import { colorBarWidth, drawColorBar } from '../render/colorBar';
import { fitCanvas, frameScheduler, heightToBottom } from '../render/canvas';
import { theme } from '../render/theme';
import { RolloutData } from '../rolloutData';
import { MATRIX_SHOWS, type MatrixShows } from '../state';
import { headSelect, layerSelect, Select, setSelect, updateHeadSelect, updateLayerSelect, updateSetSelect } from './controls';
import { drawAxisLabels, LABEL_OVERHANG, LEFT, RIGHT, TOP } from './matrixAxes';
import { tokenLabel } from './describe';
import { QueryKeyPanel } from './queryKeyView';

export class MatrixView implements View {
  readonly element = document.createElement('div');
  readonly canvas = document.createElement('canvas');
  private readonly setSel;
  private readonly layerSel;
  private readonly headSel;
  /** Attention of a head (or the mean), or the attention rollout of the layer. */
  private readonly showSel = new Select('Show', (v) => this.app.update({ matrixShows: v as MatrixShows }));
  private readonly rollout: RolloutData;
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
  /** The query·key view of the shown head at the selected query, shown instead of the matrix while toggled on. */
  private readonly queryKey: QueryKeyPanel;
  private readonly queryKeyToggle: HTMLElement;

  constructor(private readonly app: App) {
    this.setSel = setSelect(app);
    this.layerSel = layerSelect(app);
    this.headSel = headSelect(app);
    this.rollout = new RolloutData(app);
    this.showSel.element.classList.add('show-select');
    this.queryKey = new QueryKeyPanel(app, () => this.queryRow());
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
      this.setSel.element,
      this.showSel.element,
      this.layerSel.element,
      this.headSel.element,
      button('−', 'Zoom out (-)', () => this.zoomBy(1 / 1.5)),
      button('+', 'Zoom in (+)', () => this.zoomBy(1.5)),
      button('Fit', 'Fit the whole matrix (0)', () => this.app.update({ zoom: 0, panX: 0, panY: 0 })),
    );
    this.queryKeyToggle = button('q·k', "Query·key view: the selected query token's q, each key's k, q ⊙ k and the scores", () =>
      this.showQueryKey(this.queryKeyToggle.getAttribute('aria-pressed') !== 'true'),
    );
    this.queryKeyToggle.classList.add('qk-toggle');
    this.queryKeyToggle.setAttribute('aria-pressed', 'false');
    bar.append(this.queryKeyToggle);
    this.queryKey.element.hidden = true;
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
    this.canvas.setAttribute(
      'aria-label',
      'Attention matrix: rows are query tokens, columns are key tokens. Arrow keys move the cell, ' +
        '+ and - zoom, 0 fits, Enter selects the query token.',
    );
    this.area.append(this.canvas, this.tooltip);
    this.element.append(bar, this.info, this.area, this.queryKey.element);
    this.canvas.addEventListener('mousemove', (e) => this.onMove(e));
    this.canvas.addEventListener('mouseleave', () => {
      this.hover = null;
      this.drag = null;
      this.scheduleDraw();
    });
    this.canvas.addEventListener(
      'mousedown',
      (e) => (this.drag = { x: e.clientX, y: e.clientY, panX: this.app.state.panX, panY: this.app.state.panY }),
    );
    window.addEventListener('mouseup', () => (this.drag = null));
    this.canvas.addEventListener('click', (e) => {
      const cell = this.cellAt(e);
      if (cell && !this.moved(e)) {
        this.cursor = cell;
        this.selectCell(cell);
      }
    });
    this.canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.scheduleDraw()).observe(this.area);
    window.addEventListener('resize', () => this.scheduleDraw());
  }

  /** The shown set's query (row) and key (column) lists; the input for both while the run has no set. */
  private lists(): { rows: TokenView[]; cols: TokenView[]; rowList: TokenListName; colList: TokenListName } {
    const s = this.app.data.summary;
    const set = this.app.attentionSet();
    const rowList = set?.queries ?? 'input';
    const colList = set?.keys ?? 'input';
    return { rows: s ? tokenList(s, rowList) : [], cols: s ? tokenList(s, colList) : [], rowList, colList };
  }

  /** Rows (queries) and columns (keys) of the matrix. */
  private size(): { rows: number; cols: number } {
    const l = this.lists();
    return { rows: l.rows.length, cols: l.cols.length };
  }

  /** Selects the cell's input token: its query, or its key when the queries are another list. */
  private selectCell(cell: { q: number; k: number }): void {
    const l = this.lists();
    if (l.rowList === 'input') this.app.select(cell.q, true);
    else if (l.colList === 'input') this.app.select(cell.k, true);
  }

  /** CSS px per cell: the fit size when zoom is 0. */
  private cellSize(): number {
    const { rows, cols } = this.size();
    const fit = Math.max(0.25, Math.min(this.plotW() / Math.max(1, cols), this.plotH() / Math.max(1, rows)));
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
    const { rows, cols } = this.size();
    return q >= 0 && k >= 0 && q < rows && k < cols && e.clientX - r.left >= LEFT && e.clientY - r.top >= TOP ? { q, k } : null;
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
    const { rows, cols } = this.size();
    const fitting = next * cols <= this.plotW() + 0.5 && next * rows <= this.plotH() + 0.5;
    this.app.update({ zoom: fitting ? 0 : next });
    this.pan(fitting ? 0 : panX + px / old - px / next, fitting ? 0 : panY + py / old - py / next);
  }

  private pan(x: number, y: number): void {
    const c = this.cellSize();
    const { rows, cols } = this.size();
    const clamp = (v: number, n: number, span: number): number => Math.max(0, Math.min(Math.max(0, n - span / c), v));
    this.app.update({ panX: clamp(x, cols, this.plotW()), panY: clamp(y, rows, this.plotH()) });
  }

  private onKey(e: KeyboardEvent): void {
    const { rows, cols } = this.size();
    if (!rows || !cols) return;
    const c = { q: Math.min(this.cursor.q, rows - 1), k: Math.min(this.cursor.k, cols - 1) };
    switch (e.key) {
      case 'ArrowRight':
        c.k = Math.min(cols - 1, c.k + 1);
        break;
      case 'ArrowLeft':
        c.k = Math.max(0, c.k - 1);
        break;
      case 'ArrowDown':
        c.q = Math.min(rows - 1, c.q + 1);
        break;
      case 'ArrowUp':
        c.q = Math.max(0, c.q - 1);
        break;
      case '+':
      case '=':
        this.zoomBy(1.5);
        break;
      case '-':
        this.zoomBy(1 / 1.5);
        break;
      case '0':
        this.app.update({ zoom: 0, panX: 0, panY: 0 });
        break;
      case 'Enter':
        this.selectCell(c);
        break;
      default:
        return;
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

  /** The query the query·key view reads: the selected token where the rows are the input, else the cursor's row. */
  private queryRow(): number {
    const { rowList, rows } = this.lists();
    const selected = rowList === 'input' ? this.app.state.selected : null;
    return Math.min(selected ?? this.cursor.q, Math.max(0, rows.length - 1));
  }

  private showQueryKey(on: boolean): void {
    this.queryKeyToggle.setAttribute('aria-pressed', String(on));
    this.queryKeyToggle.toggleAttribute('secondary', !on);
    this.queryKey.element.hidden = !on;
    this.area.hidden = on;
    this.info.hidden = on;
    this.app.invalidate();
  }

  render(): void {
    updateSetSelect(this.setSel, this.app);
    updateLayerSelect(this.layerSel, this.app);
    updateHeadSelect(this.headSel, this.app);
    const labels: Record<MatrixShows, string> = { attention: 'Attention', rollout: 'Rollout' };
    this.showSel.set(
      MATRIX_SHOWS.map((value) => ({ value, label: labels[value] })),
      this.app.state.matrixShows,
    );
    // The query·key view reads one head, whatever the matrix shows.
    const queryKeyShown = !this.queryKey.element.hidden;
    this.headSel.element.hidden = this.app.state.matrixShows === 'rollout' && !queryKeyShown;
    if (queryKeyShown) {
      this.queryKey.render();
      return;
    }
    // render() already runs inside the app's animation frame: draw now, not a frame later.
    this.draw();
  }

  private ensureBase(layer: AttentionLayer, head: number | 'mean', lut: Uint32Array): HTMLCanvasElement {
    const b = this.baseFor;
    if (this.base && b && b.layer === layer && b.head === head && b.lut === lut) return this.base;
    const map = headMap(layer, head);
    // A causal set's first rows have few keys: scaleCeiling leaves them out of the colour scale's top.
    this.max = scaleCeiling(map, layer.queries, layer.keys, this.app.attentionSet()?.causal ?? false);
    const canvas = (this.base = heatmapCanvas(map, layer.queries, layer.keys, this.max, lut));
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
    const shown = this.shownMatrix();
    const layer = shown && 'data' in shown ? shown : undefined;
    if (!s || !layer) {
      this.tooltip.hidden = true;
      this.info.textContent = s?.attentionUnavailable ?? (shown && 'failed' in shown ? shown.failed : this.loadingText());
      return;
    }
    const rollout = this.app.state.matrixShows === 'rollout';
    const head = rollout ? 0 : this.app.state.head;
    const base = this.ensureBase(layer, head, th.lut.packed);
    const { queries, keys } = layer;
    const lists = this.lists();
    const c = this.cellSize();
    const { panX, panY } = this.app.state;
    const cols = Math.min(keys - panX, this.plotW() / c);
    const rows = Math.min(queries - panY, this.plotH() / c);
    // Where tests and tools find the plot: left, top, px per token, first key and query in view.
    this.canvas.dataset.plot = `${LEFT},${TOP},${c},${panX},${panY}`;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(base, panX, panY, cols, rows, LEFT, TOP, cols * c, rows * c);
    const focus = this.hover;
    // Each axis is titled with its list when the run has two (self-attention keeps its plain titles).
    const titled = s.target !== undefined;
    const [rowList, colList] = titled ? [lists.rowList, lists.colList] : [undefined, undefined];
    const selected = lists.rowList === 'input' ? this.app.state.selected : null;
    const axes = { rowTokens: lists.rows, colTokens: lists.cols, rowList, colList };
    drawAxisLabels(ctx, { ...axes, cell: c, panX, panY, cols, rows, focus, selected, theme: th });
    if (document.activeElement === this.canvas) {
      ctx.strokeStyle = th.focus;
      ctx.lineWidth = 2;
      ctx.strokeRect(LEFT + (this.cursor.k - panX) * c - 1, TOP + (this.cursor.q - panY) * c - 1, c + 2, c + 2);
    }
    // Beside the plot, below the column labels and right of where the last of them ends: it covers no label.
    const bar = { top: `≥${this.max.toFixed(3)}`, bottom: '0', note: '√ scale' };
    const barX = LEFT + cols * c + LABEL_OVERHANG;
    if (barX + colorBarWidth(ctx, th, bar) <= w) drawColorBar(ctx, th, bar, barX, TOP, Math.min(rows * c, 200));
    const where = rollout
      ? `Attention rollout R of layers 0–${layer.layer} (mean of heads + identity, multiplied through the layers)`
      : `Layer ${layer.layer}${layerSuffix(s.model, layer.layer)}, ${headName(s.model, head)}`;
    if (focus) {
      const weight = headMap(layer, head)[focus.q * keys + focus.k].toFixed(4);
      const text = `${tokenLabel(lists.rows[focus.q])} → ${tokenLabel(lists.cols[focus.k])}: ${weight}`;
      this.tooltip.textContent = text;
      this.tooltip.hidden = false;
      this.info.textContent = `${where} · query #${focus.q} → key #${focus.k} · ${text}`;
    } else {
      this.tooltip.hidden = true;
      const zoom = `zoom ${c.toFixed(2)} px/token · wheel or +/− to zoom, drag to pan, hover for values.`;
      const shading = lists.colList === 'input' ? ' · a selected token shades the text by its row' : '';
      this.info.textContent = `${where} · ${queries}×${keys} · ${zoom}${rollout ? shading : ''}`;
    }
    this.canvas.dataset.drawMs = (performance.now() - t0).toFixed(2);
  }

  /**
   * What the matrix shows: the head's (or the mean's) layer, or R of the layer (the rollout's one map), with the
   * editor shaded by the selected token's row; undefined while it loads, or the reason it cannot be shown.
   */
  private shownMatrix(): AttentionLayer | { failed: string } | undefined {
    const set = this.app.attentionSet();
    if (this.app.state.matrixShows !== 'rollout' || !set) {
      if (set) this.rollout.shade(set.name, this.app.state.layer, null);
      return this.app.shownLayer(this.app.state.head);
    }
    if (set.queries !== set.keys)
      return { failed: `Attention rollout is defined for self-attention: choose another set than ${set.label}.` };
    const selected = set.queries === 'input' ? this.app.state.selected : null;
    this.rollout.shade(set.name, this.app.state.layer, selected);
    return this.rollout.layer(set.name, this.app.state.layer);
  }

  private loadingText(): string {
    if (!this.app.data.summary) return 'No result yet.';
    if (this.app.state.matrixShows === 'rollout') return `Computing the rollout to layer ${this.app.state.layer}…`;
    return this.app.data.layerStatus(this.app.state.set, this.app.state.layer);
  }

  exportCanvas(): HTMLCanvasElement {
    this.draw();
    return this.canvas;
  }
}
