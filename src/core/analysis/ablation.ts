// Head ablation's arithmetic, apart from onnxruntime: the gate values a run feeds (see onnx/headGate.ts) and how
// each prediction moved between the plain run and the ablated one.
import type { AblationSpec, PredictionChangeView } from '../../protocol/ablation';
import type { Prediction } from '../types';

/** The values fed to HEAD_GATE and HEAD_MEAN, [layers, heads] row-major: ones and zeros but at the ablated heads. */
export function gateValues(spec: AblationSpec, layers: number, heads: number): { gate: Float32Array; mean: Float32Array } {
  const gate = new Float32Array(layers * heads).fill(1);
  const mean = new Float32Array(layers * heads);
  for (const { layer, head } of spec.heads) {
    gate[layer * heads + head] = 0;
    if (spec.mode === 'mean') mean[layer * heads + head] = 1;
  }
  return { gate, mean };
}

/**
 * Each token of the ablated run's top `shown`, best first, then each of the plain run's top `shown` that fell out
 * of it, with its probability and rank in both runs. `before` and `after` are the runs' candidate lists, best
 * first; a token outside one has no entry for that run (it ranked below all its candidates).
 */
export function compareRankings(before: readonly Prediction[], after: readonly Prediction[], shown: number): PredictionChangeView[] {
  const rankIn = (list: readonly Prediction[]) => new Map(list.map((p, i) => [p.id, { probability: p.probability, rank: i + 1 }]));
  const [wasAt, isAt] = [rankIn(before), rankIn(after)];
  const ids = [...after.slice(0, shown), ...before.slice(0, shown).filter((p) => (isAt.get(p.id)?.rank ?? Infinity) > shown)];
  return ids.map(({ id, token }) => ({
    id,
    token,
    ...(wasAt.has(id) ? { before: wasAt.get(id)! } : {}),
    ...(isAt.has(id) ? { after: isAt.get(id)! } : {}),
  }));
}
