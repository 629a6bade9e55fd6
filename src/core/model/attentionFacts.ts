// The facts of a config.json that attention code needs besides layers and heads: grouped key/value heads, the
// head width, sliding windows and the layers that use them, soft-capping and the query scale. The family names
// the keys (families/family.ts ConfigKeys) and, per model_type, how its layers take the window; this reads them.
import type { ConfigKeys, ModelTypeFacts, SlidingLayers } from '../families';

export type RawConfig = Record<string, unknown>;

/** The first positive finite number among `keys` (none when `keys` is absent). */
export function firstNumber(config: RawConfig, keys: readonly string[] | undefined): number | undefined {
  for (const key of keys ?? []) {
    const value = config[key];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

export interface AttentionFacts {
  /** Key/value heads (grouped-query attention); the query heads when the config names none. */
  kvHeads: number;
  /** Width of one head; hidden size ÷ heads when the config names none. */
  headDim: number;
  /**
   * The window of sliding-window layers as config.json gives it (transformers: a query sees itself and the
   * size − 1 keys before it; `around`: the keys within size / 2 on either side) and those layers, 0-based; absent
   * when no layer slides.
   */
  slidingWindow?: { size: number; layers: readonly number[]; around?: true };
  /** Scores are soft-capped, cap · tanh(score / cap), before the Softmax. */
  attnSoftcap?: number;
  /** Queries are scaled by 1 / √(this) rather than 1 / √headDim. */
  queryPreAttnScalar?: number;
}

function slides(config: RawConfig, rule: SlidingLayers | undefined, layer: number): boolean {
  if (!rule) return false;
  if ('every' in rule) return true;
  if ('globalEveryKey' in rule) return layer % (firstNumber(config, [rule.globalEveryKey]) ?? 1) !== 0;
  if ('period' in rule) return (layer + 1) % (firstNumber(config, rule.periodKey ? [rule.periodKey] : []) ?? rule.period) !== 0;
  return config[rule.enabledKey] === true && layer >= (typeof config[rule.fromKey] === 'number' ? (config[rule.fromKey] as number) : 0);
}

/** The layers that use the sliding window: as `layer_types` lists them, else by the model type's rule. */
function slidingLayers(config: RawConfig, layers: number, rule: SlidingLayers | undefined): number[] {
  const types = config.layer_types;
  const all = Array.from({ length: layers }, (_, i) => i);
  if (Array.isArray(types) && types.length === layers) return all.filter((i) => types[i] === 'sliding_attention');
  return all.filter((i) => slides(config, rule, i));
}

export function attentionFacts(
  config: RawConfig,
  keys: ConfigKeys,
  shape: { layers: number; heads: number; hiddenSize: number },
  facts: ModelTypeFacts,
): AttentionFacts {
  const out: AttentionFacts = {
    kvHeads: firstNumber(config, keys.kvHeads) ?? shape.heads,
    headDim: firstNumber(config, keys.headDim) ?? shape.hiddenSize / shape.heads,
  };
  const window = firstNumber(config, keys.slidingWindow);
  const layers = window === undefined ? [] : slidingLayers(config, shape.layers, facts.slidingLayers);
  if (window !== undefined && layers.length > 0)
    out.slidingWindow = { size: window, layers, ...(facts.windowAround ? { around: true } : {}) };
  const softcap = firstNumber(config, keys.attnSoftcap);
  if (softcap !== undefined) out.attnSoftcap = softcap;
  const scalar = firstNumber(config, keys.queryPreAttnScalar);
  if (scalar !== undefined) out.queryPreAttnScalar = scalar;
  return out;
}
