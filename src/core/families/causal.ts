// What every causal language model family shares: it predicts the next token at every position, scores the token
// that actually follows, and a query attends to itself and the tokens before it. The families differ in which
// configs they take and how those name their facts (gpt2.ts, llama.ts, gptNeox.ts, opt.ts).
import type { ModelFamily } from './family';
import { CACHE_INPUTS, LOGITS_INPUTS, TEXT_INPUTS } from './inputNames';

export type CausalFamilyFacts = Pick<
  ModelFamily,
  'task' | 'rankedPositions' | 'scoresActualTokens' | 'needsMaskToken' | 'inputs' | 'attentionSets' | 'capabilities'
>;

export const CAUSAL_LM: CausalFamilyFacts = {
  task: 'next-token',
  rankedPositions: () => 'every',
  scoresActualTokens: true,
  needsMaskToken: false,
  inputs: [...TEXT_INPUTS, ...CACHE_INPUTS, ...LOGITS_INPUTS],
  attentionSets: [{ name: 'self', label: 'Self-attention', queries: 'input', keys: 'input', causal: true }],
  capabilities: { maskPosition: false, unmasked: false, logits: true },
};

/** Config keys of the decoders that name their facts as Llama does (GPT-NeoX, OPT and the Llama family). */
export const HF_DECODER_KEYS = {
  layers: ['num_hidden_layers'],
  heads: ['num_attention_heads'],
  hiddenSize: ['hidden_size'],
  maxPositions: ['max_position_embeddings'],
  kvHeads: ['num_key_value_heads'],
  headDim: ['head_dim'],
};

/** The pattern of a causal LM's task head, for architectures no family names. */
export const CAUSAL_HEAD = /(LMHeadModel|ForCausalLM)$/;

/** A causal LM family of one architecture and model_type, taken by name only, whose config names facts as Llama's does. */
export function namedDecoder(name: string, label: string, architecture: string, modelType: string): ModelFamily {
  return {
    name,
    label,
    modelTypes: new Set([modelType]),
    architectures: new Set([architecture]),
    takesArchitecture: () => false,
    ...CAUSAL_LM,
    configKeys: HF_DECODER_KEYS,
  };
}
