// GPT-2 and the decoders that share its shape and task (GPT-Neo, GPT-J, OPT, BLOOM, …): a causal language
// model that predicts the next token at every position; a query attends to itself and the tokens before it.
import type { ModelFamily } from './family';
import { CACHE_INPUTS, TEXT_INPUTS } from './inputNames';

const CAUSAL_HEAD = /(LMHeadModel|ForCausalLM)$/;

export const gpt2: ModelFamily = {
  name: 'gpt2',
  label: 'causal LM',
  runsWhat: 'causal language models (…LMHeadModel / …ForCausalLM)',
  modelTypes: new Set(['gpt2', 'gpt_neo', 'gptj', 'gpt_neox', 'gpt_bigcode', 'codegen', 'opt', 'bloom']),
  takesArchitecture: (architecture) => CAUSAL_HEAD.test(architecture),
  task: 'next-token',
  rankedPositions: () => 'every',
  scoresActualTokens: true,
  needsMaskToken: false,
  inputs: [...TEXT_INPUTS, ...CACHE_INPUTS],
  attentionSets: [{ name: 'self', label: 'Self-attention', queries: 'input', keys: 'input', causal: true }],
  capabilities: { maskPosition: false, unmasked: false, logits: true },
  configKeys: {
    layers: ['num_hidden_layers', 'n_layer', 'num_layers'],
    heads: ['num_attention_heads', 'n_head', 'num_heads'],
    hiddenSize: ['hidden_size', 'n_embd', 'd_model'],
    maxPositions: ['max_position_embeddings', 'n_positions', 'n_ctx'],
  },
};
