// Fitting text to a model: empty input is refused, long input is cut to the model's maximum with a notice
// that says where and how many tokens the whole selection needs. The count is exact up to COUNT_CHARS
// characters; past that (a 10 MB selection should not be tokenized whole to run 512 tokens) it is a lower
// bound, and the notice says "at least".
import { findPairSplit } from '../tokenize/sentencePair';
import type { TextTokenizer } from '../tokenize/textTokenizer';
import { LensError, type Token, type Truncation } from '../types';

export interface InputWindow {
  tokens: Token[];
  truncation?: Truncation;
  /** A sentence pair's segment id per token and where sentence B starts (absent for one text). */
  pair?: { segments: number[]; sentenceBStart: number };
}

/** Characters per token well above any real tokenizer's average, so one prefix usually holds the kept tokens. */
const CHARS_PER_TOKEN_BOUND = 24;
/** Text up to this length is counted exactly (about a second of tokenizing on a slow CPU, in the worker). */
export const COUNT_CHARS = 250_000;

function lineAndColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1} of the selection`;
}

/**
 * Content tokens of the whole text, at least: those of a prefix that end before its last whitespace (a word
 * cut at the prefix's end may split into more pieces than it has whole), and more than the budget, since the
 * prefix alone exceeds it.
 */
function contentAtLeast(tokens: Token[], prefix: string, budget: number): number {
  let cut = prefix.length;
  while (cut > 0 && !/\s/.test(prefix[cut - 1])) cut--;
  const settled = tokens.filter((t) => !t.special && t.end < cut).length;
  return Math.max(settled, budget + 1);
}

function checkNotEmpty(text: string): void {
  if (text.length === 0) throw new LensError('Nothing to inspect: the selection is empty.', 'empty-input');
  if (text.trim().length === 0) throw new LensError('Nothing to inspect: the selection holds only whitespace.', 'empty-input');
}

function cutMessage(needs: string, maxTokens: number, text: string, keptUntil: number): string {
  return (
    `The selection needs ${needs}; the model takes ${maxTokens}. Inspected up to ${lineAndColumn(text, keptUntil)} ` +
    `(character ${keptUntil.toLocaleString('en-US')} of ${text.length.toLocaleString('en-US')}).`
  );
}

export function fitToModel(tokenizer: TextTokenizer, text: string, maxTokens: number): InputWindow {
  checkNotEmpty(text);
  const frame = tokenizer.specialTokensBefore + tokenizer.specialTokensAfter;
  const budget = maxTokens - frame;
  if (budget < 1) throw new LensError(`the model accepts only ${maxTokens} tokens`, 'model-invalid');

  let prefixLength = Math.min(text.length, Math.max(COUNT_CHARS, maxTokens * CHARS_PER_TOKEN_BOUND));
  let tokens = tokenizer.encode(text.slice(0, prefixLength));
  while (prefixLength < text.length && tokens.length - frame <= budget) {
    prefixLength = Math.min(text.length, prefixLength * 4);
    tokens = tokenizer.encode(text.slice(0, prefixLength));
  }
  const content = tokens.length - frame;
  if (content <= budget) return { tokens };

  const before = tokens.slice(0, tokenizer.specialTokensBefore);
  const kept = tokens.slice(tokenizer.specialTokensBefore, tokenizer.specialTokensBefore + budget);
  const keptUntil = kept.length > 0 ? kept[kept.length - 1].end : 0;
  const after = tokens.slice(tokens.length - tokenizer.specialTokensAfter).map((t) => ({ ...t, start: keptUntil, end: keptUntil }));
  const windowed = [...before, ...kept, ...after].map((t, index) => ({ ...t, index }));
  const totalExact = prefixLength >= text.length;
  const total = totalExact ? tokens.length : contentAtLeast(tokens, text.slice(0, prefixLength), budget) + frame;
  const needs = totalExact
    ? `${total.toLocaleString('en-US')} tokens`
    : `at least ${total.toLocaleString('en-US')} tokens (counted in its first ${prefixLength.toLocaleString('en-US')} characters)`;
  return {
    tokens: windowed,
    truncation: {
      totalTokens: total,
      totalExact,
      keptTokens: windowed.length,
      keptUntil,
      message: cutMessage(needs, maxTokens, text, keptUntil),
    },
  };
}

/**
 * The text as a sentence pair (see sentencePair.ts). Too long, sentence B is cut at its end (Hugging Face's
 * truncation 'only_second'): the question stays whole. A sentence A that alone leaves no room is refused.
 */
export function fitPairToModel(tokenizer: TextTokenizer, text: string, maxTokens: number): InputWindow {
  checkNotEmpty(text);
  const { tokens, segments, sentenceBStart } = tokenizer.encodePair(text, findPairSplit(text, tokenizer.pairSeparators));
  if (tokens.length <= maxTokens) return { tokens, pair: { segments, sentenceBStart } };
  const after = tokens.length - tokens.findLastIndex((t) => !t.special || t.end > t.start) - 1;
  const room = maxTokens - sentenceBStart - after;
  if (room < 1) {
    throw new LensError(
      `The first sentence of the pair needs ${sentenceBStart} tokens with its separators; the model takes ${maxTokens}: ` +
        'select a shorter first sentence.',
      'empty-input',
    );
  }
  const keep = [...Array(sentenceBStart + room).keys(), ...Array.from({ length: after }, (_, i) => tokens.length - after + i)];
  const keptUntil = tokens[sentenceBStart + room - 1].end;
  const windowed = keep.map((k, index) => {
    const t = tokens[k];
    return { ...t, index, ...(k >= sentenceBStart + room ? { start: keptUntil, end: keptUntil } : {}) };
  });
  return {
    tokens: windowed,
    pair: { segments: keep.map((k) => segments[k]), sentenceBStart },
    truncation: {
      totalTokens: tokens.length,
      totalExact: true,
      keptTokens: windowed.length,
      keptUntil,
      message: cutMessage(`${tokens.length.toLocaleString('en-US')} tokens as a pair`, maxTokens, text, keptUntil),
    },
  };
}
