// Surprisal strip: one column per token coloured by −log2 p(actual token), over the whole input; click or
// arrow keys pick a token.
import type { App } from '../app';
import { fitCanvas, frameScheduler } from '../render/canvas';
import { surprisalBits } from '../render/sampling';
import { theme } from '../render/theme';
import { tokenLabel } from './describe';

const HEIGHT = 28;

export class SurprisalStrip {
  readonly element = document.createElement('div');
  readonly canvas = document.createElement('canvas');
  private readonly info = document.createElement('div');
  private hover: number | null = null;
  private readonly scheduleDraw = frameScheduler(() => this.draw());

  constructor(private readonly app: App) {
    this.element.className = 'surprisal';
    const title = document.createElement('div');
    title.className = 'section-title';
    title.textContent = 'Surprisal of each actual token (−log₂ p, bits; brighter/darker = more surprising)';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'slider');
    this.canvas.setAttribute('aria-label', 'Surprisal strip: Left and Right pick a token');
    this.info.className = 'hover-info';
    this.element.append(title, this.canvas, this.info);
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
      if (i !== null) this.app.select(i, true);
    });
    this.canvas.addEventListener('keydown', (e) => {
      const n = this.app.data.summary?.tokens.length ?? 0;
      const cur = this.app.state.selected ?? 0;
      if (e.key === 'ArrowRight') this.app.select(Math.min(n - 1, cur + 1), false);
      else if (e.key === 'ArrowLeft') this.app.select(Math.max(0, cur - 1), false);
      else if (e.key === 'Enter') this.app.select(cur, true);
      else return;
      e.preventDefault();
    });
    new ResizeObserver(() => this.scheduleDraw()).observe(this.element);
  }

  private bits(): (number | null)[] {
    const p = this.app.data.summary?.predictions;
    return p?.kind === 'causal' ? p.actual.map(surprisalBits) : [];
  }

  private indexAt(e: MouseEvent): number | null {
    const n = this.app.data.summary?.tokens.length ?? 0;
    const r = this.canvas.getBoundingClientRect();
    const i = Math.floor(((e.clientX - r.left) / r.width) * n);
    return i >= 0 && i < n ? i : null;
  }

  render(): void {
    // render() already runs inside the app's animation frame: draw now, not a frame later.
    this.draw();
  }

  draw(): void {
    const th = theme();
    const width = Math.max(100, this.element.clientWidth);
    const ctx = fitCanvas(this.canvas, width, HEIGHT);
    ctx.fillStyle = th.background;
    ctx.fillRect(0, 0, width, HEIGHT);
    const s = this.app.data.summary;
    const bits = this.bits();
    if (!s || !bits.length) return;
    const n = s.tokens.length;
    const max = Math.max(1, ...bits.map((b) => b ?? 0));
    const w = width / n;
    for (let i = 0; i < n; i++) {
      const b = bits[i];
      ctx.fillStyle = b === null ? th.border : th.lut.css[Math.round(Math.min(1, b / max) * 255)];
      ctx.fillRect(i * w, 4, Math.max(1, w - (w > 4 ? 1 : 0)), HEIGHT - 8);
    }
    const sel = this.app.state.selected;
    if (sel !== null) {
      ctx.strokeStyle = th.foreground;
      ctx.lineWidth = 2;
      ctx.strokeRect(sel * w, 1, Math.max(2, w), HEIGHT - 2);
    }
    const at = this.hover ?? sel;
    if (at !== null && at < n) {
      const b = bits[at];
      this.info.textContent = `#${at} ${JSON.stringify(tokenLabel(s.tokens[at]))}: ${b === null ? 'no prediction for the first token' : `${b.toFixed(2)} bits (p = ${(2 ** -b).toPrecision(3)})`} · max ${max.toFixed(1)} bits`;
      this.canvas.setAttribute('aria-valuenow', String(at));
      this.canvas.setAttribute('aria-valuetext', this.info.textContent);
    } else this.info.textContent = `${n} tokens · max ${max.toFixed(1)} bits · click a column to select its token`;
  }
}
