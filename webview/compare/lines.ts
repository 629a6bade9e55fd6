// The text line by line, each line with one lane per tokenizer beneath it. A token is a box over exactly the
// characters it covers (x from the measured width of the characters before it), so the tokenizers' cuts line up
// and a boundary one has and another lacks shows as a red mark across the lanes. Each lane is a listbox with one
// tab stop: arrows move between its boxes, Enter (or a click) asks the host to select the box's characters.
import type { ComparisonView, CompareTokenView } from '../../src/protocol/compare';

/** How characters that draw nothing are shown, so that a token made of them still has a width. */
const VISIBLE: Record<string, string> = { '\t': '⇥', '\n': '↵', '\r': '␍' };

export const visibleText = (line: string) => [...line].map((c) => VISIBLE[c] ?? c).join('');

/** x of each UTF-16 offset of a line (x[i] is where character i starts), measured in the lanes' font. */
function offsetsX(line: string, measure: CanvasRenderingContext2D, widths: Map<string, number>): number[] {
  const x = [0];
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    const pair = code >= 0xd800 && code < 0xdc00 && i + 1 < line.length;
    const ch = pair ? line.slice(i, i + 2) : (VISIBLE[line[i]] ?? line[i]);
    let w = widths.get(ch);
    if (w === undefined) {
      w = measure.measureText(ch).width;
      widths.set(ch, w);
    }
    if (pair) {
      x.push(x[i]);
      i++;
    }
    x.push(x[x.length - 1] + w);
  }
  return x;
}

/** A token's box on one line (a token across a line break has a box on each). */
export interface PieceBox {
  token: CompareTokenView;
  /** Its index in its row, for alternating shades. */
  index: number;
  left: number;
  width: number;
}

export interface LineLayout {
  text: string;
  x: number[];
  /** Per row of the view, its boxes on this line. */
  lanes: PieceBox[][];
  /** x of the differing boundaries on this line. */
  differing: number[];
}

/** Where everything of the view goes, line by line, measured with `measure` (its font set to the lanes'). */
export function lineSpans(view: ComparisonView, measure: CanvasRenderingContext2D): LineLayout[] {
  const widths = new Map<string, number>();
  const lines: LineLayout[] = [];
  // Each row's tokens in order: a line takes those that overlap it, from a cursor that only moves forward.
  const cursors = view.rows.map(() => 0);
  let differing = 0;
  for (let ls = 0; ls < view.text.length;) {
    const nl = view.text.indexOf('\n', ls);
    const le = nl < 0 ? view.text.length : nl + 1;
    const text = view.text.slice(ls, le);
    const x = offsetsX(text, measure, widths);
    const lanes = view.rows.map((row, r) => {
      const tokens = row.tokens;
      while (cursors[r] < tokens.length && (tokens[cursors[r]].end <= ls || tokens[cursors[r]].end === tokens[cursors[r]].start))
        cursors[r]++;
      const boxes: PieceBox[] = [];
      for (let k = cursors[r]; k < tokens.length && tokens[k].start < le; k++) {
        const t = tokens[k];
        if (t.end <= t.start) continue;
        const from = Math.max(t.start, ls) - ls;
        const to = Math.min(t.end, le) - ls;
        boxes.push({ token: t, index: k, left: x[from], width: Math.max(2, x[to] - x[from]) });
      }
      return boxes;
    });
    const marks: number[] = [];
    while (differing < view.differing.length && view.differing[differing] < le) marks.push(x[view.differing[differing++] - ls]);
    lines.push({ text, x, lanes, differing: marks });
    ls = le;
  }
  return lines;
}

function title(t: CompareTokenView, row: string): string {
  const flags = [t.unknown ? 'unknown piece' : '', t.byteFallback ? 'byte fallback' : '', t.partialChar ? 'part of a character' : '']
    .filter(Boolean)
    .join(', ');
  return `${row}: ${JSON.stringify(t.piece)} · id ${t.id} · chars ${t.start}–${t.end}${flags ? ` · ${flags}` : ''}`;
}

/** Arrow keys in a lane: the box to focus next, or undefined for a key the lane does not handle. */
function nextIndex(key: string, current: number, count: number): number | undefined {
  if (key === 'ArrowRight' || key === 'ArrowDown') return Math.min(count - 1, current + 1);
  if (key === 'ArrowLeft' || key === 'ArrowUp') return Math.max(0, current - 1);
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  return undefined;
}

/** Makes a lane one tab stop whose arrows move the focus (and the tab stop) between its boxes. */
function roveFocus(lane: HTMLElement): void {
  lane.addEventListener('keydown', (e) => {
    const pieces = [...lane.querySelectorAll<HTMLElement>('.piece')];
    const current = pieces.indexOf(e.target as HTMLElement);
    if (current < 0) return;
    const next = nextIndex(e.key, current, pieces.length);
    if (next === undefined) return;
    e.preventDefault();
    pieces[current].tabIndex = -1;
    pieces[next].tabIndex = 0;
    pieces[next].focus();
  });
}

/** Draws the view into `container`; `reveal` is called with a box's token when it is clicked or Enter is pressed on it. */
export function drawLines(container: HTMLElement, view: ComparisonView, reveal: (start: number, end: number) => void): void {
  const measure = document.createElement('canvas').getContext('2d')!;
  const probe = document.createElement('div');
  probe.className = 'lane';
  container.replaceChildren(probe);
  measure.font = getComputedStyle(probe).font;
  const blocks = lineSpans(view, measure).map((line, lineNo) => {
    const block = document.createElement('div');
    block.className = 'line-block';
    block.style.width = `${Math.ceil(line.x[line.x.length - 1]) + 8}px`;
    const text = document.createElement('div');
    text.className = 'lane line-text';
    text.dataset.line = String(lineNo + 1);
    text.textContent = visibleText(line.text);
    block.append(text);
    line.lanes.forEach((boxes, r) => {
      const row = view.rows[r];
      const lane = document.createElement('div');
      lane.className = `lane tokens row-${r}`;
      lane.dataset.row = row.name;
      lane.setAttribute('role', 'listbox');
      lane.setAttribute('aria-label', `${row.name}: tokens of line ${lineNo + 1}`);
      boxes.forEach(({ token: t, index, left, width }, i) => {
        const piece = document.createElement('span');
        piece.className = `piece shade-${index % 2}${t.unknown ? ' unknown' : ''}${t.byteFallback || t.partialChar ? ' bytes' : ''}`;
        piece.style.left = `${left}px`;
        piece.style.width = `${width}px`;
        piece.dataset.start = String(t.start);
        piece.dataset.end = String(t.end);
        piece.textContent = t.display || t.piece;
        piece.title = title(t, row.name);
        piece.setAttribute('role', 'option');
        piece.setAttribute('aria-selected', 'false');
        piece.setAttribute('aria-label', `${t.display || t.piece}, ${title(t, row.name)}`);
        piece.tabIndex = i === 0 ? 0 : -1;
        lane.append(piece);
      });
      roveFocus(lane);
      block.append(lane);
    });
    for (const at of line.differing) {
      const mark = document.createElement('div');
      mark.className = 'diff-mark';
      mark.style.left = `${at}px`;
      block.append(mark);
    }
    return block;
  });
  container.replaceChildren(...blocks);
  const activate = (piece: HTMLElement) => {
    container.querySelectorAll('.piece[aria-selected="true"]').forEach((p) => p.setAttribute('aria-selected', 'false'));
    piece.setAttribute('aria-selected', 'true');
    reveal(Number(piece.dataset.start), Number(piece.dataset.end));
  };
  container.onclick = (e) => {
    const piece = (e.target as HTMLElement).closest<HTMLElement>('.piece');
    if (piece) activate(piece);
  };
  container.onkeydown = (e) => {
    const piece = (e.target as HTMLElement).closest<HTMLElement>('.piece');
    if (piece && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      activate(piece);
    }
  };
}
