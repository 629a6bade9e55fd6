// The Compare Tokenizers view's exports: JSON (the CLI's `tokenize` document, with what was compared) and a
// self-contained HTML report (the figures of the whole text, and each tokenizer's pieces of the drawn part).
import { comparisonDocument, type TokenizerComparison } from '../core/tokenize/compareTokenizers';
import type { ComparisonView } from '../protocol';

export function compareJson(source: string, comparison: TokenizerComparison): string {
  return JSON.stringify({ source, ...comparisonDocument(comparison) }, null, 1);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function compareHtml(view: ComparisonView): string {
  const figures = view.rows
    .map(
      ({ name, kind, stats: s }) =>
        `<tr><th>${escapeHtml(name)}</th><td>${kind}</td><td>${s.tokens}</td><td>${s.charsPerToken.toFixed(2)}</td>` +
        `<td>${s.differingBoundaries}</td><td>${s.unknown}</td><td>${s.byteFallback}</td><td>${s.partialChar}</td></tr>`,
    )
    .join('\n');
  const pieces = view.rows
    .map((r) => {
      const chips = r.tokens
        .map(
          (t) =>
            `<span class="t${t.special ? ' s' : ''}${t.unknown ? ' u' : ''}" title="id ${t.id}, ${t.start}–${t.end}">` +
            `${escapeHtml(t.display || t.piece)}</span>`,
        )
        .join('');
      return `<h3>${escapeHtml(r.name)} <small>${r.kind}</small></h3><p>${chips}</p>`;
    })
    .join('\n');
  const drawn =
    view.text.length < view.textLength ? ` (the pieces of its first ${view.text.length.toLocaleString('en-US')} characters)` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><title>Compare Tokenizers: ${escapeHtml(view.source)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{text-align:left}
.t{font-family:monospace;white-space:pre;border:1px solid #999;border-radius:3px;padding:0 3px;margin:1px;display:inline-block}
.s{color:#888;font-style:italic}.u{background:#fdd}</style></head><body>
<h1>Compare Tokenizers</h1>
<p>${escapeHtml(view.source)}: ${view.textLength.toLocaleString('en-US')} characters${drawn}; ${view.differingTotal} boundaries differ.</p>
<table><tr><th>Tokenizer</th><th>Kind</th><th>Tokens</th><th>Chars/token</th><th>Differing boundaries</th><th>Unknown</th>
<th>Byte fallback</th><th>Part of a character</th></tr>
${figures}
</table>
<h2>Pieces</h2>
${pieces}
</body></html>
`;
}
