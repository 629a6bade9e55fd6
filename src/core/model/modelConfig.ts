// Reads what the core needs from a model's own config.json. The architecture (else the model_type) decides the
// family (src/core/families), and the family names the keys (BERT: num_hidden_layers, GPT-2: n_layer, DistilBERT:
// n_layers …).
import { FAMILIES, familyOf, type ModelFamily } from '../families';
import { LensError } from '../types';

export interface ModelConfig {
  architecture: string;
  modelType: string;
  family: ModelFamily;
  vocabSize: number;
  layers: number;
  heads: number;
  hiddenSize: number;
  /** Longest input the position embeddings allow. */
  maxPositions: number;
}

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

  const family = familyOf(architectures, modelType);
  if (!family) {
    const takes = new Intl.ListFormat('en', { type: 'conjunction' }).format(FAMILIES.map((f) => f.runsWhat));
    throw new LensError(
      `${file} describes ${architecture || 'an unnamed architecture'}: Attention Lens runs ${takes}`,
      'model-unsupported',
    );
  }

  const keys = family.configKeys;
  const layers = firstNumber(config, keys.layers);
  const heads = firstNumber(config, keys.heads);
  const hiddenSize = firstNumber(config, keys.hiddenSize);
  const vocabSize = firstNumber(config, ['vocab_size']);
  const declaredPositions = firstNumber(config, keys.maxPositions);
  const missing = Object.entries({
    'number of layers': layers,
    'number of attention heads': heads,
    'hidden size': hiddenSize,
    vocab_size: vocabSize,
    'maximum positions': declaredPositions,
  })
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length > 0) throw new LensError(`${file} does not say the model's ${missing.join(', ')}`, 'model-invalid');
  const maxPositions = family.usablePositions?.(declaredPositions!, config) ?? declaredPositions!;
  return { architecture, modelType, family, vocabSize: vocabSize!, layers: layers!, heads: heads!, hiddenSize: hiddenSize!, maxPositions };
}
