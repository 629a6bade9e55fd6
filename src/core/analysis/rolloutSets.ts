// Every layer's rollout of each self-attention set of a run, fetched from the worker that keeps the run's maps: what
// the CLI's --rollout prints and the JSON export holds.
import { nestedLayer } from '../engine/attentionLayout';
import type { AttentionSetSpec } from '../types';
import type { InferenceEngine } from '../worker/inferenceEngine';
import type { AttentionSetRef } from '../worker/workerRequests';
import { hasRollout } from './rollout';

export interface SetRollout {
  set: string;
  /** The set's token count: R_l is tokens × tokens. */
  tokens: number;
  /** R_l for each layer l, [queries, keys] row-major. */
  perLayer: Float32Array[];
}

/** The rollout of each of `sets` that is self-attention (by its spec); cross-attention sets have none. */
export async function fetchRollouts(
  engine: InferenceEngine,
  run: number,
  sets: readonly AttentionSetRef[],
  specs: readonly AttentionSetSpec[],
): Promise<SetRollout[]> {
  const out: SetRollout[] = [];
  for (const set of sets) {
    const spec = specs.find((s) => s.name === set.set);
    if (spec && !hasRollout(spec)) continue;
    // The last layer first: the worker rolls every layer below it out on the way, in one run, and keeps them.
    const last = await engine.request('rollout', { run, set: set.set, layer: set.layers - 1 });
    const perLayer: Float32Array[] = [];
    for (let layer = 0; layer < set.layers - 1; layer++) perLayer.push(await engine.request('rollout', { run, set: set.set, layer }));
    perLayer.push(last);
    out.push({ set: set.set, tokens: set.queries, perLayer });
  }
  return out;
}

/** A set's rollout as plain arrays rounded to 6 decimals, [layer][query][key] (the CLI's and the JSON export's). */
export function nestedRollout({ set, tokens, perLayer }: SetRollout): number[][][] {
  const asMaps = { set, layers: perLayer.length, heads: 1, queries: tokens, keys: tokens, causal: false, perLayer };
  return perLayer.map((_, l) => nestedLayer(asMaps, l)[0]);
}
