// The comparison's figures, one row per tokenizer: counts of the whole text, not of the drawn part.
import type { ComparisonView } from '../../src/protocol/compare';

/** Short headings, so the table fits a panel beside the editor; each says in full what it counts on hover. */
const COLUMNS: [string, string][] = [
  ['Tokenizer', 'the model whose tokenizer this is'],
  ['Kind', 'the tokenizer algorithm'],
  ['Tokens', 'tokens that cover text, in the whole text'],
  ['Chars/tok', 'characters per token'],
  ['Differ', 'its token boundaries that not every other tokenizer has'],
  ['Unknown', 'unknown pieces ([UNK], <unk>): characters its vocabulary cannot spell'],
  ['Bytes', 'byte-fallback pieces (<0xE2>)'],
  ['Partial', 'pieces that cover only part of a character (byte-level BPE)'],
  ['Added', 'tokens its template adds around the text'],
];

export function figuresTable(view: ComparisonView): HTMLTableElement {
  const table = document.createElement('table');
  table.className = 'compare-figures';
  const head = table.createTHead().insertRow();
  for (const [label, meaning] of COLUMNS) {
    const th = document.createElement('th');
    th.textContent = label;
    th.title = meaning;
    head.append(th);
  }
  const body = table.createTBody();
  view.rows.forEach((r, i) => {
    const tr = body.insertRow();
    tr.className = `row-${i}`;
    const added = r.tokens.filter((t) => t.special && t.start === t.end).map((t) => t.piece);
    const cells = [
      r.name,
      r.kind,
      r.stats.tokens.toLocaleString('en-US'),
      r.stats.charsPerToken.toFixed(2),
      String(r.stats.differingBoundaries),
      String(r.stats.unknown),
      String(r.stats.byteFallback),
      String(r.stats.partialChar),
      added.length ? added.join(' ') : '–',
    ];
    cells.forEach((text, c) => {
      const td = tr.insertCell();
      td.textContent = text;
      if (c === 0) td.className = 'name';
      if ((c === 5 && r.stats.unknown > 0) || ((c === 6 || c === 7) && Number(text) > 0)) td.classList.add('flagged');
    });
  });
  return table;
}

/** Says what of the text is drawn when it is not all of it. */
export function drawnNotice(view: ComparisonView): string {
  if (view.text.length >= view.textLength) return '';
  return (
    `Drawn: the first ${view.text.length.toLocaleString('en-US')} of ${view.textLength.toLocaleString('en-US')} characters ` +
    `(whole lines); the figures above count the whole text, and the JSON export holds every token.`
  );
}
