// Fitting text to a model: empty input is refused, long input is cut to the model's maximum with a notice
// that says where and how many tokens the whole selection needs. The count is exact up to COUNT_CHARS
// characters; past that (a 10 MB selection should not be tokenized whole to run 512 tokens) it is a lower
// bound, and the notice says "at least".
import type { TextTokenizer } from '../tokenize/textTokenizer';
import { LensError, type Token, type Truncation } from '../types';

export interface InputWindow {
  tokens: Token[];
  truncation?: Truncation;
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

export function fitToModel(tokenizer: TextTokenizer, text: string, maxTokens: number): InputWindow {
  if (text.length === 0) throw new LensError('Nothing to inspect: the selection is empty.', 'empty-input');
  if (text.trim().length === 0) throw new LensError('Nothing to inspect: the selection holds only whitespace.', 'empty-input');
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
      message:
        `The selection needs ${needs}; the model takes ${maxTokens}. Inspected up to ${lineAndColumn(text, keptUntil)} ` +
        `(character ${keptUntil.toLocaleString('en-US')} of ${text.length.toLocaleString('en-US')}).`,
    },
  };
}
