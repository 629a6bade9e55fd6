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

export interface ModelFamily {
  /** Short name, e.g. 'bert', 'gpt2'. */
  name: string;
  /** What the views call such a model, e.g. 'masked LM'. */
  label: string;
  /** What the family takes, for the message that refuses other models, e.g. 'masked language models (…ForMaskedLM)'. */
  runsWhat: string;
  /** config.json model_type values of this family (used when a config names no architecture). */
  modelTypes: ReadonlySet<string>;
  /** Whether an architecture name (config.json's `architectures`) is this family's task head. */
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
  /**
   * Config.json keys per fact, first present wins (families name them differently). maxPositions is then
   * adjusted by `usablePositions` where the family reserves some.
   */
  configKeys: { layers: string[]; heads: string[]; hiddenSize: string[]; maxPositions: string[] };
  /** Positions actually usable for tokens, from the declared maximum and the raw config. */
  usablePositions?(declared: number, config: Record<string, unknown>): number;
}
