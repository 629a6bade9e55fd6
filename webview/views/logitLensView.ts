// Logit lens: a layers × tokens grid, each cell one layer's output at one token read through the model's own final
// norm and head. A cell is coloured by the probability that layer gives the model's final top-1 there (causal
// models: or the token that actually follows) and labelled with the layer's own top-1; hovering it lists its top-k.
// The view asks for the tokens it can show: a window around the selected one (else the run's first ranked one) as
// wide as fits, at most LENS_SHOWN; the wheel or the arrows move it. The lens costs a vocabulary projection per layer
// and token, so none is computed for tokens not seen; once the view is in use, each inspect carries its first window.
// An encoder–decoder run's tokens are its target's, read through the decoder's layers.
import { LENS_SHOWN, lensWindow, predictionList, predictionTokens, type LogitLensView as LensData } from '../../src/protocol';
import type { App, View } from '../app';
import { fitCanvas, fitText, frameScheduler } from '../render/canvas';
import { formatProbability } from '../render/sampling';
import { theme } from '../render/theme';
import { Select } from './controls';
import { tokenLabel } from './describe';

const LABEL_WIDTH = 92;
const ROW_HEIGHT = 22;
const HEADER_HEIGHT = 18;
const MIN_CELL_WIDTH = 14;
/** The narrowest cell the window is sized for: a short top-1 still reads in it. */
const READABLE_CELL_WIDTH = 44;

type ColourBy = 'final' | 'next';

/** What one cell says, in words: which cell, the layer's top-k, and the tracked tokens' probabilities. */
export function describeCell(
  lens: LensData,
  layer: number,
  i: number,
  tokenText: string,
): { head: string; top: string[]; tracked: string[] } {
  const cell = lens.layers[layer][i];
  const last = lens.layers.length - 1;
  const head = `Layer ${layer}${layer === last ? ' (the output)' : ''} at #${lens.positions[i]} ${JSON.stringify(tokenText)}`;
  const top = cell.top.map((t) => `${JSON.stringify(t.token)} ${formatProbability(t.probability)}`);
  const tracked = [`p(final top-1 ${JSON.stringify(lens.final[i].token)}) = ${formatProbability(cell.finalProbability)}`];
  const next = lens.next?.[i];
  if (next && cell.nextProbability != null)
    tracked.push(`p(next ${JSON.stringify(next.token)}) = ${formatProbability(cell.nextProbability)}`);
  return { head, top, tracked };
}

/** Black or white text, whichever reads on an rgb(r,g,b) cell. */
function textOn(css: string): string {
  const [r, g, b] = (css.match(/\d+/g) ?? ['0', '0', '0']).map(Number);
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? '#000' : '#fff';
}

export class LogitLensView implements View {
  readonly element = document.createElement('div');
  private readonly canvas = document.createElement('canvas');
  private readonly area = document.createElement('div');
  private readonly tooltip = document.createElement('div');
  private readonly info = document.createElement('div');
  private readonly colourBy: Select;
  private readonly earlier = document.createElement('button');
  private readonly later = document.createElement('button');
  private readonly scheduleDraw = frameScheduler(() => this.draw());
  /** The lens of the shown window, by `${runId}:${positions}`; a failure keeps its reason. */
  private lens: { key: string; data?: LensData; failed?: string } = { key: '' };
  private by: ColourBy = 'final';
  private hover: { layer: number; i: number } | null = null;
  /** How far the wheel or the arrows moved the window from the selected token, which it is `shiftFrom` (run:token). */
  private shift = 0;
  private shiftFrom = '';
  /** Where the mouse is, in the viewport: the hover's list is placed beside it (fixed, so no panel clips it). */
  private mouse = { x: 0, y: 0 };

  constructor(private readonly app: App) {
    this.element.className = 'view logit-lens';
    const note = document.createElement('div');
    note.className = 'note';
    note.textContent =
      "Each layer's output read through the model's own final norm and output head (the logit lens). A cell shows that layer's " +
      'top-1 and is coloured by the probability it gives the colour-by token; hover a cell for its top-k, click it to select the token.';
    this.colourBy = new Select('Colour by', (v) => {
      this.by = v === 'next' ? 'next' : 'final';
      this.scheduleDraw();
    });
    this.colourBy.element.classList.add('lens-colour-by');
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.tooltip.className = 'tooltip';
    this.tooltip.hidden = true;
    this.info.className = 'hover-info';
    this.area.className = 'matrix-area';
    this.area.append(this.canvas, this.tooltip);
    this.earlier.textContent = '◀';
    this.later.textContent = '▶';
    this.earlier.title = 'Earlier tokens';
    this.later.title = 'Later tokens';
    this.earlier.className = 'lens-earlier';
    this.later.className = 'lens-later';
    this.earlier.addEventListener('click', () => this.move(-1));
    this.later.addEventListener('click', () => this.move(1));
    const bar = document.createElement('div');
    bar.className = 'lens-bar';
    bar.append(this.colourBy.element, this.earlier, this.later);
    this.element.append(note, bar, this.area, this.info);
    this.canvas.addEventListener(
      'wheel',
      (e) => {
        const delta = Math.abs(e.deltaX) > Math.abs(e.deltaY) ? e.deltaX : e.deltaY;
        if (delta === 0 || !this.lens.data) return;
        e.preventDefault();
        this.move(Math.sign(delta));
      },
      { passive: false },
    );
    this.canvas.addEventListener('mousemove', (e) => {
      this.hover = this.cellAt(e);
      this.mouse = { x: e.clientX, y: e.clientY };
      this.scheduleDraw();
    });
    this.canvas.addEventListener('mouseleave', () => {
      this.hover = null;
      this.scheduleDraw();
    });
    this.canvas.addEventListener('click', (e) => {
      const cell = this.cellAt(e);
      const s = this.app.data.summary;
      if (cell && s && this.lens.data) this.app.selectIn(predictionList(s), this.lens.data.positions[cell.i], true);
    });
    new ResizeObserver(() => {
      // A wider or narrower view shows more or fewer tokens.
      if (this.element.clientWidth > 0 && this.lens.key !== '') this.ask();
      this.scheduleDraw();
    }).observe(this.element);
  }

  render(): void {
    this.ask();
    this.draw();
  }

  exportCanvas(): HTMLCanvasElement {
    this.draw();
    return this.canvas;
  }

  /** How many tokens fit across the view (LENS_SHOWN before it is laid out). */
  private fits(): number {
    const width = this.element.clientWidth;
    return width > 0 ? Math.max(1, Math.floor((width - LABEL_WIDTH) / READABLE_CELL_WIDTH)) : LENS_SHOWN;
  }

  /** The window shown: as many tokens as fit around the selected one, moved by the wheel or the arrows. */
  private window(): number[] {
    const s = this.app.data.summary!;
    const selected = this.app.predictionSelection();
    const n = predictionTokens(s).length;
    const firstRanked = s.predictions.ranked[0]?.position;
    const from = `${s.runId}:${selected}`;
    if (from !== this.shiftFrom) [this.shift, this.shiftFrom] = [0, from];
    const count = this.fits();
    if (this.shift === 0) return lensWindow(n, selected, firstRanked, count);
    const centre = Math.max(0, Math.min(n - 1, (selected ?? firstRanked ?? 0) + this.shift));
    return lensWindow(n, centre, firstRanked, count);
  }

  /** Moves the window by half its width, earlier (−1) or later (+1). */
  private move(direction: number): void {
    const s = this.app.data.summary;
    const shown = this.lens.data?.positions;
    if (!s || !shown) return;
    const step = direction * Math.max(1, Math.floor(shown.length / 2));
    // From the centre of the window shown: near either end of the text it is not the token it is shown around.
    const centre = shown[Math.floor(shown.length / 2)];
    const moved = Math.max(0, Math.min(predictionTokens(s).length - 1, centre + step));
    this.shift = moved - (this.app.predictionSelection() ?? s.predictions.ranked[0]?.position ?? 0);
    this.ask();
    this.scheduleDraw();
  }

  /** Asks the host for the shown window's lens once per run and window. */
  private ask(): void {
    const s = this.app.data.summary;
    if (!s || s.logitLensUnavailable !== null) return;
    const positions = this.window();
    const key = `${s.runId}:${positions[0]}:${positions.length}`;
    if (key === this.lens.key) return;
    this.lens = { key };
    this.hover = null;
    this.app.host.request('logitLens', { runId: s.runId, positions }).then(
      (data) => {
        if (this.lens.key !== key) return;
        this.lens = { key, data };
        this.scheduleDraw();
      },
      (error: Error) => {
        if (this.lens.key !== key) return;
        this.lens = { key, failed: error.message };
        this.scheduleDraw();
      },
    );
  }

  private geometry(lens: LensData): { cell: number; width: number; height: number } {
    const width = Math.max(200, this.element.clientWidth);
    const cell = Math.max(MIN_CELL_WIDTH, (width - LABEL_WIDTH) / lens.positions.length);
    return { cell, width: LABEL_WIDTH + cell * lens.positions.length, height: lens.layers.length * ROW_HEIGHT + HEADER_HEIGHT };
  }

  private cellAt(e: MouseEvent): { layer: number; i: number } | null {
    const lens = this.lens.data;
    if (!lens) return null;
    const r = this.canvas.getBoundingClientRect();
    const { cell } = this.geometry(lens);
    const i = Math.floor((e.clientX - r.left - LABEL_WIDTH) / cell);
    const row = Math.floor((e.clientY - r.top) / ROW_HEIGHT);
    const layer = lens.layers.length - 1 - row;
    return i >= 0 && i < lens.positions.length && layer >= 0 && row >= 0 ? { layer, i } : null;
  }

  private value(lens: LensData, layer: number, i: number): number | null {
    const cell = lens.layers[layer][i];
    return this.by === 'next' ? (cell.nextProbability ?? null) : cell.finalProbability;
  }

  draw(): void {
    const s = this.app.data.summary;
    const lens = this.lens.data;
    const causal = lens?.next !== undefined;
    this.colourBy.element.hidden = !lens;
    const count = s ? predictionTokens(s).length : 0;
    this.earlier.hidden = this.later.hidden = !lens || !s || lens.positions.length >= count;
    if (lens && s) {
      this.earlier.disabled = lens.positions[0] === 0;
      this.later.disabled = lens.positions.at(-1) === count - 1;
    }
    this.colourBy.set(
      [{ value: 'final', label: "The model's final top-1" }, ...(causal ? [{ value: 'next', label: 'The actual next token' }] : [])],
      causal ? this.by : 'final',
    );
    if (!causal) this.by = 'final';
    if (!s || !lens) {
      fitCanvas(this.canvas, 1, 1);
      this.tooltip.hidden = true;
      this.info.textContent = !s
        ? 'No result yet.'
        : (s.logitLensUnavailable ??
          (this.lens.failed ? `The logit lens could not be computed: ${this.lens.failed}` : 'Computing the logit lens…'));
      return;
    }
    const th = theme();
    const { cell, width, height } = this.geometry(lens);
    const ctx = fitCanvas(this.canvas, width, height);
    ctx.fillStyle = th.background;
    ctx.fillRect(0, 0, width, height);
    const font = `${th.fontSize - 2}px ${th.fontFamily}`;
    ctx.font = font;
    ctx.textBaseline = 'middle';
    const last = lens.layers.length - 1;
    for (let layer = last; layer >= 0; layer--) {
      const y = (last - layer) * ROW_HEIGHT;
      ctx.fillStyle = th.muted;
      ctx.textAlign = 'left';
      ctx.fillText(layer === last ? `Layer ${layer} (out)` : `Layer ${layer}`, 2, y + ROW_HEIGHT / 2);
      lens.positions.forEach((_, i) => {
        const v = this.value(lens, layer, i);
        const x = LABEL_WIDTH + i * cell;
        const colour = v === null ? th.border : th.lut.css[Math.round(Math.min(1, Math.max(0, v)) * 255)];
        ctx.fillStyle = colour;
        ctx.fillRect(x, y, cell - 1, ROW_HEIGHT - 1);
        const text = fitText(ctx, lens.layers[layer][i].top[0]?.token ?? '', cell - 4);
        if (text) {
          ctx.fillStyle = textOn(colour);
          ctx.textAlign = 'center';
          ctx.fillText(text, x + cell / 2, y + ROW_HEIGHT / 2);
        }
      });
    }
    ctx.textAlign = 'center';
    const tokens = predictionTokens(s);
    lens.positions.forEach((p, i) => {
      const selected = p === this.app.predictionSelection();
      ctx.fillStyle = selected ? th.foreground : th.muted;
      ctx.fillText(fitText(ctx, tokenLabel(tokens[p]), cell - 2), LABEL_WIDTH + i * cell + cell / 2, height - HEADER_HEIGHT / 2);
      if (selected) {
        ctx.strokeStyle = th.foreground;
        ctx.lineWidth = 2;
        ctx.strokeRect(LABEL_WIDTH + i * cell + 1, 1, cell - 2, height - HEADER_HEIGHT - 2);
      }
    });
    const what = this.by === 'next' ? 'the actual next token' : "the model's final top-1";
    this.canvas.setAttribute(
      'aria-label',
      `Logit lens: ${lens.layers.length} layers × ${lens.positions.length} tokens, coloured by ${what}`,
    );
    this.drawHover(lens, what);
  }

  private drawHover(lens: LensData, what: string): void {
    const s = this.app.data.summary!;
    const at = this.hover;
    this.tooltip.hidden = at === null;
    if (at === null) {
      const count = predictionTokens(s).length;
      const window = lens.positions.length < count ? ` (tokens ${lens.positions[0]}–${lens.positions.at(-1)} of ${count})` : '';
      const target = predictionList(s) === 'target' ? ' of the target (decoder layers)' : '';
      const grid = `${lens.layers.length} layers × ${lens.positions.length} tokens${target}${window}`;
      this.info.textContent = `${grid}; colour: probability of ${what}, 0 (dark) to 1.`;
      return;
    }
    const p = lens.positions[at.i];
    const { head, top, tracked } = describeCell(lens, at.layer, at.i, tokenLabel(predictionTokens(s)[p]));
    this.info.textContent = `${head}: ${top.join(', ')} · ${tracked.join(' · ')}`;
    this.tooltip.textContent = [head, ...top.map((t, j) => `${j + 1}. ${t}`), ...tracked].join('\n');
    const left = Math.min(this.mouse.x + 12, window.innerWidth - this.tooltip.offsetWidth - 4);
    const below = this.mouse.y + 16 + this.tooltip.offsetHeight <= window.innerHeight;
    this.tooltip.style.left = `${Math.max(0, left)}px`;
    this.tooltip.style.top = `${below ? this.mouse.y + 16 : Math.max(0, this.mouse.y - 8 - this.tooltip.offsetHeight)}px`;
  }
}
