// Tokens: the input as chips. Continuation pieces join their word, special tokens and partial-character
// pieces are marked, the id shows on hover; a click selects the token everywhere and reveals it in the editor.
import type { PairView, TokenView } from '../../src/protocol';
import type { App, View } from '../app';
import { fitCanvas } from '../render/canvas';
import { theme } from '../render/theme';
import { pairLine, sentenceOf } from './pairNotice';

export function tokenTitle(t: TokenView, pair?: PairView): string {
  const kind = t.special ? 'special token' : t.continuation ? 'continues the previous word' : 'starts a word';
  const partial = t.partialChar ? ' · covers only part of a character' : '';
  const span = t.special ? 'no text span' : `chars ${t.start}–${t.end}`;
  const sentence = pair ? ` · sentence ${sentenceOf(pair, t.index)} (segment ${pair.segments[t.index]})` : '';
  return `#${t.index} · id ${t.id} · ${JSON.stringify(t.piece)} · ${kind}${partial} · ${span}${sentence}`;
}

export class TokensView implements View {
  readonly element = document.createElement('div');
  private readonly list = document.createElement('div');
  private readonly pairNote = document.createElement('div');
  private shownRun = -1;
  private chips: HTMLElement[] = [];
  private shownSelection: number | null = null;

  constructor(private readonly app: App) {
    this.element.className = 'view tokens-view';
    this.list.className = 'token-list';
    this.list.setAttribute('role', 'listbox');
    this.list.setAttribute('aria-label', 'Tokens of the input');
    this.list.addEventListener('click', (e) => {
      const chip = (e.target as HTMLElement).closest<HTMLElement>('.chip');
      if (chip) this.app.select(Number(chip.dataset.index), true);
    });
    this.list.addEventListener('keydown', (e) => this.onKey(e));
    this.pairNote.className = 'pair-note';
    this.element.append(this.pairNote, this.list);
  }

  private onKey(e: KeyboardEvent): void {
    const n = this.chips.length;
    if (!n) return;
    // With nothing selected, the focused chip is where the arrows start.
    const focused = (e.target as HTMLElement).closest<HTMLElement>('.chip');
    const cur = this.app.state.selected ?? (focused ? Number(focused.dataset.index) : -1);
    let next: number;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = Math.min(n - 1, cur + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = Math.max(0, cur - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = n - 1;
    else if (e.key === 'Enter' || e.key === ' ') next = Math.max(0, cur);
    else return;
    e.preventDefault();
    this.app.select(next, e.key === 'Enter' || e.key === ' ');
    this.chips[next]?.focus();
  }

  render(): void {
    const s = this.app.data.summary;
    if (!s) {
      this.list.replaceChildren();
      this.chips = [];
      this.shownRun = -1;
      return;
    }
    if (this.shownRun !== s.runId) {
      this.shownRun = s.runId;
      this.shownSelection = null;
      this.pairNote.textContent = pairLine(s);
      this.pairNote.hidden = !s.pair;
      this.chips = s.tokens.map((t, i) => {
        const chip = document.createElement('span');
        chip.className = 'chip';
        chip.dataset.index = String(i);
        chip.setAttribute('role', 'option');
        chip.setAttribute('aria-selected', 'false');
        chip.tabIndex = -1;
        if (t.special) chip.classList.add('special');
        if (t.continuation) chip.classList.add('cont');
        if (t.partialChar) chip.classList.add('partial');
        if (s.tokens[i + 1]?.continuation) chip.classList.add('has-cont');
        if (s.pair) chip.classList.add(`sentence-${sentenceOf(s.pair, i).toLowerCase()}`);
        if (s.pair && i === s.pair.sentenceBStart) chip.classList.add('sentence-start');
        chip.textContent = t.display || t.piece;
        chip.title = tokenTitle(t, s.pair);
        chip.setAttribute('aria-label', `${t.display || t.piece}, ${tokenTitle(t, s.pair)}`);
        return chip;
      });
      this.list.replaceChildren(...this.chips);
    }
    const sel = this.app.state.selected;
    if (sel !== this.shownSelection) {
      if (this.shownSelection !== null) this.setSelected(this.shownSelection, false);
      if (sel !== null) this.setSelected(sel, true);
      this.shownSelection = sel;
    }
    // Roving tabindex: the list is one tab stop, arrows move inside it.
    const focusIndex = sel ?? 0;
    this.chips.forEach((c, i) => (c.tabIndex = i === focusIndex ? 0 : -1));
  }

  private setSelected(i: number, on: boolean): void {
    const chip = this.chips[i];
    if (!chip) return;
    chip.classList.toggle('selected', on);
    chip.setAttribute('aria-selected', String(on));
    if (on) chip.scrollIntoView({ block: 'nearest' });
  }

  /** Lays the chips out on a canvas the way the DOM shows them (for export). */
  exportCanvas(): HTMLCanvasElement {
    const canvas = document.createElement('canvas');
    const { boxes, height, width } = this.layout();
    const ctx = fitCanvas(canvas, width, height);
    const th = theme();
    ctx.fillStyle = th.background;
    ctx.fillRect(0, 0, width, height);
    ctx.font = `${th.fontSize}px ${th.fontFamily}`;
    ctx.textBaseline = 'middle';
    for (const b of boxes) {
      ctx.fillStyle = b.selected ? th.selection : 'transparent';
      ctx.fillRect(b.x, b.y, b.w, 20);
      ctx.strokeStyle = b.special ? th.muted : th.border;
      ctx.strokeRect(b.x + 0.5, b.y + 0.5, b.w - 1, 19);
      ctx.fillStyle = b.special ? th.muted : th.foreground;
      ctx.fillText(b.text, b.x + 4, b.y + 10);
    }
    return canvas;
  }

  private layout(): {
    boxes: { x: number; y: number; w: number; text: string; special: boolean; selected: boolean }[];
    width: number;
    height: number;
  } {
    const s = this.app.data.summary;
    const width = Math.max(320, this.element.clientWidth || 800);
    const measure = document.createElement('canvas').getContext('2d');
    const th = theme();
    if (measure) measure.font = `${th.fontSize}px ${th.fontFamily}`;
    const boxes = [];
    let x = 4;
    let y = 4;
    for (const t of s?.tokens ?? []) {
      const text = t.display || t.piece;
      const w = Math.ceil((measure?.measureText(text).width ?? text.length * 7) + 8);
      const gap = t.continuation ? 0 : 4;
      if (x + gap + w > width - 4 && x > 4) {
        x = 4;
        y += 24;
      } else x += x > 4 ? gap : 0;
      boxes.push({ x, y, w, text, special: t.special, selected: t.index === this.app.state.selected });
      x += w;
    }
    return { boxes, width, height: y + 28 };
  }
}
