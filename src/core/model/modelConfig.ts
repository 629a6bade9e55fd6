// Reads what the core needs from a model's own config.json. The architecture decides masked vs causal;
// the key names differ per family (BERT: num_hidden_layers, GPT-2: n_layer, DistilBERT: n_layers …).
import { LensError, type ModelKind } from '../types';

export interface ModelConfig {
  architecture: string;
  modelType: string;
  kind: ModelKind;
  vocabSize: number;
  layers: number;
  heads: number;
  hiddenSize: number;
  /** Longest input the position embeddings allow. */
  maxPositions: number;
}

const MASKED_SUFFIX = /For(MaskedLM|PreTraining)$/;
const CAUSAL_SUFFIX = /(LMHeadModel|ForCausalLM)$/;
// Families whose config lacks `architectures` in some exports; the model_type is the model's own word for it.
const MASKED_TYPES = new Set(['bert', 'distilbert', 'roberta', 'albert', 'electra', 'camembert', 'xlm-roberta', 'mpnet', 'deberta', 'deberta-v2', 'mobilebert', 'squeezebert']);
const CAUSAL_TYPES = new Set(['gpt2', 'gpt_neo', 'gptj', 'gpt_neox', 'gpt_bigcode', 'codegen', 'opt', 'bloom']);

function firstNumber(config: Record<string, unknown>, keys: string[]): number | undefined {
  for (const key of keys) {
    const value = config[key];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

/** Parses config.json's content. `file` names it in messages. */
export function parseModelConfig(raw: unknown, file: string): ModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new LensError(`${file} is not a JSON object`, 'model-invalid');
  const config = raw as Record<string, unknown>;
  const architectures = Array.isArray(config.architectures) ? config.architectures.filter((a): a is string => typeof a === 'string') : [];
  const modelType = typeof config.model_type === 'string' ? config.model_type : '';
  const architecture = architectures[0] ?? modelType;

  let kind: ModelKind | undefined;
  if (architectures.some((a) => MASKED_SUFFIX.test(a))) kind = 'masked';
  else if (architectures.some((a) => CAUSAL_SUFFIX.test(a))) kind = 'causal';
  else if (architectures.length === 0 && MASKED_TYPES.has(modelType)) kind = 'masked';
  else if (architectures.length === 0 && CAUSAL_TYPES.has(modelType)) kind = 'causal';
  if (!kind) {
    throw new LensError(
      `${file} describes ${architecture || 'an unnamed architecture'}: Attention Lens runs masked language models (…ForMaskedLM) and causal language models (…LMHeadModel / …ForCausalLM)`,
      'model-unsupported',
    );
  }

  const layers = firstNumber(config, ['num_hidden_layers', 'n_layer', 'n_layers', 'num_layers']);
  const heads = firstNumber(config, ['num_attention_heads', 'n_head', 'n_heads', 'num_heads']);
  const hiddenSize = firstNumber(config, ['hidden_size', 'n_embd', 'dim', 'd_model']);
  const vocabSize = firstNumber(config, ['vocab_size']);
  let maxPositions = firstNumber(config, ['max_position_embeddings', 'n_positions', 'n_ctx', 'max_sequence_length']);
  const missing = Object.entries({ 'number of layers': layers, 'number of attention heads': heads, 'hidden size': hiddenSize, vocab_size: vocabSize, 'maximum positions': maxPositions })
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length > 0) throw new LensError(`${file} does not say the model's ${missing.join(', ')}`, 'model-invalid');
  // RoBERTa-style position ids start after the padding index, so two positions are unusable.
  if ((modelType === 'roberta' || modelType === 'xlm-roberta' || modelType === 'camembert') && typeof config.pad_token_id === 'number') {
    maxPositions = maxPositions! - (config.pad_token_id + 1);
  }
  return { architecture, modelType, kind, vocabSize: vocabSize!, layers: layers!, heads: heads!, hiddenSize: hiddenSize!, maxPositions: maxPositions! };
}
