// Modern decoders of Llama's shape: rotary positions, RMSNorm, grouped-query attention (num_key_value_heads
// key/value heads shared by the query heads), a head width the config may fix (head_dim), sliding windows in some
// layers, Gemma 2's soft-capped scores and query_pre_attn_scalar. Llama, Mistral, Qwen2, Qwen3 (q/k norms),
// Phi-3 and Gemma 1/2/3 differ only in what their configs say, so one family reads them all, and its per-model-type
// table (as transformers.js keeps one) says what each type does differently.
import { CAUSAL_LM, HF_DECODER_KEYS } from './causal';
import type { ModelFamily, ModelTypeFacts, SlidingLayers } from './family';

/** Qwen2 and Qwen3 slide only with use_sliding_window, from layer max_window_layers on. */
const QWEN_SLIDING: SlidingLayers = { enabledKey: 'use_sliding_window', fromKey: 'max_window_layers' };
/** Gemma 3: five local layers to one global (sliding_window_pattern 6); transformers.js feeds positions from 1. */
const GEMMA3: ModelTypeFacts = { firstPosition: 1, slidingLayers: { period: 6, periodKey: 'sliding_window_pattern' } };

const MODEL_TYPES: Readonly<Record<string, ModelTypeFacts>> = {
  llama: {},
  mistral: { slidingLayers: { every: true } },
  qwen2: { slidingLayers: QWEN_SLIDING },
  qwen3: { slidingLayers: QWEN_SLIDING },
  phi3: { slidingLayers: { every: true } },
  gemma: {},
  // Even layers local, odd layers global.
  gemma2: { slidingLayers: { period: 2 } },
  gemma3_text: GEMMA3,
  gemma3: GEMMA3,
};

export const llama: ModelFamily = {
  name: 'llama',
  label: 'causal LM (Llama family)',
  modelTypes: new Set(Object.keys(MODEL_TYPES)),
  architectures: new Set([
    'LlamaForCausalLM',
    'MistralForCausalLM',
    'Qwen2ForCausalLM',
    'Qwen3ForCausalLM',
    'Phi3ForCausalLM',
    'GemmaForCausalLM',
    'Gemma2ForCausalLM',
    'Gemma3ForCausalLM',
  ]),
  // Only the architectures named above: any other …ForCausalLM is the GPT-2 family's catch-all.
  takesArchitecture: () => false,
  ...CAUSAL_LM,
  configKeys: {
    ...HF_DECODER_KEYS,
    slidingWindow: ['sliding_window'],
    attnSoftcap: ['attn_logit_softcapping'],
    queryPreAttnScalar: ['query_pre_attn_scalar'],
  },
  // Gemma 3's multimodal configs keep the language model's facts under text_config.
  nestedConfigs: ['text_config'],
  firstPosition: 0,
  modelTypeFacts: MODEL_TYPES,
};
