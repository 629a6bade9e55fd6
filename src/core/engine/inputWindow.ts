// Fitting text to a model: empty input is refused, long input is cut to the model's maximum with a notice
// that says where. Tokenizing is linear, but a 10 MB selection should not be tokenized whole to run 512
// tokens, so the text is tokenized in growing prefixes until the limit is passed.
import type { TextTokenizer } from '../tokenize/textTokenizer';
import { LensError, type Token, type Truncation } from '../types';

export interface InputWindow {
  tokens: Token[];
  truncation?: Truncation;
}

/** Characters per token well above any real tokenizer's average, so one prefix usually suffices. */
const CHARS_PER_TOKEN_BOUND = 24;

function lineAndColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1} of the selection`;
}

export function fitToModel(tokenizer: TextTokenizer, text: string, maxTokens: number): InputWindow {
  if (text.length === 0) throw new LensError('Nothing to inspect: the selection is empty.', 'empty-input');
  if (text.trim().length === 0) throw new LensError('Nothing to inspect: the selection holds only whitespace.', 'empty-input');
  const frame = tokenizer.specialTokensBefore + tokenizer.specialTokensAfter;
  const budget = maxTokens - frame;
  if (budget < 1) throw new LensError(`the model accepts only ${maxTokens} tokens`, 'model-invalid');

  let prefixLength = Math.min(text.length, Math.max(4096, maxTokens * CHARS_PER_TOKEN_BOUND));
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
  const exact = prefixLength >= text.length;
  const total = tokens.length;
  return {
    tokens: windowed,
    truncation: {
      totalTokens: total,
      keptTokens: windowed.length,
      keptUntil,
      message: `The selection needs ${exact ? '' : 'more than '}${total} tokens; the model takes ${maxTokens}. Inspected up to ${lineAndColumn(text, keptUntil)} (character ${keptUntil} of ${text.length}).`,
    },
  };
}
