// Re-tokenizes an edited document without tokenizing all of it: only a stretch from a few tokens before the first
// changed character to a few tokens after the last, spliced between the old tokens on either side. Tokenizers
// decide a token from the text near it (a pre-token, a word), so away from the change the tokens stay; the
// stretch is accepted only when its first and last SYNC tokens are the old tokens there, else the whole text is
// tokenized again. A one-line edit in a 2,000-line file then tokenizes a line or two, not 36,000 tokens (200–900
// ms on the shared machine, as long as the windows the edit makes stale take to run).
import type { ScanToken } from './windowScores';

/** Tokens between the change and each end of the re-tokenized stretch. */
const MARGIN = 16;
/** Tokens at each end of the stretch that must come out as they were, for the splice to be taken. */
const SYNC = 4;

/** What the tokens of `text` are after an edit, and whether they were spliced (else tokenized whole). */
export interface Retokenized {
  tokens: ScanToken[];
  spliced: boolean;
}

/** A tokenizer's encode, as a scan keeps its tokens. */
export type EncodeScan = (text: string) => ScanToken[];

export function retokenize(encode: EncodeScan, before: { text: string; tokens: readonly ScanToken[] }, text: string): Retokenized {
  const spliced = splice(encode, before.text, before.tokens, text);
  return spliced ? { tokens: spliced, spliced: true } : { tokens: encode(text), spliced: false };
}

/** Tokens the post-processor adds (BOS, EOS, [CLS]) have an empty span and no text; every other token has text. */
const fromText = (t: ScanToken) => !(t.special && t.start === t.end);

const same = (a: ScanToken, b: ScanToken, shift: number) => a.id === b.id && a.start === b.start + shift && a.end === b.end + shift;

/** Whether a token starts clear of the one before it (not inside a character split over pieces). */
const clearAt = (tokens: readonly ScanToken[], i: number) => i > 0 && tokens[i - 1].end <= tokens[i].start;

function splice(encode: EncodeScan, old: string, tokens: readonly ScanToken[], text: string): ScanToken[] | undefined {
  const max = Math.min(old.length, text.length);
  let prefix = 0;
  while (prefix < max && old.charCodeAt(prefix) === text.charCodeAt(prefix)) prefix++;
  if (prefix === old.length && prefix === text.length) return [...tokens];
  let suffix = 0;
  while (suffix < max - prefix && old.charCodeAt(old.length - 1 - suffix) === text.charCodeAt(text.length - 1 - suffix)) suffix++;
  const shift = text.length - old.length;

  // The stretch starts MARGIN tokens before the first token the change may touch, at a token clear of the one
  // before it, and never at the first text token (a tokenizer may mark a text's start, as SentencePiece's ▁).
  const firstText = tokens.findIndex(fromText);
  const touched = tokens.findIndex((t) => fromText(t) && t.end > prefix);
  if (firstText < 0 || touched < 0) return undefined;
  let from = touched - MARGIN;
  while (from > firstText && !clearAt(tokens, from)) from--;
  if (from <= firstText) return undefined;

  // It ends MARGIN tokens after the first token wholly in the unchanged end, or at the end of the text.
  const lastText = tokens.findLastIndex(fromText);
  const untouched = tokens.findIndex((t) => fromText(t) && t.start >= old.length - suffix);
  let to = untouched < 0 ? lastText + 1 : untouched + MARGIN;
  while (to <= lastText && !clearAt(tokens, to)) to++;
  const toEnd = to > lastText;

  const start = tokens[from].start;
  const end = toEnd ? text.length : tokens[to].start + shift;
  const stretch = encode(text.slice(start, end))
    .filter(fromText)
    .map((t) => ({ ...t, start: t.start + start, end: t.end + start }));
  if (stretch.length < 2 * SYNC) return undefined;
  for (let k = 0; k < SYNC; k++) {
    if (!same(stretch[k], tokens[from + k], 0)) return undefined;
    if (!toEnd && !same(stretch[stretch.length - 1 - k], tokens[to - 1 - k], shift)) return undefined;
  }
  const after = toEnd
    ? tokens.slice(lastText + 1).map((t) => ({ ...t, start: text.length, end: text.length }))
    : tokens.slice(to).map((t) => ({ ...t, start: t.start + shift, end: t.end + shift }));
  const joined = [...tokens.slice(0, from), ...stretch, ...after];
  for (let i = from; i < joined.length; i++) joined[i].index = i;
  return joined;
}
