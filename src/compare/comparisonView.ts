// What the Compare Tokenizers view is sent: statistics of the whole text, and the tokens of its beginning only. A
// whole file of 200,000 characters is 50,000 tokens per tokenizer; the view draws whole lines up to DRAWN_CHARS and
// says how much of the text that is. Pure, so unit tests check it.
import type { TokenizerComparison } from '../core/tokenize/compareTokenizers';
import { BYTE_FALLBACK_PIECE } from '../core/tokenize/compareTokenizers';
import type { ComparisonView } from '../protocol';

/** Characters the view draws at most (whole lines, unless the first line alone is longer). */
export const DRAWN_CHARS = 6000;

/** Where the drawn text ends: the end of the last whole line within the cap, or the cap inside a long first line. */
export function drawnLength(text: string, cap = DRAWN_CHARS): number {
  if (text.length <= cap) return text.length;
  const lineEnd = text.lastIndexOf('\n', cap - 1);
  return lineEnd > 0 ? lineEnd + 1 : cap;
}

export function comparisonView(id: number, source: string, text: string, comparison: TokenizerComparison): ComparisonView {
  const drawn = drawnLength(text);
  return {
    id,
    source,
    text: text.slice(0, drawn),
    textLength: text.length,
    rows: comparison.tokenizers.map((row) => ({
      name: row.name,
      kind: row.kind,
      stats: row.stats,
      tokens: row.tokens
        .filter((t) => t.start < drawn || (t.special && t.start === t.end))
        .map((t) => ({
          id: t.id,
          piece: t.piece,
          display: t.display,
          start: t.start,
          // A token cut by the end of the drawn text ends there; the template's last tokens keep their place.
          end: t.start < drawn ? Math.min(t.end, drawn) : t.end,
          special: t.special,
          unknown: !t.special && t.id === row.unknownId,
          byteFallback: BYTE_FALLBACK_PIECE.test(t.piece),
          partialChar: t.partialChar,
        })),
    })),
    differing: comparison.differing.filter((b) => b < drawn),
    differingTotal: comparison.differing.length,
  };
}
