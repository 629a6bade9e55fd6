// What a soak run does, inspect by inspect: both embedded models in turn, lengths from the shortest input to
// the model's maximum, with attention and without, and bursts in which a queued inspect is cancelled by a
// newer one. Deterministic (a fixed-seed generator), so a failing run can be repeated exactly.

export type SoakModel = 'masked' | 'causal';

export interface SoakStep {
  model: SoakModel;
  /** Tokens of the input, special tokens included. */
  tokens: number;
  attention: boolean;
  /** Fire two more inspects behind this one at once: the middle one is cancelled before it starts. */
  burst: boolean;
}

/** Inspects per model before switching to the other (every switch releases one session and creates one). */
export const BLOCK = 10;
/** Every BURST_EVERY-th step is a burst. */
const BURST_EVERY = 7;

/** Shortest and longest input of each model, in tokens (BERT's shortest is [CLS] x [SEP]). */
export type LengthRange = Record<SoakModel, { min: number; max: number }>;

/**
 * `count` steps. Each block's first step runs the model's longest input with attention, so the first blocks
 * (the soak's warm-up) already reach every allocator's high-water mark; its second the shortest; the others draw
 * lengths uniformly.
 */
export function soakPlan(count: number, lengths: LengthRange): SoakStep[] {
  let seed = 20261202;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  return Array.from({ length: count }, (_, i) => {
    const model: SoakModel = Math.floor(i / BLOCK) % 2 === 0 ? 'masked' : 'causal';
    const { min, max } = lengths[model];
    const first = i % BLOCK === 0;
    const drawn = min + Math.floor(next() * (max - min + 1));
    return {
      model,
      tokens: first ? max : i % BLOCK === 1 ? min : drawn,
      attention: first || i % 3 !== 2,
      burst: i % BURST_EVERY === BURST_EVERY - 1,
    };
  });
}
