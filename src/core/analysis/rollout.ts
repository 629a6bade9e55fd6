// Attention rollout (Abnar & Zuidema, 2020): how much each token draws from each input token through all layers
// so far, counting the residual connection as half of every layer. Per layer, A_l is the mean of its heads;
// Â_l = 0.5·A_l + 0.5·I with rows renormalised; R_1 = Â_1 and R_l = Â_l · R_{l−1}. Row q of R_l sums to 1 and
// says what query q's representation after layer l is made of. A causal set's R is lower-triangular, since every
// Â is. Rollout is defined for self-attention only (queries and keys are one token list): cross-attention mixes a
// source into a target stream whose residual is the target's own, so no identity term exists to add to it.
import { LensError, type AttentionSource } from '../types';
import { onnxRollout, type RolloutRun } from './rolloutGraph';

/**
 * Bytes of R_l a chain keeps for every layer (12 layers at 512 tokens: 12.6 MB). Past it only the newest R is kept:
 * going on from it is one step a layer, going back starts again from the first layer.
 */
const KEEP_ALL_BYTES = 64 * 1024 * 1024;

/**
 * Bytes of maps one run is fed: the layers from the newest kept R to the one asked for go in as few runs as fit
 * (BERT-base's 12 layers at 512 tokens, 151 MB, in one), since each layer's maps are a new array while they wait.
 */
const RUN_BYTES = 256 * 1024 * 1024;

/** The rollout of one self-attention set, computed layer by layer from its maps as far as asked, each R_l once. */
export class RolloutChain {
  private readonly done: Float32Array[] = [];
  private readonly keepAll: boolean;

  constructor(
    private readonly source: AttentionSource,
    private readonly roll: RolloutRun = onnxRollout,
    keepBytes = KEEP_ALL_BYTES,
    private readonly runBytes = RUN_BYTES,
  ) {
    if (source.queries !== source.keys) {
      throw new LensError(
        `rollout needs self-attention; the set "${source.set}" maps ${source.queries} queries to ${source.keys} keys`,
        'model-unsupported',
      );
    }
    this.keepAll = source.layers * source.queries * source.keys * Float32Array.BYTES_PER_ELEMENT <= keepBytes;
  }

  /** R_layer (0-based: R of layer 0 is Â of the first layer), [tokens, tokens] row-major. */
  async layer(layer: number): Promise<Float32Array> {
    const { layers, queries } = this.source;
    if (!Number.isInteger(layer) || layer < 0 || layer >= layers) {
      throw new LensError(`layer ${layer} does not exist: the set has ${layers} layers`, 'model-unsupported');
    }
    if (this.done[layer]) return this.done[layer];
    // The newest R kept at or below `layer`; without one, from the first layer.
    let from = layer;
    while (from >= 0 && !this.done[from]) from--;
    let previous = from >= 0 ? this.done[from] : undefined;
    const layerBytes = this.source.heads * queries * queries * Float32Array.BYTES_PER_ELEMENT;
    const perRun = Math.max(1, Math.floor(this.runBytes / layerBytes));
    for (let first = from + 1; first <= layer; first += perRun) {
      const fed: Float32Array[] = [];
      for (let l = first; l <= Math.min(layer, first + perRun - 1); l++) fed.push(await this.source.layer(l));
      const rolled = await this.roll(fed, this.source.heads, queries, previous);
      if (!this.keepAll) this.done.length = 0;
      rolled.forEach((r, i) => {
        if (this.keepAll || i === rolled.length - 1) this.done[first + i] = r;
      });
      previous = rolled.at(-1);
    }
    return previous!;
  }

  /** Every R_l, first layer first (the CLI, the JSON export). */
  async all(): Promise<Float32Array[]> {
    // The last layer first: where every R is kept, that rolls all layers out in as few runs as fit.
    if (this.keepAll) await this.layer(this.source.layers - 1);
    const out: Float32Array[] = [];
    for (let l = 0; l < this.source.layers; l++) out.push(await this.layer(l));
    return out;
  }
}

/** Whether an attention set (by its spec's token lists) has a rollout: self-attention does, cross-attention not. */
export function hasRollout(spec: { queries: string; keys: string }): boolean {
  return spec.queries === spec.keys;
}

const chains = new WeakMap<AttentionSource, RolloutChain>();

/** The chain of a kept set: one per set, let go with it. */
export function rolloutOf(source: AttentionSource): RolloutChain {
  let chain = chains.get(source);
  if (!chain) {
    chain = new RolloutChain(source);
    chains.set(source, chain);
  }
  return chain;
}
