// Tokens: the input as chips (and an encoder–decoder run's target, as a second list under it). Continuation pieces
// join their word, special tokens and partial-character pieces are marked, the id shows on hover; a click selects
// the token everywhere and reveals an input token in the editor (a target token has no span there).
import { pairLine, sentenceOf, tokenList, type PairView, type RunSummary, type TokenListName, type TokenView } from '../../src/protocol';
import type { App, View } from '../app';
import { fitCanvas } from '../render/canvas';
import { theme } from '../render/theme';

export function tokenTitle(t: TokenView, pair?: PairView): string {
  const kind = t.special ? 'special token' : t.continuation ? 'continues the previous word' : 'starts a word';
  const partial = t.partialChar ? ' · covers only part of a character' : '';
  const span = t.special ? 'no text span' : `chars ${t.start}–${t.end}`;
  const sentence = pair ? ` · sentence ${sentenceOf(pair, t.index)} (segment ${pair.segments[t.index]})` : '';
  return `#${t.index} · id ${t.id} · ${JSON.stringify(t.piece)} · ${kind}${partial} · ${span}${sentence}`;
}

/** One token list as a listbox of chips, with a roving tab stop; selection is the app's for that list. */
class ChipList {
  readonly element = document.createElement('div');
  private shownRun = -1;
  private chips: HTMLElement[] = [];
  private shownSelection: number | null = null;

  constructor(
    private readonly app: App,
    private readonly list: TokenListName,
  ) {
    this.element.className = 'token-list';
    this.element.dataset.list = list;
    this.element.setAttribute('role', 'listbox');
    this.element.setAttribute('aria-label', list === 'target' ? 'Tokens of the target' : 'Tokens of the input');
    this.element.addEventListener('click', (e) => {
      const chip = (e.target as HTMLElement).closest<HTMLElement>('.chip');
      if (chip) this.app.selectIn(this.list, Number(chip.dataset.index), true);
    });
    this.element.addEventListener('keydown', (e) => this.onKey(e));
  }

  private selected(): number | null {
    return this.list === 'target' ? this.app.state.targetSelected : this.app.state.selected;
  }

  private onKey(e: KeyboardEvent): void {
    const n = this.chips.length;
    if (!n) return;
    // With nothing selected, the focused chip is where the arrows start.
    const focused = (e.target as HTMLElement).closest<HTMLElement>('.chip');
    const cur = this.selected() ?? (focused ? Number(focused.dataset.index) : -1);
    let next: number;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = Math.min(n - 1, cur + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = Math.max(0, cur - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = n - 1;
    else if (e.key === 'Enter' || e.key === ' ') next = Math.max(0, cur);
    else return;
    e.preventDefault();
    this.app.selectIn(this.list, next, e.key === 'Enter' || e.key === ' ');
    this.chips[next]?.focus();
  }

  render(s: RunSummary | null): void {
    if (!s) {
      this.element.replaceChildren();
      this.chips = [];
      this.shownRun = -1;
      return;
    }
    if (this.shownRun !== s.runId) {
      this.shownRun = s.runId;
      this.shownSelection = null;
      const tokens = tokenList(s, this.list);
      // A sentence pair splits the input list (an encoder–decoder target is never a pair).
      const pair = this.list === 'input' ? s.pair : undefined;
      this.chips = tokens.map((t, i) => {
        const chip = document.createElement('span');
        chip.className = 'chip';
        chip.dataset.index = String(i);
        chip.setAttribute('role', 'option');
        chip.setAttribute('aria-selected', 'false');
        chip.tabIndex = -1;
        if (t.special) chip.classList.add('special');
        if (t.continuation) chip.classList.add('cont');
        if (t.partialChar) chip.classList.add('partial');
        if (tokens[i + 1]?.continuation) chip.classList.add('has-cont');
        if (pair) chip.classList.add(`sentence-${sentenceOf(pair, i).toLowerCase()}`);
        if (pair && i === pair.sentenceBStart) chip.classList.add('sentence-start');
        chip.textContent = t.display || t.piece;
        chip.title = tokenTitle(t, pair);
        chip.setAttribute('aria-label', `${t.display || t.piece}, ${tokenTitle(t, pair)}`);
        return chip;
      });
      this.element.replaceChildren(...this.chips);
    }
    const sel = this.selected();
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
}

/** The heading over the target's chips: who wrote it. */
export function targetHeading(s: RunSummary): string {
  return s.target?.generated ? 'Target, generated by the model (greedy)' : 'Target, as given (teacher forcing)';
}

export class TokensView implements View {
  readonly element = document.createElement('div');
  private readonly input: ChipList;
  private readonly target: ChipList;
  private readonly pairNote = document.createElement('div');
  private readonly inputTitle = document.createElement('div');
  private readonly targetTitle = document.createElement('div');

  constructor(private readonly app: App) {
    this.element.className = 'view tokens-view';
    this.input = new ChipList(app, 'input');
    this.target = new ChipList(app, 'target');
    this.inputTitle.className = 'section-title';
    this.inputTitle.textContent = 'Source';
    this.targetTitle.className = 'section-title';
    this.pairNote.className = 'pair-note';
    this.element.append(this.pairNote, this.inputTitle, this.input.element, this.targetTitle, this.target.element);
  }

  render(): void {
    const s = this.app.data.summary;
    // Titles only where there are two lists: a run of one list looks as it always has.
    const two = s?.target !== undefined;
    this.inputTitle.hidden = !two;
    this.targetTitle.hidden = !two;
    this.target.element.hidden = !two;
    if (two) this.targetTitle.textContent = targetHeading(s);
    this.pairNote.textContent = s ? pairLine(s) : '';
    this.pairNote.hidden = !s?.pair;
    this.input.render(s);
    this.target.render(two ? s : null);
  }

  /** Lays the chips out on a canvas the way the DOM shows them (for export). */
  exportCanvas(): HTMLCanvasElement {
    const canvas = document.createElement('canvas');
    const { boxes, titles, height, width } = this.layout();
    const ctx = fitCanvas(canvas, width, height);
    const th = theme();
    ctx.fillStyle = th.background;
    ctx.fillRect(0, 0, width, height);
    ctx.font = `${th.fontSize}px ${th.fontFamily}`;
    ctx.textBaseline = 'middle';
    for (const t of titles) {
      ctx.fillStyle = th.muted;
      ctx.fillText(t.text, 4, t.y + 10);
    }
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
    titles: { y: number; text: string }[];
    width: number;
    height: number;
  } {
    const s = this.app.data.summary;
    const width = Math.max(320, this.element.clientWidth || 800);
    const measure = document.createElement('canvas').getContext('2d');
    const th = theme();
    if (measure) measure.font = `${th.fontSize}px ${th.fontFamily}`;
    const boxes = [];
    const titles = [];
    const lists: { tokens: TokenView[]; selected: number | null; title?: string }[] = [
      { tokens: s?.tokens ?? [], selected: this.app.state.selected, title: s?.target ? 'Source' : undefined },
    ];
    if (s?.target) lists.push({ tokens: s.target.tokens, selected: this.app.state.targetSelected, title: targetHeading(s) });
    let y = 4;
    for (const list of lists) {
      if (list.title) {
        titles.push({ y, text: list.title });
        y += 24;
      }
      let x = 4;
      for (const [i, t] of list.tokens.entries()) {
        const text = t.display || t.piece;
        const w = Math.ceil((measure?.measureText(text).width ?? text.length * 7) + 8);
        const gap = t.continuation ? 0 : 4;
        if (x + gap + w > width - 4 && x > 4) {
          x = 4;
          y += 24;
        } else x += x > 4 ? gap : 0;
        boxes.push({ x, y, w, text, special: t.special, selected: i === list.selected });
        x += w;
      }
      y += 28;
    }
    return { boxes, titles, width, height: y };
  }
}
