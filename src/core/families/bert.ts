// BERT and the encoders that share its shape and task (DistilBERT, RoBERTa, ALBERT, ELECTRA, DeBERTa-v2/v3,
// ModernBERT, …): a masked language model over the whole text, self-attention in both directions. What differs
// inside the graph (DeBERTa's relative positions, ModernBERT's rotary ones) the export computes; what the views
// must know is data here: ModernBERT's local layers see a window centred on each token.
import type { ModelFamily, ModelTypeFacts } from './family';
import { TEXT_INPUTS } from './inputNames';

const MASKED_HEAD = /For(MaskedLM|PreTraining)$/;

/** RoBERTa-style position ids start after the padding index, so that many positions are unusable. */
const OFFSET_POSITIONS = new Set(['roberta', 'xlm-roberta', 'camembert']);

const MODEL_TYPES: Record<string, ModelTypeFacts> = {
  // Layers 0, n, 2n … (global_attn_every_n_layers) attend globally; the others see local_attention / 2 keys either side.
  modernbert: { slidingLayers: { globalEveryKey: 'global_attn_every_n_layers' }, windowAround: true },
};

export const bert: ModelFamily = {
  name: 'bert',
  label: 'masked LM',
  runsWhat: 'masked language models (…ForMaskedLM)',
  modelTypes: new Set([
    'bert',
    'distilbert',
    'roberta',
    'albert',
    'electra',
    'camembert',
    'xlm-roberta',
    'mpnet',
    'deberta',
    'deberta-v2',
    'modernbert',
    'mobilebert',
    'squeezebert',
  ]),
  architectures: new Set(),
  takesArchitecture: (architecture) => MASKED_HEAD.test(architecture),
  task: 'fill-mask',
  rankedPositions: (tokens, maskTokenId) => tokens.filter((t) => t.id === maskTokenId).map((t) => t.index),
  scoresActualTokens: false,
  needsMaskToken: true,
  inputs: TEXT_INPUTS,
  attentionSets: [{ name: 'self', label: 'Self-attention', queries: 'input', keys: 'input', causal: false }],
  capabilities: { maskPosition: true, unmasked: true, logits: true },
  configKeys: {
    layers: ['num_hidden_layers', 'n_layers', 'num_layers'],
    heads: ['num_attention_heads', 'n_heads', 'num_heads'],
    hiddenSize: ['hidden_size', 'dim', 'd_model'],
    maxPositions: ['max_position_embeddings', 'max_sequence_length'],
    slidingWindow: ['local_attention'],
  },
  modelTypeFacts: MODEL_TYPES,
  usablePositions(declared, config) {
    const padding = config.pad_token_id;
    return OFFSET_POSITIONS.has(String(config.model_type)) && typeof padding === 'number' ? declared - (padding + 1) : declared;
  },
};
