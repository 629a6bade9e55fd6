// What a model family declares, as data: how its config.json is recognised and read, what it predicts, the
// inputs it is fed, the special tokens it needs and the attention sets its runs carry. The engine, the worker and
// the host ask the family; nothing outside src/core/families branches on which family a model is.
// transformers.js's per-model-type config table is the model for this.
import type { AttentionSetSpec, PredictionTask, Token } from '../types';

/** What may be asked about a run besides its attention. */
export interface FamilyCapabilities {
  /** The top-k at a position when it alone is replaced by the mask token. */
  maskPosition: boolean;
  /** The top-k at every position of the text as it is. */
  unmasked: boolean;
  /** The whole vocabulary's logits at one position. */
  logits: boolean;
}

/**
 * Which layers use the config's `sliding_window`, for configs that list no `layer_types` (a config that does
 * list them is read as it says: 'sliding_attention' layers slide).
 */
export type SlidingLayers =
  /** Every layer (Mistral, Phi-3). */
  | { every: true }
  /** Layer i slides unless i + 1 is a multiple of the period (Gemma 2: 2; Gemma 3: `sliding_window_pattern`, 6). */
  | { period: number; periodKey?: string }
  /** Only when `enabledKey` is true, and from layer `fromKey` on (Qwen2 / Qwen3: use_sliding_window, max_window_layers). */
  | { enabledKey: string; fromKey: string }
  /** Layer i slides unless i is a multiple of config[globalEveryKey] (ModernBERT: layers 0, n, 2n … are global). */
  | { globalEveryKey: string };

/** What one config.json model_type does differently from the rest of its family. */
export interface ModelTypeFacts {
  /** The first position id (transformers.js feeds Gemma 3 and PaliGemma positions from 1). */
  firstPosition?: number;
  slidingLayers?: SlidingLayers;
  /**
   * The window is centred on the query, which sees the keys within size / 2 on either side (ModernBERT's
   * local_attention), rather than itself and the size − 1 keys before it.
   */
  windowAround?: boolean;
}

/** Config.json keys per fact, first present wins (families name them differently). */
export interface ConfigKeys {
  layers: string[];
  heads: string[];
  hiddenSize: string[];
  maxPositions: string[];
  /** Key/value heads of grouped-query attention; the query heads when absent. */
  kvHeads?: string[];
  /** Width of one head; hidden size ÷ heads when absent (Qwen3-0.6B says 128, not 1024 / 16). */
  headDim?: string[];
  /** Tokens a query sees in a sliding-window layer (which layers: `ModelTypeFacts.slidingLayers`). */
  slidingWindow?: string[];
  /** Attention scores are soft-capped: cap · tanh(score / cap) (Gemma 2). */
  attnSoftcap?: string[];
  /** Queries are scaled by 1 / √(this) instead of 1 / √head_dim (Gemma 2 and 3). */
  queryPreAttnScalar?: string[];
  /** An encoder–decoder model's decoder layers and heads; the encoder's (layers, heads) when absent. */
  decoderLayers?: string[];
  decoderHeads?: string[];
}

/** What an encoder–decoder family's models are made of: two graphs and the tokens that frame a target. */
export interface EncoderDecoderFacts {
  /** The encoder's ONNX file (input_ids, attention_mask → last_hidden_state), without the variant's suffix. */
  encoderFile: string;
  /** The decoder's, most useful first: a merged decoder's no-past branch is lifted out (see onnx/mergedBranch.ts). */
  decoderFiles: readonly string[];
  /** File-name suffixes of the exports' variants, most exact first ('' fp32, '_fp16', '_quantized' …): both graphs of one are loaded. */
  variants: readonly string[];
  /** The decoder input that takes the encoder's output; the cross-attention's keys are computed from it. */
  encoderStatesInput: string;
  /** Config keys of the token a target starts with and the one that ends it. */
  decoderStartKeys: readonly string[];
  endTokenKeys: readonly string[];
}

export interface ModelFamily {
  /** Short name, e.g. 'bert', 'gpt2'. */
  name: string;
  /** What the views call such a model, e.g. 'masked LM'. */
  label: string;
  /**
   * What the family takes, for the message that refuses other models, e.g. 'masked language models (…ForMaskedLM)';
   * absent where another family's words cover it (every …ForCausalLM is a causal language model).
   */
  runsWhat?: string;
  /** config.json model_type values of this family (used when a config names no architecture). */
  modelTypes: ReadonlySet<string>;
  /** Architectures (config.json's `architectures`) this family takes by name: a name beats any pattern. */
  architectures: ReadonlySet<string>;
  /** Whether an architecture not named by any family is this family's task head (a pattern, e.g. …ForCausalLM). */
  takesArchitecture(architecture: string): boolean;
  task: PredictionTask;
  /** The positions a run ranks: the mask tokens of a fill-mask model; 'every' position of a next-token model. */
  rankedPositions(tokens: readonly Token[], maskTokenId: number | undefined): number[] | 'every';
  /** Runs also score the token actually at each position (a next-token model's surprisal). */
  scoresActualTokens: boolean;
  /** The tokenizer must define a mask token (fill-mask models). */
  needsMaskToken: boolean;
  /** Graph inputs the engine feeds for this family, by name (feeds.ts builds them); others are refused. */
  inputs: readonly string[];
  attentionSets: readonly AttentionSetSpec[];
  capabilities: FamilyCapabilities;
  /** Where config.json names each fact; maxPositions is then adjusted by `usablePositions` where the family reserves some. */
  configKeys: ConfigKeys;
  /** Objects inside config.json whose keys are read before the top level (Gemma 3's `text_config`). */
  nestedConfigs?: readonly string[];
  /** The first position id fed (0 unless a model type says otherwise). */
  firstPosition?: number;
  /** Per config.json model_type differences within the family. */
  modelTypeFacts?: Readonly<Record<string, ModelTypeFacts>>;
  /** Present for encoder–decoder families (T5, BART, Marian): the runs carry a target besides the input. */
  encoderDecoder?: EncoderDecoderFacts;
  /** Positions actually usable for tokens, from the declared maximum and the raw config. */
  usablePositions?(declared: number, config: Record<string, unknown>): number;
}
