// The pre-tokenizer's view of a normalized section. Pre-tokenizers split the text and may rewrite characters
// (ByteLevel writes bytes, Metaspace writes ' ' as '▁') or insert a prefix ('Ġ' / '▁'). The rewriting is replayed
// on the MappedText ("model space"); the library's own pre-tokens are then found there in order, which gives
// each pre-token unit its original span.
import type { HfTokenizer } from './hfTokenizers';
import { toByteSpace, BYTE_TO_CHAR } from './byteLevel';
import { mapCodePoints, positionAt, replaceAll, type MappedText } from './mappedText';

type PreTokenizerInstance = NonNullable<HfTokenizer['pre_tokenizer']>;

interface PreTokenizerFields {
  /** Sequence */
  tokenizers?: (PreTokenizerInstance | null)[];
  /** Replace */
  pattern?: RegExp | null;
}

type PreTokenizerConfig = Record<string, unknown> & { type?: string };

/** How model space differs from normalized text, read from tokenizer.json's pre_tokenizer. */
export interface SpaceRecipe {
  /** Apply in order to the normalized text. */
  steps: ((mt: MappedText) => MappedText)[];
  /** Strings a pre-tokenizer may put in front of a piece that the text does not contain. */
  insertedPrefixes: string[];
  /** Marks a piece that begins a word (so it is no continuation): 'Ġ' for ByteLevel, '▁' for Metaspace. */
  wordMarkers: string[];
  byteLevel: boolean;
}

export function spaceRecipe(config: unknown, instance: PreTokenizerInstance | null): SpaceRecipe {
  const recipe: SpaceRecipe = { steps: [], insertedPrefixes: [], wordMarkers: [], byteLevel: false };
  collect(config, instance, recipe);
  return recipe;
}

function collect(config: unknown, instance: PreTokenizerInstance | null, r: SpaceRecipe): void {
  if (config === null || typeof config !== 'object') return;
  const c = config as PreTokenizerConfig;
  const fields = (instance ?? {}) as PreTokenizerFields;
  switch (c.type) {
    case 'Sequence': {
      const children = Array.isArray(c.pretokenizers) ? (c.pretokenizers as unknown[]) : [];
      children.forEach((child, i) => collect(child, fields.tokenizers?.[i] ?? null, r));
      return;
    }
    case 'ByteLevel': {
      const space = BYTE_TO_CHAR[0x20];
      r.steps.push(toByteSpace);
      r.byteLevel = true;
      r.wordMarkers.push(space);
      if (c.add_prefix_space === true) r.insertedPrefixes.push(space);
      return;
    }
    case 'Metaspace': {
      const replacement = typeof c.replacement === 'string' ? c.replacement : '\u2581';
      const rep = typeof c.str_rep === 'string' && c.str_rep.length > 0 ? c.str_rep : replacement;
      r.steps.push((mt) => mapCodePoints(mt, (ch) => (ch === ' ' ? rep : ch)));
      r.wordMarkers.push(rep);
      if (c.prepend_scheme !== 'never') r.insertedPrefixes.push(rep);
      return;
    }
    case 'Replace': {
      const pattern = fields.pattern;
      const content = typeof c.content === 'string' ? c.content : '';
      if (pattern) r.steps.push((mt) => replaceAll(mt, pattern, content));
      return;
    }
    default:
      // BertPreTokenizer, Whitespace, WhitespaceSplit, Punctuation, Digits, Split, FixedLength only cut the text.
      return;
  }
}

/** Concatenated pre-tokens in model space, each unit with its original span. */
export interface PieceSpace {
  text: string;
  start: Int32Array;
  end: Int32Array;
  /** 1 where a pre-token (a word, for the model) begins. */
  wordStart: Uint8Array;
  /** Original offset for positions past the last unit. */
  endPosition: number;
}

/**
 * Finds the library's pre-tokens, in order, in `space`. Pre-tokens are substrings of model space except for an
 * inserted prefix; whatever lies between them (whitespace a splitter dropped) is skipped.
 */
export function locatePreTokens(space: MappedText, preTokens: string[], insertedPrefixes: string[]): PieceSpace {
  const text = preTokens.join('');
  const start = new Int32Array(text.length);
  const end = new Int32Array(text.length);
  const wordStart = new Uint8Array(text.length + 1);
  const s = space.text;
  let cur = 0;
  let k = 0;
  const copy = (from: number, n: number): void => {
    for (let i = 0; i < n; i++, k++) {
      start[k] = space.start[from + i];
      end[k] = space.end[from + i];
    }
  };
  const insert = (n: number, at: number): void => {
    start.fill(at, k, k + n);
    end.fill(at, k, k + n);
    k += n;
  };
  for (const p of preTokens) {
    if (p.length === 0) continue;
    wordStart[k] = 1;
    let found = s.startsWith(p, cur) ? cur : -1;
    let prefix = 0;
    for (const x of insertedPrefixes) {
      if (found >= 0) break;
      if (p.startsWith(x) && s.startsWith(p.slice(x.length), cur)) [found, prefix] = [cur, x.length];
    }
    if (found < 0) found = s.indexOf(p, cur);
    for (const x of insertedPrefixes) {
      if (found >= 0) break;
      if (p.startsWith(x)) [found, prefix] = [s.indexOf(p.slice(x.length), cur), x.length];
    }
    if (found < 0) {
      // A pre-tokenizer rewrote the text in a way not replayed here: its units get an empty span at the current
      // position rather than a guessed one (the token ids are unaffected).
      insert(p.length, positionAt(space, cur));
      continue;
    }
    insert(prefix, positionAt(space, found));
    copy(found, p.length - prefix);
    cur = found + p.length - prefix;
  }
  return { text, start, end, wordStart, endPosition: positionAt(space, s.length) };
}
