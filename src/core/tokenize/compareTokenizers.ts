// Compare Tokenizers: one text tokenized by several tokenizers, and where their token boundaries agree. No model
// runs. Boundaries are compared on the characters: WordPiece leaves the space between words out of every token
// while byte-level BPE puts it at the start of the next ("Ġcat"), so a boundary that falls in whitespace counts
// where the next non-space character starts; only a real difference (one splits "unhappy" after "un", another
// does not) is left.
import type { TokenizerStatsView } from '../../protocol/compare';
import type { Token, TokenizerKind } from '../types';
import type { TextTokenizer } from './textTokenizer';

/** A piece that stands for one byte of a character the vocabulary lacks (SentencePiece's byte fallback). */
export const BYTE_FALLBACK_PIECE = /^<0x[0-9A-Fa-f]{2}>$/;

/** One tokenizer's figures over the whole text (the protocol's shape, passed on to the view as it is). */
export type TokenizerStats = TokenizerStatsView;

export interface ComparedTokenizer {
  name: string;
  kind: TokenizerKind;
  /** The id of its unknown piece, where it has one. */
  unknownId?: number;
  tokens: Token[];
  stats: TokenizerStats;
}

export interface TokenizerComparison {
  textLength: number;
  tokenizers: ComparedTokenizer[];
  /** UTF-16 offsets (after whitespace, see above) where some tokenizers start or end a token and others do not, ascending. */
  differing: number[];
}

/** A named tokenizer to compare. */
export interface NamedTokenizer {
  name: string;
  tokenizer: TextTokenizer;
}

/** Where a boundary counts: at `at`, or past the whitespace that follows it. */
function settle(text: string, at: number): number {
  let b = at;
  while (b < text.length && /\s/.test(text[b])) b++;
  return b;
}

/** The settled boundaries of the tokens that cover text, without the text's own start and end. */
export function boundariesOf(text: string, tokens: readonly Token[]): Set<number> {
  const out = new Set<number>();
  for (const t of tokens) {
    if (t.end <= t.start) continue;
    for (const at of [t.start, t.end]) {
      const b = settle(text, at);
      if (b > settle(text, 0) && b < text.length) out.add(b);
    }
  }
  return out;
}

export function isUnknown(token: Token, tokenizer: TextTokenizer): boolean {
  return tokenizer.unknownId !== undefined && token.id === tokenizer.unknownId && !token.special;
}

export function compareTokenizers(text: string, named: readonly NamedTokenizer[]): TokenizerComparison {
  const encoded = named.map(({ name, tokenizer }) => ({ name, tokenizer, tokens: tokenizer.encode(text) }));
  const sets = encoded.map((e) => boundariesOf(text, e.tokens));
  const counts = new Map<number, number>();
  for (const set of sets) for (const b of set) counts.set(b, (counts.get(b) ?? 0) + 1);
  const differing = [...counts].filter(([, n]) => n < sets.length).map(([b]) => b);
  differing.sort((x, y) => x - y);
  const tokenizers = encoded.map(({ name, tokenizer, tokens }, i) => {
    const covering = tokens.filter((t) => t.end > t.start);
    let own = 0;
    for (const b of sets[i]) if (counts.get(b)! < sets.length) own++;
    const stats: TokenizerStats = {
      tokens: covering.length,
      added: tokens.length - covering.length,
      unknown: tokens.filter((t) => isUnknown(t, tokenizer)).length,
      byteFallback: tokens.filter((t) => BYTE_FALLBACK_PIECE.test(t.piece)).length,
      partialChar: tokens.filter((t) => t.partialChar).length,
      charsPerToken: covering.length > 0 ? text.length / covering.length : 0,
      differingBoundaries: own,
    };
    return { name, kind: tokenizer.kind, unknownId: tokenizer.unknownId, tokens, stats };
  });
  return { textLength: text.length, tokenizers, differing };
}

/**
 * The comparison as one JSON document (the CLI's `tokenize` and the view's JSON export): each tokenizer's facts
 * and tokens (id, piece, UTF-16 start/end, special), and the differing boundaries.
 */
export function comparisonDocument(comparison: TokenizerComparison) {
  return {
    textLength: comparison.textLength,
    tokenizers: comparison.tokenizers.map(({ name, kind, tokens, stats }) => ({
      name,
      kind,
      stats: { ...stats, charsPerToken: Math.round(stats.charsPerToken * 1000) / 1000 },
      tokens: tokens.map(({ id, piece, start, end, special }) => ({ id, piece, start, end, special })),
    })),
    differing: comparison.differing,
  };
}
