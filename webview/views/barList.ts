// A list of labelled probability / weight bars: DOM for a handful of rows (screen readers read them), with
// a drawing of the same rows for export (PNG, or SVG through the export's surface).
import { fitCanvas } from '../render/canvas';
import { theme } from '../render/theme';

export interface Bar {
  label: string;
  value: number;
  /** Shown instead of value.toFixed(4) when set. */
  valueText?: string;
  /** A second, fainter value (e.g. the probability before re-normalisation). */
  ghost?: number;
  muted?: boolean;
  highlight?: boolean;
  /** Token index to select when the row is clicked. */
  index?: number;
}

export class BarList {
  readonly element = document.createElement('div');

  constructor(label: string, onPick?: (index: number) => void) {
    this.element.className = 'bar-list';
    this.element.setAttribute('role', 'list');
    this.element.setAttribute('aria-label', label);
    if (onPick) {
      this.element.addEventListener('click', (e) => {
        const row = (e.target as HTMLElement).closest<HTMLElement>('.bar-row');
        if (row?.dataset.index) onPick(Number(row.dataset.index));
      });
      this.element.addEventListener('keydown', (e) => {
        const row = (e.target as HTMLElement).closest<HTMLElement>('.bar-row');
        if ((e.key === 'Enter' || e.key === ' ') && row?.dataset.index) {
          e.preventDefault();
          onPick(Number(row.dataset.index));
        }
      });
    }
  }

  set(bars: Bar[]): void {
    const max = Math.max(1e-9, ...bars.map((b) => Math.max(b.value, b.ghost ?? 0)));
    const scale = max > 1 ? 1 / max : 1;
    this.element.replaceChildren(
      ...bars.map((b) => {
        const row = document.createElement('div');
        row.className = 'bar-row';
        row.setAttribute('role', 'listitem');
        if (b.muted) row.classList.add('muted');
        if (b.highlight) row.classList.add('highlight');
        if (b.index !== undefined) {
          row.dataset.index = String(b.index);
          row.tabIndex = 0;
        }
        const label = document.createElement('span');
        label.className = 'bar-label';
        label.textContent = b.label;
        label.title = b.label;
        const track = document.createElement('span');
        track.className = 'bar-track';
        if (b.ghost !== undefined) {
          const ghost = document.createElement('span');
          ghost.className = 'bar-ghost';
          ghost.style.width = `${(b.ghost * scale * 100).toFixed(2)}%`;
          track.append(ghost);
        }
        const fill = document.createElement('span');
        fill.className = 'bar-fill';
        fill.style.width = `${(b.value * scale * 100).toFixed(2)}%`;
        track.append(fill);
        const value = document.createElement('span');
        value.className = 'bar-value';
        value.textContent = b.valueText ?? b.value.toFixed(4);
        row.setAttribute('aria-label', `${b.label}: ${value.textContent}`);
        row.append(label, track, value);
        return row;
      }),
    );
  }
}

const ROW = 20;

/** Draws titled bar groups onto one canvas (PNG export of the predictions and side views). */
export function barsToCanvas(groups: { title: string; bars: Bar[] }[], width = 520): HTMLCanvasElement {
  const th = theme();
  const height = groups.reduce((h, g) => h + 26 + g.bars.length * ROW, 8);
  const canvas = document.createElement('canvas');
  const ctx = fitCanvas(canvas, width, height);
  ctx.fillStyle = th.background;
  ctx.fillRect(0, 0, width, height);
  ctx.textBaseline = 'middle';
  let y = 8;
  for (const g of groups) {
    ctx.font = `bold ${th.fontSize}px ${th.fontFamily}`;
    ctx.fillStyle = th.foreground;
    ctx.fillText(g.title, 8, y + 10);
    y += 26;
    ctx.font = `${th.fontSize - 1}px ${th.fontFamily}`;
    for (const b of g.bars) {
      ctx.fillStyle = b.muted ? th.muted : th.foreground;
      ctx.fillText(b.label.slice(0, 24), 8, y + ROW / 2);
      ctx.fillStyle = th.headColor(0);
      ctx.globalAlpha = b.muted ? 0.35 : 1;
      ctx.fillRect(180, y + 4, Math.max(1, Math.min(1, b.value) * (width - 260)), ROW - 8);
      ctx.globalAlpha = 1;
      ctx.fillStyle = th.foreground;
      ctx.fillText(b.valueText ?? b.value.toFixed(4), width - 72, y + ROW / 2);
      y += ROW;
    }
  }
  return canvas;
}
