// GPT-2 and the decoders that share its shape and config keys (GPT-Neo, GPT-J, GPT-BigCode, CodeGen, BLOOM), and
// any other causal LM head no family names (…LMHeadModel / …ForCausalLM): a causal language model that predicts
// the next token at every position; a query attends to itself and the tokens before it.
import { CAUSAL_HEAD, CAUSAL_LM } from './causal';
import type { ModelFamily } from './family';

export const gpt2: ModelFamily = {
  name: 'gpt2',
  label: 'causal LM',
  runsWhat: 'causal language models (…LMHeadModel / …ForCausalLM)',
  modelTypes: new Set(['gpt2', 'gpt_neo', 'gptj', 'gpt_bigcode', 'codegen', 'bloom']),
  architectures: new Set([
    'GPT2LMHeadModel',
    'GPTNeoForCausalLM',
    'GPTJForCausalLM',
    'GPTBigCodeForCausalLM',
    'CodeGenForCausalLM',
    'BloomForCausalLM',
  ]),
  takesArchitecture: (architecture) => CAUSAL_HEAD.test(architecture),
  ...CAUSAL_LM,
  configKeys: {
    layers: ['num_hidden_layers', 'n_layer', 'num_layers'],
    heads: ['num_attention_heads', 'n_head', 'num_heads'],
    hiddenSize: ['hidden_size', 'n_embd', 'd_model'],
    maxPositions: ['max_position_embeddings', 'n_positions', 'n_ctx'],
    // A causal LM no family names may still group its key/value heads (the empty pasts are sized by them).
    kvHeads: ['num_key_value_heads'],
    headDim: ['head_dim'],
  },
};
