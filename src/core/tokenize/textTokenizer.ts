// Tokenization of editor text with exact UTF-16 spans, for any Hub tokenizer.json that @huggingface/tokenizers
// reads (WordPiece, byte-level BPE, SentencePiece BPE / Unigram). The library gives ids but no offsets, so
// alignText() replays its pipeline with spans; ids come from the library's own tables, and tests check them
// against its encode() on a varied corpus.
//
// Span conventions (Token.start/end are UTF-16 offsets into the string passed to encode):
//  - tokens the post-processor adds ([CLS], <s> …) are special with an empty span: 0 before the text,
//    text.length after it. A special added token typed in the text ("[MASK]", "<|endoftext|>") is special too,
//    and spans the characters it was matched on;
//  - a token that covers only part of a character (a byte-level piece with some of an emoji's UTF-8 bytes, a
//    jamo of a decomposed Hangul syllable) has partialChar set and the span of the whole character, so the
//    pieces of one character share a span. Spans are ordered and "disjoint" means: non-overlapping except
//    where partial pieces share a character;
//  - characters the normalizer deletes (control characters; combining marks, which join the character before
//    them) belong to no token unless inside a word; whitespace that separates words belongs to none;
//  - a piece whose text is not in the input ([UNK], a byte-fallback byte) takes the stretch up to the next
//    piece; WordPiece's [UNK] takes its whole word.
import type { Token, TokenizerKind } from '../types';
import { LensError } from '../types';
import { alignText, matchPieces, type AlignedPiece, type Pipeline } from './alignText';
import { AddedTokenSplitter } from './addedTokens';
import { CONTINUATION_MARK, displayPiece, visibleWhitespace, type DisplayRules } from './display';
import { HfTokenizerClass, internalsOf, modelFamily, pieceSettings, type HfTokenizer } from './hfTokenizers';
import { normalizerSpaceMarker } from './normalizeMapped';
import { spaceRecipe } from './preTokenSpace';
import type { PairSplit } from './sentencePair';
import { readTokenizerFiles, type TokenizerFiles } from './tokenizerFiles';

/** A sentence pair as the tokenizer's pair template joins it. */
export interface PairEncoding {
  tokens: Token[];
  /** The template's segment (token type) id of each token: BERT's 0 for [CLS] A [SEP], 1 for B [SEP]. */
  segments: number[];
  /** Index of sentence B's first token (bertviz's sentence_b_start): A and its separators come before it. */
  sentenceBStart: number;
}

export interface TextTokenizer {
  readonly kind: TokenizerKind;
  /** Highest id + 1, added tokens included. */
  readonly vocabSize: number;
  readonly maskToken?: string;
  readonly maskTokenId?: number;
  /** The id of the model's unknown piece ([UNK], <unk>), where it has one. */
  readonly unknownId?: number;
  readonly specialIds: ReadonlySet<number>;
  /** Ids and tokens of `text`, special tokens added as the model's post-processor says (BERT: [CLS] … [SEP]; GPT-2: none). */
  encode(text: string): Token[];
  /** Readable text of one id, for prediction lists (same conventions as Token.display; "##ing" → "·ing"). */
  displayOf(id: number): string;
  /**
   * The text ids decode to (special tokens left out) and each id as a token spanning what it added to that text
   * (leading whitespace excluded): a generated target, whose ids came first.
   */
  decode(ids: readonly number[]): { text: string; tokens: Token[] };
  /** How many special tokens the post-processor adds before and after a single sequence. */
  readonly specialTokensBefore: number;
  readonly specialTokensAfter: number;
  /**
   * The text a user types between two sentences, as the pair template separates them ("[SEP]", "</s></s>"), then
   * each of its tokens alone ("</s>"); empty when the tokenizer has no pair template (GPT-2's).
   */
  readonly pairSeparators: readonly string[];
  /** Sentences A = text[0, aEnd) and B = text[bStart, …) tokenized apart and joined by the pair template. */
  encodePair(text: string, split: PairSplit): PairEncoding;
}

export async function loadTextTokenizer(folder: string): Promise<TextTokenizer> {
  return createTextTokenizer(await readTokenizerFiles(folder));
}

export function createTextTokenizer(files: TokenizerFiles): TextTokenizer {
  return new AlignedTokenizer(files);
}

class AlignedTokenizer implements TextTokenizer {
  readonly kind: TokenizerKind;
  readonly vocabSize: number;
  readonly maskToken?: string;
  readonly maskTokenId?: number;
  readonly unknownId?: number;
  readonly specialIds: ReadonlySet<number>;
  readonly specialTokensBefore: number;
  readonly specialTokensAfter: number;
  readonly pairSeparators: readonly string[];
  private readonly hf: HfTokenizer;
  private readonly pipeline: Pipeline;
  private readonly display: DisplayRules;

  constructor(files: TokenizerFiles) {
    this.hf = construct(files);
    const family = modelFamily(files.tokenizer.model as Record<string, unknown>);
    if (family === 'other') {
      throw new LensError(
        `${files.source}: the tokenizer model is not WordPiece, BPE or Unigram, which the inspector supports`,
        'model-unsupported',
      );
    }
    const internals = internalsOf(this.hf);
    const recipe = spaceRecipe(files.tokenizer.pre_tokenizer ?? null, this.hf.pre_tokenizer);
    const settings = pieceSettings(this.hf, family);
    const byteLevel = recipe.byteLevel || mentionsByteLevel(files.tokenizer.decoder);
    const spaceMarker = normalizerSpaceMarker(files.tokenizer.normalizer);
    const wordMarkers =
      spaceMarker && !recipe.wordMarkers.includes(spaceMarker) ? [...recipe.wordMarkers, spaceMarker] : recipe.wordMarkers;
    this.kind = family === 'bpe' ? bpeKind(byteLevel, settings.byteFallback, wordMarkers) : family;
    this.pipeline = {
      tokenizer: this.hf,
      settings: { ...settings, family, wordMarkers },
      recipe,
      rawSplitter: new AddedTokenSplitter(internals.added_tokens.filter((t) => !t.normalized || !this.hf.normalizer).map((t) => t.content)),
      normalizedSplitter: new AddedTokenSplitter(
        internals.added_tokens.filter((t) => t.normalized && this.hf.normalizer).map((t) => this.hf.normalizer!(t.content)),
      ),
      addedMap: internals.added_tokens_map,
      removeSpace: internals.remove_space === true,
      lowercaseAndRemoveAccent: internals.do_lowercase_and_remove_accent === true,
    };
    this.display = {
      byteLevel,
      continuingPrefix: settings.continuingPrefix,
      spaceMarkers: recipe.byteLevel ? [] : wordMarkers,
      suffixes: [settings.endOfWordSuffix, settings.continuingSuffix].filter((s): s is string => !!s),
    };
    this.vocabSize = this.hf.model?.vocab.length ?? 0;
    this.unknownId = settings.unkId;
    const special = new Set(internals.added_tokens.filter((t) => t.special).map((t) => t.id));
    for (const s of asStrings(files.config.additional_special_tokens)) {
      const id = this.hf.token_to_id(s);
      if (id !== undefined) special.add(id);
    }
    this.specialIds = special;
    [this.specialTokensBefore, this.specialTokensAfter] = this.frame();
    this.pairSeparators = this.pairFrame();
    const mask = findMaskToken(
      files,
      this.hf,
      internals.added_tokens.map((t) => t.content),
    );
    if (mask) [this.maskToken, this.maskTokenId] = mask;
  }

  encode(text: string): Token[] {
    const aligned = alignText(this.pipeline, text);
    const pieces = aligned.map((a) => a.piece);
    const processed = this.postProcess(pieces);
    const before = this.specialTokensBefore;
    const framed =
      processed.length === before + pieces.length + this.specialTokensAfter && pieces.every((p, i) => processed[before + i] === p);
    const placed: (AlignedPiece | undefined)[] = framed
      ? processed.map((_, i) => (i >= before && i < before + pieces.length ? aligned[i - before] : undefined))
      : matchPieces(processed, aligned);
    let lastEnd = 0;
    return processed.map((piece, index) => {
      const a = placed[index];
      // Added by the post-processor: an empty span where it stands (0 before the text, text.length after it).
      const at = framed ? (index < before ? 0 : text.length) : lastEnd;
      if (a) lastEnd = a.end;
      return this.token(index, piece, a, at);
    });
  }

  encodePair(text: string, split: PairSplit): PairEncoding {
    const post = this.hf.post_processor;
    if (!post || this.pairSeparators.length === 0) {
      throw new LensError(
        'this tokenizer has no sentence-pair template (its post-processor joins no second sentence)',
        'model-unsupported',
      );
    }
    const a = alignText(this.pipeline, text.slice(0, split.aEnd));
    const b = alignText(this.pipeline, text.slice(split.bStart)).map((p) => ({
      ...p,
      start: p.start + split.bStart,
      end: p.end + split.bStart,
    }));
    const out: { tokens: string[]; token_type_ids?: number[] } = post(
      a.map((p) => p.piece),
      b.map((p) => p.piece),
      true,
    );
    const placed = matchPieces(out.tokens, [...a, ...b]);
    const lastPlaced = placed.findLastIndex((p) => p !== undefined);
    let lastEnd = 0;
    const tokens = out.tokens.map((piece, index) => {
      const p = placed[index];
      // Template tokens: at the text's start, where sentence A ends (the separators), or at the text's end.
      const at = index > lastPlaced ? text.length : lastEnd;
      if (p) lastEnd = p.end;
      return this.token(index, piece, p, at);
    });
    const firstOfB = placed.findIndex((p) => p !== undefined && p.start >= split.bStart);
    return {
      tokens,
      segments: out.token_type_ids ?? new Array<number>(tokens.length).fill(0),
      sentenceBStart: firstOfB >= 0 ? firstOfB : lastPlaced + 1,
    };
  }

  /** One token: a piece the text holds (aligned), or one the post-processor added at `at`. */
  private token(index: number, piece: string, a: AlignedPiece | undefined, at: number): Token {
    const id = this.idOf(piece);
    const vocabPiece = this.pieceOf(id, piece);
    if (!a) {
      return { index, id, piece: vocabPiece, display: piece, start: at, end: at, special: true, continuation: false, partialChar: false };
    }
    const display = a.added
      ? a.added.special
        ? vocabPiece
        : visibleWhitespace(vocabPiece)
      : this.cachedDisplay(id, vocabPiece, a.continuation);
    return {
      index,
      id,
      piece: vocabPiece,
      display,
      start: a.start,
      end: a.end,
      special: a.added?.special === true,
      continuation: a.continuation,
      partialChar: a.partial,
    };
  }

  displayOf(id: number): string {
    const piece = this.hf.id_to_token(id);
    if (piece === undefined) return `<id ${id}>`;
    if (this.specialIds.has(id)) return piece;
    const prefix = this.display.continuingPrefix;
    if (prefix && piece.startsWith(prefix) && piece.length > prefix.length) {
      return CONTINUATION_MARK + displayPiece(piece, this.display, true);
    }
    return displayPiece(piece, this.display, false);
  }

  decode(ids: readonly number[]): { text: string; tokens: Token[] } {
    let text = '';
    const content: number[] = [];
    const tokens = ids.map((id, index): Token => {
      const special = this.specialIds.has(id);
      let start = text.length;
      if (!special) {
        content.push(id);
        const next = this.hf.decode(content, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
        // Decoding more ids may rewrite the end of the text (bytes completing a character): the span starts where they agree.
        let common = 0;
        while (common < text.length && text[common] === next[common]) common++;
        start = common;
        while (start < next.length && /\s/.test(next[start])) start++;
        text = next;
      }
      const piece = this.pieceOf(id, `<id ${id}>`);
      // A piece glued to the text before it continues that word.
      const continuation = !special && start > 0 && !/\s/.test(text[start - 1]);
      return {
        index,
        id,
        piece,
        display: this.displayOf(id),
        start: Math.min(start, text.length),
        end: text.length,
        special,
        continuation,
        partialChar: false,
      };
    });
    return { text, tokens };
  }

  /** Display strings by id (and continuation), as texts repeat the same pieces. */
  private readonly displays = new Map<number, string>();

  private cachedDisplay(id: number, piece: string, continuation: boolean): string {
    const key = continuation ? -1 - id : id;
    let display = this.displays.get(key);
    if (display === undefined) {
      display = displayPiece(piece, this.display, continuation);
      if (id >= 0) this.displays.set(key, display);
    }
    return display;
  }

  /** The library's id for a piece, looked up exactly as its encode() does. */
  private idOf(piece: string): number {
    const model = this.hf.model;
    return this.pipeline.addedMap.get(piece)?.id ?? model?.tokens_to_ids.get(piece) ?? model?.unk_token_id ?? -1;
  }

  private pieceOf(id: number, fallback: string): string {
    return this.hf.id_to_token(id) ?? fallback;
  }

  private postProcess(pieces: string[]): string[] {
    const pp = this.hf.post_processor;
    return pp ? pp(pieces, null, true).tokens : pieces;
  }

  /** Special tokens around one sequence, found by post-processing a sentinel that no vocabulary holds. */
  private frame(): [number, number] {
    const sentinel = '\u0000attention-lens-sentinel\u0000';
    const out = this.postProcess([sentinel]);
    const at = out.indexOf(sentinel);
    return at < 0 ? [0, 0] : [at, out.length - at - 1];
  }

  /** What the pair template puts between two sentences, found by post-processing two sentinels. */
  private pairFrame(): string[] {
    const pp = this.hf.post_processor;
    const [first, second] = ['\u0000attention-lens-a\u0000', '\u0000attention-lens-b\u0000'];
    const out = pp ? pp([first], [second], true).tokens : [];
    const a = out.indexOf(first);
    const b = out.indexOf(second);
    if (a < 0 || b <= a + 1) return [];
    const between = out.slice(a + 1, b);
    return [...new Set([between.join(''), ...between])];
  }
}

function construct(files: TokenizerFiles): HfTokenizer {
  // The library insists on these keys; tokenizer.json files written by older tools leave some out.
  const json = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, added_tokens: [], ...files.tokenizer };
  try {
    return new HfTokenizerClass(json, files.config);
  } catch (e) {
    // A TypeError or RangeError is the library failing on a section of the wrong shape; its own words would
    // only name its internals.
    if (e instanceof TypeError || e instanceof RangeError) {
      throw new LensError(
        `${files.source}: cannot be read as a tokenizer: a section (model, ` +
          `normalizer, pre_tokenizer, post_processor or decoder) has the wrong shape`,
        'model-invalid',
      );
    }
    const message = e instanceof Error ? e.message : String(e);
    const unsupported = /unknown|unsupported/i.test(message);
    throw new LensError(`${files.source}: cannot be read as a tokenizer (${message})`, unsupported ? 'model-unsupported' : 'model-invalid');
  }
}

/** Byte-level BPE (GPT-2, Llama 3, Qwen), SentencePiece BPE ("▁" for spaces, "<0xNN>" byte fallback: Llama 2,
 * Mistral, Gemma), or another BPE (suffix-marked, e.g. "</w>"). */
function bpeKind(byteLevel: boolean, byteFallback: boolean, wordMarkers: string[]): TokenizerKind {
  if (byteLevel) return 'byte-bpe';
  return byteFallback || wordMarkers.includes('\u2581') ? 'sentencepiece-bpe' : 'bpe';
}

function mentionsByteLevel(config: unknown): boolean {
  if (config === null || typeof config !== 'object') return false;
  const c = config as { type?: unknown; decoders?: unknown };
  if (c.type === 'ByteLevel') return true;
  return Array.isArray(c.decoders) && c.decoders.some(mentionsByteLevel);
}

function asStrings(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.map(tokenContent).filter((s): s is string => s !== undefined);
}

/** A token in tokenizer_config.json / special_tokens_map.json: a string or an AddedToken object with `content`. */
function tokenContent(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string')
    return (v as { content: string }).content;
  return undefined;
}

/** The mask token named by the config files, else an added token spelled like one. */
function findMaskToken(files: TokenizerFiles, hf: HfTokenizer, added: string[]): [string, number] | undefined {
  const conventional = ['[MASK]', '<mask>'].filter((m) => added.includes(m));
  const candidates = [tokenContent(files.config.mask_token), tokenContent(files.specialTokensMap?.mask_token), ...conventional];
  for (const c of candidates) {
    const id = c === undefined ? undefined : hf.token_to_id(c);
    if (c !== undefined && id !== undefined) return [c, id];
  }
  return undefined;
}
