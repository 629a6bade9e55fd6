// The text line by line, each line with one lane per tokenizer beneath it. A token is a box over exactly the
// characters it covers (x from the measured width of the characters before it), so the tokenizers' cuts line up
// and a boundary one has and another lacks shows as a red mark across the lanes.
import type { ComparisonView, CompareTokenView } from '../../src/protocol/compare';

/** How characters that draw nothing are shown, so that a token made of them still has a width. */
const VISIBLE: Record<string, string> = { '\t': '⇥', '\n': '↵', '\r': '␍' };

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

function title(t: CompareTokenView, row: string): string {
  const flags = [t.unknown ? 'unknown piece' : '', t.byteFallback ? 'byte fallback' : '', t.partialChar ? 'part of a character' : '']
    .filter(Boolean)
    .join(', ');
  return `${row}: ${JSON.stringify(t.piece)} · id ${t.id} · chars ${t.start}–${t.end}${flags ? ` · ${flags}` : ''}`;
}

export function drawLines(container: HTMLElement, view: ComparisonView): void {
  const measure = document.createElement('canvas').getContext('2d')!;
  const probe = document.createElement('div');
  probe.className = 'lane';
  container.replaceChildren(probe);
  measure.font = getComputedStyle(probe).font;
  const widths = new Map<string, number>();
  const blocks: HTMLElement[] = [];
  // Each row's tokens in order: a line takes those that overlap it, from a cursor that only moves forward.
  const cursors = view.rows.map(() => 0);
  let differing = 0;
  let lineNo = 0;
  for (let ls = 0; ls < view.text.length; lineNo++) {
    const nl = view.text.indexOf('\n', ls);
    const le = nl < 0 ? view.text.length : nl + 1;
    const line = view.text.slice(ls, le);
    const x = offsetsX(line, measure, widths);
    const block = document.createElement('div');
    block.className = 'line-block';
    block.style.width = `${Math.ceil(x[x.length - 1]) + 8}px`;
    const text = document.createElement('div');
    text.className = 'lane line-text';
    text.dataset.line = String(lineNo + 1);
    text.textContent = [...line].map((c) => VISIBLE[c] ?? c).join('');
    block.append(text);
    view.rows.forEach((row, r) => {
      const lane = document.createElement('div');
      lane.className = `lane tokens row-${r}`;
      lane.dataset.row = row.name;
      const tokens = row.tokens;
      while (cursors[r] < tokens.length && (tokens[cursors[r]].end <= ls || tokens[cursors[r]].end === tokens[cursors[r]].start))
        cursors[r]++;
      for (let k = cursors[r]; k < tokens.length && tokens[k].start < le; k++) {
        const t = tokens[k];
        if (t.end <= t.start) continue;
        const from = Math.max(t.start, ls) - ls;
        const to = Math.min(t.end, le) - ls;
        const piece = document.createElement('span');
        piece.className = `piece shade-${k % 2}${t.unknown ? ' unknown' : ''}${t.byteFallback || t.partialChar ? ' bytes' : ''}`;
        piece.style.left = `${x[from]}px`;
        piece.style.width = `${Math.max(2, x[to] - x[from])}px`;
        piece.dataset.start = String(t.start);
        piece.dataset.end = String(t.end);
        piece.textContent = t.display || t.piece;
        piece.title = title(t, row.name);
        lane.append(piece);
      }
      block.append(lane);
    });
    while (differing < view.differing.length && view.differing[differing] < le) {
      const at = view.differing[differing++] - ls;
      const mark = document.createElement('div');
      mark.className = 'diff-mark';
      mark.style.left = `${x[at]}px`;
      block.append(mark);
    }
    blocks.push(block);
    ls = le;
  }
  container.replaceChildren(...blocks);
}
