// The one place that reaches into @huggingface/tokenizers. Its Tokenizer gives ids but no offsets, so the
// aligner re-runs the tokenizer's own pipeline stages (normalizer, pre-tokenizer, model, post-processor) on
// spans it tracks itself. Those stage objects are public fields; the added-token tables are private in the
// typings but plain properties at run time, so they are read through the narrow interface below and checked.
import type { Tokenizer as TokenizerClass } from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };

// The package ships CommonJS for `require` but types that TypeScript reads as ESM under node16 resolution,
// so the value is required and only the types are imported (type imports are erased).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const hf = require('@huggingface/tokenizers') as { Tokenizer: typeof TokenizerClass };

export type HfTokenizer = TokenizerClass;
export const HfTokenizerClass = hf.Tokenizer;

/** What the aligner needs from an added token (tokenizer.json's `added_tokens` entries). */
export interface AddedTokenInfo {
  content: string;
  id: number;
  lstrip: boolean;
  rstrip: boolean;
  special: boolean;
  normalized: boolean;
}

/** Run-time fields of the library's Tokenizer that its typings mark private. */
interface TokenizerInternals {
  added_tokens: AddedTokenInfo[];
  added_tokens_map: Map<string, AddedTokenInfo>;
  remove_space?: boolean;
  do_lowercase_and_remove_accent: boolean;
}

export function internalsOf(tokenizer: HfTokenizer): TokenizerInternals {
  const t = tokenizer as unknown as Partial<TokenizerInternals>;
  if (!Array.isArray(t.added_tokens) || !(t.added_tokens_map instanceof Map)) {
    throw new Error('@huggingface/tokenizers changed: Tokenizer.added_tokens / added_tokens_map not found');
  }
  return t as TokenizerInternals;
}

export type ModelFamily = 'wordpiece' | 'bpe' | 'unigram' | 'other';

/** The model class the library builds from tokenizer.json's "model" (its create_tokenizer_model rules). */
export function modelFamily(model: Record<string, unknown>): ModelFamily {
  switch (model.type) {
    case 'WordPiece':
      return 'wordpiece';
    case 'BPE':
      return 'bpe';
    case 'Unigram':
      return 'unigram';
  }
  if (Array.isArray(model.vocab)) return 'unigram';
  if (model.vocab && 'continuing_subword_prefix' in model && 'unk_token' in model) return 'merges' in model ? 'bpe' : 'wordpiece';
  return 'other';
}

/** Model settings that change how a piece's text relates to the input (read from the model's config). */
export interface ModelPieceSettings {
  unkToken?: string;
  unkId?: number;
  /** WordPiece: "##". */
  continuingPrefix?: string;
  /** BPE: suffix on every piece but a word's last (e.g. "@@"), and on a word's last piece (e.g. "</w>"). */
  continuingSuffix?: string;
  endOfWordSuffix?: string;
  byteFallback: boolean;
}

export function pieceSettings(tokenizer: HfTokenizer, family: ModelFamily): ModelPieceSettings {
  const m = tokenizer.model;
  const config = (m?.config ?? {}) as unknown as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
  return {
    unkToken: m?.unk_token ?? undefined,
    unkId: m?.unk_token_id ?? undefined,
    continuingPrefix: family === 'wordpiece' ? (str(config.continuing_subword_prefix) ?? '##') : undefined,
    continuingSuffix: family === 'bpe' ? str(config.continuing_subword_suffix) : undefined,
    endOfWordSuffix: family === 'bpe' ? str(config.end_of_word_suffix) : undefined,
    byteFallback: family === 'bpe' && config.byte_fallback === true,
  };
}
