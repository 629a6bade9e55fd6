// Surprisal strip: one cell per token coloured by −log2 p(actual token), over the whole input, token labels
// under the cells where they fit and in a tooltip on hover, and a colour scale in bits; click or arrow keys
// pick a token.
import { predictionList, predictionsAt, predictionTokens, type TokenView } from '../../src/protocol';
import type { App } from '../app';
import { fitCanvas, frameScheduler } from '../render/canvas';
import { formatProbability, surprisalBits } from '../render/sampling';
import { theme, type Theme } from '../render/theme';
import { tokenLabel } from './describe';

const CELLS_TOP = 2;
const CELLS_HEIGHT = 24;
const LABELS_HEIGHT = 16;
const SCALE_WIDTH = 160;

/** "p = 0.0123, about a 1 in 81 chance", the way a reader weighs it. */
function chance(bits: number): string {
  const p = 2 ** -bits;
  const odds = 1 / p;
  return (
    `p = ${formatProbability(p)}` +
    `${odds >= 1.5 ? `, about a 1 in ${odds < 1e6 ? Math.round(odds).toLocaleString('en-US') : odds.toExponential(1)} chance` : ''}`
  );
}

export class SurprisalStrip {
  readonly element = document.createElement('div');
  readonly canvas = document.createElement('canvas');
  private readonly scale = document.createElement('canvas');
  private readonly tooltip = document.createElement('div');
  private readonly info = document.createElement('div');
  private hover: number | null = null;
  private readonly scheduleDraw = frameScheduler(() => this.draw());

  constructor(private readonly app: App) {
    this.element.className = 'surprisal';
    const title = document.createElement('div');
    title.className = 'section-title';
    title.textContent = 'How surprising each token was to the model';
    const explain = document.createElement('div');
    explain.className = 'note';
    explain.textContent =
      'Surprisal is −log₂ p of the token that actually came, in bits: 1 bit is a 1 in 2 chance, 10 bits about 1 in 1,000. Brighter ' +
      'cells surprised the model more; the first token has no prediction (grey).';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'slider');
    this.canvas.setAttribute('aria-label', 'Surprisal strip: Left and Right pick a token');
    this.scale.className = 'surprisal-scale';
    this.scale.setAttribute('role', 'img');
    this.tooltip.className = 'tooltip';
    this.tooltip.hidden = true;
    this.info.className = 'hover-info';
    this.element.append(title, explain, this.canvas, this.tooltip, this.scale, this.info);
    this.canvas.addEventListener('mousemove', (e) => {
      this.hover = this.indexAt(e);
      this.scheduleDraw();
    });
    this.canvas.addEventListener('mouseleave', () => {
      this.hover = null;
      this.scheduleDraw();
    });
    this.canvas.addEventListener('click', (e) => {
      const i = this.indexAt(e);
      if (i !== null) this.select(i, true);
    });
    this.canvas.addEventListener('keydown', (e) => {
      const n = this.tokens().length;
      const cur = this.app.predictionSelection() ?? 0;
      if (e.key === 'ArrowRight') this.select(Math.min(n - 1, cur + 1), false);
      else if (e.key === 'ArrowLeft') this.select(Math.max(0, cur - 1), false);
      else if (e.key === 'Enter') this.select(cur, true);
      else return;
      e.preventDefault();
    });
    new ResizeObserver(() => this.scheduleDraw()).observe(this.element);
  }

  /** The strip's tokens: the list the run's predictions index (an encoder–decoder run's target). */
  private tokens(): TokenView[] {
    const s = this.app.data.summary;
    return s ? predictionTokens(s) : [];
  }

  private select(index: number, reveal: boolean): void {
    const s = this.app.data.summary;
    if (s) this.app.selectIn(predictionList(s), index, reveal);
  }

  private bits(): (number | null)[] {
    const s = this.app.data.summary;
    // Only a run that gave each actual token a probability (next-token) has a surprisal.
    if (!s || s.predictions.actual === undefined) return [];
    return this.tokens().map((_, i) => surprisalBits(predictionsAt(s, i)?.probabilityHere ?? null));
  }

  private indexAt(e: MouseEvent): number | null {
    const n = this.tokens().length;
    const r = this.canvas.getBoundingClientRect();
    const i = Math.floor(((e.clientX - r.left) / r.width) * n);
    return i >= 0 && i < n ? i : null;
  }

  render(): void {
    // render() already runs inside the app's animation frame: draw now, not a frame later.
    this.draw();
  }

  /** What one token's cell says, in words. */
  private describe(at: number, bits: number | null): string {
    const label = JSON.stringify(tokenLabel(this.tokens()[at]));
    return `#${at} ${label}: ${bits === null ? 'the first token, which nothing predicts' : `${bits.toFixed(2)} bits (${chance(bits)})`}`;
  }

  draw(): void {
    const th = theme();
    const s = this.app.data.summary;
    const bits = this.bits();
    const tokens = this.tokens();
    const n = tokens.length;
    const width = Math.max(100, this.element.clientWidth);
    const w = n ? width / n : width;
    const font = `${th.fontSize - 2}px ${th.fontFamily}`;
    // A labels row only when cells are wide enough for short tokens; each label is drawn only where it fits whole.
    const labelled = n > 0 && w >= 18;
    const height = CELLS_TOP + CELLS_HEIGHT + (labelled ? LABELS_HEIGHT : 2);
    const ctx = fitCanvas(this.canvas, width, height);
    ctx.fillStyle = th.background;
    ctx.fillRect(0, 0, width, height);
    if (!s || !bits.length) return;
    const max = Math.max(1, Math.ceil(Math.max(...bits.map((b) => b ?? 0))));
    ctx.font = font;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let i = 0; i < n; i++) {
      const b = bits[i];
      ctx.fillStyle = b === null ? th.border : th.lut.css[Math.round(Math.min(1, b / max) * 255)];
      ctx.fillRect(i * w, CELLS_TOP, Math.max(1, w - (w > 4 ? 1 : 0)), CELLS_HEIGHT);
      if (labelled) {
        const text = tokenLabel(tokens[i]);
        ctx.fillStyle = i === this.hover || i === this.app.predictionSelection() ? th.foreground : th.muted;
        if (ctx.measureText(text).width <= w - 2) ctx.fillText(text, i * w + w / 2, CELLS_TOP + CELLS_HEIGHT + 2);
      }
    }
    if (this.hover !== null) {
      ctx.strokeStyle = th.muted;
      ctx.lineWidth = 1;
      ctx.strokeRect(this.hover * w + 0.5, CELLS_TOP - 0.5, Math.max(2, w - 1), CELLS_HEIGHT + 1);
    }
    const sel = this.app.predictionSelection();
    if (sel !== null) {
      ctx.strokeStyle = th.foreground;
      ctx.lineWidth = 2;
      ctx.strokeRect(sel * w, 1, Math.max(2, w), CELLS_TOP + CELLS_HEIGHT);
    }
    this.drawScale(th, max);
    this.drawTooltip(bits, w);
    const at = this.hover ?? sel;
    if (at !== null && at < n) {
      this.info.textContent = this.describe(at, bits[at]);
      this.canvas.setAttribute('aria-valuenow', String(at));
      this.canvas.setAttribute('aria-valuetext', this.info.textContent);
    } else {
      let worst = -1;
      bits.forEach((b, i) => {
        if (b !== null && (worst < 0 || b > bits[worst]!)) worst = i;
      });
      const most = worst >= 0 ? ` · most surprising: ${this.describe(worst, bits[worst])}` : '';
      this.info.textContent = `${n} tokens${most} · click a cell to select its token`;
    }
  }

  /** The colour scale: 0 bits to the strip's maximum, whole bits, with what each end means. */
  private drawScale(th: Theme, max: number): void {
    const width = SCALE_WIDTH + 200;
    const ctx = fitCanvas(this.scale, width, 30);
    ctx.fillStyle = th.background;
    ctx.fillRect(0, 0, width, 30);
    for (let x = 0; x < SCALE_WIDTH; x++) {
      ctx.fillStyle = th.lut.css[Math.round((x / (SCALE_WIDTH - 1)) * 255)];
      ctx.fillRect(x + 1, 4, 1, 10);
    }
    ctx.strokeStyle = th.border;
    ctx.strokeRect(0.5, 3.5, SCALE_WIDTH + 1, 11);
    ctx.font = `${th.fontSize - 3}px ${th.fontFamily}`;
    ctx.fillStyle = th.muted;
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    ctx.fillText('0 bits', 1, 17);
    ctx.textAlign = 'right';
    ctx.fillText(`${max} bits`, SCALE_WIDTH + 1, 17);
    ctx.textAlign = 'left';
    ctx.fillText('← expected · surprising →', SCALE_WIDTH + 8, 4);
    this.scale.setAttribute('aria-label', `Colour scale: 0 bits (expected) to ${max} bits or more (surprising)`);
  }

  /** The hovered token's label and surprisal, above its cell. */
  private drawTooltip(bits: (number | null)[], cellWidth: number): void {
    const at = this.hover;
    this.tooltip.hidden = at === null;
    if (at === null) return;
    this.tooltip.textContent = this.describe(at, bits[at] ?? null);
    const left = Math.min(
      Math.max(0, at * cellWidth + cellWidth / 2 - this.tooltip.offsetWidth / 2),
      this.element.clientWidth - this.tooltip.offsetWidth,
    );
    this.tooltip.style.left = `${Math.max(0, left)}px`;
    // Above the strip: below it, it would cover the hovered cell's own label.
    this.tooltip.style.top = `${this.canvas.offsetTop - this.tooltip.offsetHeight - 2}px`;
  }
}
