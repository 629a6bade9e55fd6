// Head view: queries on the left, keys on the right (the set's two token lists, the same list for self-attention),
// a line per (query, key) weighted by attention, one set of lines per head in its own colour (as bertviz draws them),
// each head in its own lane of the row so that heads attending alike lie side by side instead of blending into one
// mixed colour. Long inputs scroll: a spacer gives the native scrollbar and a sticky canvas draws only the rows in
// sight, so a 1024-token input costs the same per frame as a 40-token one.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { headName, layerSuffix, pairLine, tokenList, type TokenListName, type TokenView } from '../../src/protocol';
import type { App, View } from '../app';
import { attendedBy, attendsTo, headMap } from '../render/attention';
import { fitCanvas, fitText, frameScheduler, heightToBottom, newPath } from '../render/canvas';
import { theme } from '../render/theme';
import { HeadToggles, layerSelect, Select, setSelect, updateLayerSelect, updateSetSelect } from './controls';
import { describeRanked } from './describe';
import { linkShown, type PairFilter } from './pairNotice';
import { PinToggle } from './pinToggle';

const ROW = 18;
/** Rows' height that lanes of several heads share, leaving a margin to the next row. */
const LANES_SPAN = ROW - 4;
const MIN_WEIGHT = 0.01;
const ALPHA_LEVELS = 12;

type Side = 'query' | 'key';
type Hover = { side: Side; index: number } | null;

/** The shown set's query and key token lists, and their names (an input token is revealed when selected, a target one not). */
interface Columns {
  query: TokenView[];
  key: TokenView[];
  lists: Record<Side, TokenListName>;
}

export class HeadView implements View {
  readonly element = document.createElement('div');
  private readonly setSel;
  private readonly layerSel;
  private readonly toggles;
  private readonly pairSel = new Select('Sentences', (v) => this.app.update({ pairFilter: v as PairFilter }));
  private readonly pairNote = document.createElement('div');
  private readonly info = document.createElement('div');
  /** Which list each side shows, over the two columns (runs of two lists only). */
  private readonly sides = document.createElement('div');
  private readonly scroller = document.createElement('div');
  private readonly spacer = document.createElement('div');
  readonly canvas = document.createElement('canvas');
  private hover: Hover = null;
  private readonly pin;
  private readonly scheduleDraw = frameScheduler(() => this.draw());

  constructor(private readonly app: App) {
    this.setSel = setSelect(app);
    this.layerSel = layerSelect(app);
    this.toggles = new HeadToggles(app);
    this.pin = new PinToggle(app);
    this.element.className = 'view head-view';
    const bar = document.createElement('div');
    bar.className = 'toolbar';
    const all = document.createElement('vscode-button');
    all.textContent = 'All heads';
    all.setAttribute('secondary', '');
    all.addEventListener('click', () => {
      const heads = this.app.attentionSet()?.heads ?? this.app.data.summary?.model.heads ?? 0;
      this.app.update({ heads: Array.from({ length: heads }, (_, h) => h) });
    });
    this.pairSel.element.classList.add('pair-select');
    this.pairNote.className = 'pair-note';
    bar.append(this.setSel.element, this.layerSel.element, this.pairSel.element, this.toggles.element, all, this.pin.element);
    this.info.className = 'hover-info';
    this.info.setAttribute('aria-live', 'polite');
    this.scroller.className = 'head-scroller';
    this.spacer.className = 'spacer';
    this.canvas.className = 'head-canvas';
    this.canvas.tabIndex = 0;
    // The canvas handles its own keys, so screen readers should pass them through; the text line above
    // (aria-live) announces what the keys select.
    this.canvas.setAttribute('role', 'application');
    this.canvas.setAttribute('aria-roledescription', 'head view');
    this.canvas.setAttribute(
      'aria-label',
      'Head view: lines from each query token (left) to the key tokens it attends to (right). Up and down move the selected token, ' +
        'Enter reveals it, Left and Right switch between the query and key side, P pins the selected token (the mouse no longer moves it).',
    );
    this.scroller.append(this.canvas, this.spacer);
    this.sides.className = 'head-sides';
    this.sides.hidden = true;
    this.element.append(bar, this.pairNote, this.info, this.sides, this.scroller);
    this.scroller.addEventListener('scroll', () => this.scheduleDraw(), { passive: true });
    this.canvas.addEventListener('mousemove', (e) => this.onMove(e));
    this.canvas.addEventListener('mouseleave', () => this.setHover(null));
    this.canvas.addEventListener('click', (e) => {
      const hit = this.hit(e);
      // Only the input's tokens have a span in the editor; a target token is selected for its predictions.
      if (hit) this.app.selectIn(this.columns().lists[hit.side], hit.index, true);
    });
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.scheduleDraw()).observe(this.scroller);
  }

  private keySide: Side = 'query';

  /** The run is a sentence pair and the set is over its input on both sides (self-attention): the filter applies. */
  private pairShown(): boolean {
    const set = this.app.attentionSet();
    return !!this.app.data.summary?.pair && (!set || (set.queries === 'input' && set.keys === 'input'));
  }

  /** The heads this view overlays, as a layer request names them (head 0 while none is ticked: a small request). */
  private shownHeads(): number[] {
    return this.app.state.heads.length > 0 ? this.app.state.heads : [0];
  }

  private columns(): Columns {
    const s = this.app.data.summary;
    const set = this.app.attentionSet();
    if (!s || !set) return { query: s?.tokens ?? [], key: s?.tokens ?? [], lists: { query: 'input', key: 'input' } };
    return { query: tokenList(s, set.queries), key: tokenList(s, set.keys), lists: { query: set.queries, key: set.keys } };
  }

  /** Rows of the view: the longer of the two lists. */
  private rows(): number {
    const c = this.columns();
    return Math.max(c.query.length, c.key.length);
  }

  private onKey(e: KeyboardEvent): void {
    const n = this.app.data.summary?.tokens.length ?? 0;
    if (!n) return;
    const cur = this.app.state.selected ?? 0;
    if (e.key === 'ArrowDown') this.app.select(Math.min(n - 1, cur + 1), false);
    else if (e.key === 'ArrowUp') this.app.select(Math.max(0, cur - 1), false);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') this.keySide = e.key === 'ArrowLeft' ? 'query' : 'key';
    else if (e.key === 'Enter') this.app.select(cur, true);
    else if (e.key === 'p' || e.key === 'P') this.app.togglePin();
    else return;
    e.preventDefault();
    const sel = this.app.state.selected ?? 0;
    this.setHover({ side: this.keySide, index: sel });
    this.scrollToRow(sel);
  }

  private scrollToRow(i: number): void {
    const top = i * ROW;
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (top + ROW > this.scroller.scrollTop + this.scroller.clientHeight)
      this.scroller.scrollTop = top + ROW - this.scroller.clientHeight;
  }

  private geometry(): { width: number; height: number; colW: number; first: number; last: number; top: number } {
    const width = Math.max(200, this.scroller.clientWidth);
    const height = Math.max(ROW, this.scroller.clientHeight);
    const colW = Math.min(180, Math.max(70, width * 0.28));
    const n = this.rows();
    const top = this.scroller.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW));
    const last = Math.min(n, Math.ceil((top + height) / ROW) + 1);
    return { width, height, colW, first, last, top };
  }

  private hit(e: MouseEvent): Hover {
    const c = this.columns();
    const r = this.canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    const g = this.geometry();
    const index = Math.floor((y + g.top) / ROW);
    const side: Side | null = x <= g.colW ? 'query' : x >= g.width - g.colW ? 'key' : null;
    return side && index >= 0 && index < c[side].length ? { side, index } : null;
  }

  private onMove(e: MouseEvent): void {
    this.setHover(this.hit(e));
  }

  private setHover(h: Hover): void {
    if (h?.side === this.hover?.side && h?.index === this.hover?.index) return;
    this.hover = h;
    this.scheduleDraw();
  }

  render(): void {
    updateSetSelect(this.setSel, this.app);
    updateLayerSelect(this.layerSel, this.app);
    this.toggles.render();
    this.pin.render();
    const pair = this.pairShown();
    this.pairSel.element.hidden = !pair;
    this.pairNote.hidden = !pair;
    if (pair) {
      const options = [
        { value: 'all', label: 'All links' },
        { value: 'ab', label: 'A → B only' },
        { value: 'ba', label: 'B → A only' },
      ];
      this.pairSel.set(options, this.app.state.pairFilter);
      this.pairNote.textContent = pairLine(this.app.data.summary!);
    }
    this.renderSides();
    this.scroller.style.height = `${heightToBottom(this.scroller, 240)}px`;
    const n = this.rows();
    this.spacer.style.height = `${Math.max(0, n * ROW - Math.max(ROW, this.scroller.clientHeight))}px`;
    // render() already runs inside the app's animation frame: draw now, not a frame later.
    this.draw();
  }

  /** "Queries: target tokens (attending)" over the left column, "Keys: input tokens (attended to)" over the right. */
  private renderSides(): void {
    const two = this.app.data.summary?.target !== undefined;
    this.sides.hidden = !two;
    if (!two) return;
    const { lists } = this.columns();
    const text = `Queries: ${lists.query} tokens (attending)\u0000Keys: ${lists.key} tokens (attended to)`;
    if (this.sides.dataset.text === text) return;
    this.sides.dataset.text = text;
    this.sides.replaceChildren(
      ...text.split('\u0000').map((t) => {
        const span = document.createElement('span');
        span.textContent = t;
        return span;
      }),
    );
  }

  /** Draws the rows in sight; records its own duration in data-draw-ms for the benchmark. */
  draw(): void {
    const t0 = performance.now();
    const s = this.app.data.summary;
    const g = this.geometry();
    const ctx = fitCanvas(this.canvas, g.width, g.height);
    const th = theme();
    ctx.fillStyle = th.background;
    ctx.fillRect(0, 0, g.width, g.height);
    if (!s) return;
    const layer = this.app.shownLayer(this.shownHeads());
    const offset = -g.top;
    const cols = this.columns();
    // A pinned token stays the focus while the mouse moves over others.
    const focus = (this.app.pinned ? null : this.hover) ?? this.selectedFocus(cols);
    // Token columns: the query list on the left, the key list on the right.
    ctx.font = `${th.fontSize - 1}px ${th.fontFamily}`;
    ctx.textBaseline = 'middle';
    for (let i = g.first; i < g.last; i++) {
      const y = i * ROW + offset;
      for (const side of ['query', 'key'] as const) {
        const t = cols[side][i];
        if (!t) continue;
        const isFocus = focus?.side === side && focus.index === i;
        if (i === this.selectedIn(cols.lists[side]) || isFocus) {
          ctx.fillStyle = th.selection;
          ctx.fillRect(side === 'query' ? 0 : g.width - g.colW, y, g.colW, ROW);
        }
        if (isFocus && this.app.pinned) {
          // The pin's mark: a bar in the focus colour at the outer edge of the pinned token.
          ctx.fillStyle = th.focus;
          ctx.fillRect(side === 'query' ? 0 : g.width - 4, y + 2, 4, ROW - 4);
        }
        ctx.fillStyle = t.special ? th.muted : th.foreground;
        ctx.textAlign = side === 'query' ? 'right' : 'left';
        ctx.fillText(fitText(ctx, t.display || t.piece, g.colW - 10), side === 'query' ? g.colW - 6 : g.width - g.colW + 6, y + ROW / 2);
      }
    }
    if (!layer) {
      this.info.textContent = s.attentionUnavailable ?? this.app.data.layerStatus(this.app.state.set, this.app.state.layer);
      return;
    }
    const { queries, keys } = layer;
    const x0 = g.colW + 2;
    const x1 = g.width - g.colW - 2;
    const shown = this.app.state.heads.filter((h) => h < layer.heads);
    const pair = this.pairShown() ? s.pair : undefined;
    const filter = this.app.state.pairFilter;
    const lane = shown.length > 1 ? Math.min(3, LANES_SPAN / (shown.length - 1)) : 0;
    ctx.lineWidth = shown.length > 1 ? Math.max(1, Math.min(1.5, lane)) : 1.5;
    shown.forEach((h, i) => {
      const map = headMap(layer, h);
      const y = ROW / 2 + offset + (i - (shown.length - 1) / 2) * lane;
      const paths = Array.from({ length: ALPHA_LEVELS }, () => newPath(ctx));
      const add = (q: number, k: number): void => {
        const w = map[q * keys + k];
        if (w < MIN_WEIGHT || !linkShown(pair, filter, q, k)) return;
        const level = Math.min(ALPHA_LEVELS - 1, Math.floor(Math.sqrt(w) * ALPHA_LEVELS));
        const p = paths[level];
        p.moveTo(x0, q * ROW + y);
        p.lineTo(x1, k * ROW + y);
      };
      if (focus?.side === 'query') for (let k = 0; k < keys; k++) add(focus.index, k);
      else if (focus?.side === 'key') for (let q = 0; q < queries; q++) add(q, focus.index);
      else for (let q = g.first; q < Math.min(g.last, queries); q++) for (let k = 0; k < keys; k++) add(q, k);
      ctx.strokeStyle = th.headColor(h);
      for (let l = 0; l < ALPHA_LEVELS; l++) {
        ctx.globalAlpha = (l + 1) / ALPHA_LEVELS;
        ctx.stroke(paths[l]);
      }
    });
    ctx.globalAlpha = 1;
    this.describe(focus, cols);
    this.canvas.dataset.drawMs = (performance.now() - t0).toFixed(2);
  }

  private selectedIn(list: TokenListName): number | null {
    return list === 'target' ? this.app.state.targetSelected : this.app.state.selected;
  }

  /** The selected token as the focus: the query side's when it has one (both sides when they show one list), else the key side's. */
  private selectedFocus(cols: Columns): Hover {
    const query = this.selectedIn(cols.lists.query);
    if (query !== null) return { side: 'query', index: query };
    const key = this.selectedIn(cols.lists.key);
    return key !== null ? { side: 'key', index: key } : null;
  }

  private describe(focus: Hover, cols: Columns): void {
    const s = this.app.data.summary;
    const layer = this.app.shownLayer(this.shownHeads());
    const token = focus ? cols[focus.side][focus.index] : undefined;
    if (!s || !layer || !focus || !token) {
      this.info.textContent = 'Hover a token: left = what it attends to, right = what attends to it.';
      return;
    }
    const heads = this.app.state.heads.filter((h) => h < layer.heads);
    const who = JSON.stringify(token.display || token.piece);
    const verb = focus.side === 'query' ? 'attends to' : 'is attended by';
    // A query's ranking names keys, a key's names queries.
    const named = focus.side === 'query' ? cols.key : cols.query;
    const rank = (head: number, k: number): ReturnType<typeof attendsTo> => {
      const map = headMap(layer, head);
      if (focus.side === 'query') return attendsTo(map, layer.keys, focus.index, k);
      return attendedBy(map, layer.queries, layer.keys, focus.index, k);
    };
    if (heads.length === 0) this.info.textContent = 'No head is shown: tick one above.';
    else if (heads.length === 1) {
      const where = `layer ${layer.layer}${layerSuffix(s.model, layer.layer)}, ${headName(s.model, heads[0])}`;
      this.info.textContent = `${who} ${verb} (${where}): ${describeRanked(rank(heads[0], 5), named)}`;
    }
    // Several heads: each head's own strongest link, as each is drawn in its own colour (no mean of heads).
    else {
      const strongest = heads.map((h) => `H${h} ${describeRanked(rank(h, 1), named)}`).join(' · ');
      this.info.textContent = `${who} ${verb} (layer ${layer.layer}${layerSuffix(s.model, layer.layer)}), strongest per head: ${strongest}`;
    }
  }

  exportCanvas(): HTMLCanvasElement {
    this.draw();
    return this.canvas;
  }
}
