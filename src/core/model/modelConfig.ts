// Reads what the core needs from a model's own config.json. The architecture (else the model_type) decides the
// family (src/core/families), and the family names the keys (BERT: num_hidden_layers, GPT-2: n_layer, DistilBERT:
// n_layers …), where they may nest (Gemma 3's text_config) and what each model type does differently.
import { FAMILIES, familyOf, type ModelFamily } from '../families';
import { LensError } from '../types';
import { attentionFacts, firstNumber, type AttentionFacts, type RawConfig } from './attentionFacts';

export interface ModelConfig extends AttentionFacts {
  architecture: string;
  modelType: string;
  family: ModelFamily;
  vocabSize: number;
  layers: number;
  heads: number;
  hiddenSize: number;
  /** Longest input the position embeddings allow. */
  maxPositions: number;
  /** The position id of the first token (the family's, or its model type's: 1 for Gemma 3). */
  firstPosition: number;
  /** An encoder–decoder model's decoder (layers and heads above are the encoder's). */
  decoder?: DecoderFacts;
}

export interface DecoderFacts {
  layers: number;
  heads: number;
  /** The token every target starts with (T5 and Marian: the pad token). */
  startTokenId: number;
  /** The token that ends a target; generation stops after it. */
  endTokenId: number;
}

/** The first key holding a token id (a whole number ≥ 0; 0 is T5's decoder start token). */
function firstTokenId(config: RawConfig, keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const value = config[key];
    if (Number.isSafeInteger(value) && (value as number) >= 0) return value as number;
  }
  return undefined;
}

/** The decoder's facts, for a family whose models have one; a clear message when the config leaves one out. */
function decoderFacts(
  config: RawConfig,
  family: ModelFamily,
  shape: { layers: number; heads: number },
  file: string,
): DecoderFacts | undefined {
  const facts = family.encoderDecoder;
  if (!facts) return undefined;
  const startTokenId = firstTokenId(config, facts.decoderStartKeys);
  const endTokenId = firstTokenId(config, facts.endTokenKeys);
  if (startTokenId === undefined || endTokenId === undefined) {
    const missing = startTokenId === undefined ? facts.decoderStartKeys[0] : facts.endTokenKeys[0];
    throw new LensError(`${file} does not say the encoder–decoder model's ${missing}`, 'model-invalid');
  }
  return {
    layers: firstNumber(config, family.configKeys.decoderLayers) ?? shape.layers,
    heads: firstNumber(config, family.configKeys.decoderHeads) ?? shape.heads,
    startTokenId,
    endTokenId,
  };
}

/** Objects nested in the config (the family's `nestedConfigs`) read before its top level. */
function factsView(config: RawConfig, nested: readonly string[] | undefined): RawConfig {
  let view = config;
  for (const key of [...(nested ?? [])].reverse()) {
    const inner = config[key];
    if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) view = { ...view, ...(inner as RawConfig) };
  }
  return view;
}

/** Parses config.json's content. `file` names it in messages. */
export function parseModelConfig(raw: unknown, file: string): ModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new LensError(`${file} is not a JSON object`, 'model-invalid');
  const config = raw as RawConfig;
  const architectures = Array.isArray(config.architectures) ? config.architectures.filter((a): a is string => typeof a === 'string') : [];
  const modelType = typeof config.model_type === 'string' ? config.model_type : '';
  const architecture = architectures[0] ?? modelType;

  const family = familyOf(architectures, modelType);
  if (!family) {
    const runs = FAMILIES.flatMap((f) => (f.runsWhat ? [f.runsWhat] : []));
    const takes = new Intl.ListFormat('en', { type: 'conjunction' }).format(runs);
    throw new LensError(
      `${file} describes ${architecture || 'an unnamed architecture'}: Attention Lens runs ${takes}`,
      'model-unsupported',
    );
  }

  const keys = family.configKeys;
  const facts = factsView(config, family.nestedConfigs);
  const layers = firstNumber(facts, keys.layers);
  const heads = firstNumber(facts, keys.heads);
  const hiddenSize = firstNumber(facts, keys.hiddenSize);
  const vocabSize = firstNumber(facts, ['vocab_size']);
  const declaredPositions = firstNumber(facts, keys.maxPositions);
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
  const maxPositions = family.usablePositions?.(declaredPositions!, facts) ?? declaredPositions!;
  const shape = { layers: layers!, heads: heads!, hiddenSize: hiddenSize! };
  const table = family.modelTypeFacts ?? {};
  // Own keys only: a model_type such as "constructor" must not find Object's.
  const typeFacts = [modelType, String(facts.model_type)].map((t) => (Object.hasOwn(table, t) ? table[t] : undefined)).find(Boolean) ?? {};
  const attention = attentionFacts(facts, keys, shape, typeFacts);
  if (shape.heads % attention.kvHeads !== 0) {
    throw new LensError(
      `${file} gives ${shape.heads} attention heads, not a multiple of its ${attention.kvHeads} key/value heads`,
      'model-invalid',
    );
  }
  const firstPosition = typeFacts.firstPosition ?? family.firstPosition ?? 0;
  const decoder = decoderFacts(facts, family, shape, file);
  return {
    architecture,
    modelType,
    family,
    vocabSize: vocabSize!,
    ...shape,
    maxPositions,
    firstPosition,
    ...attention,
    ...(decoder ? { decoder } : {}),
  };
}
