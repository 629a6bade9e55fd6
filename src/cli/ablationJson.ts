// `inspect --ablate L.H[,L.H…]`: the flag's heads checked against the loaded model, and the JSON document's
// predictions replaced by the ablated run's, with `ablated` echoing the heads and `ablation` each prediction's change.
import { round6 } from '../core/engine/attentionLayout';
import type { ModelInfo } from '../core/types';
import { badSetHeads, parseHeadForm, parseHeadList, type AblationView, type HeadRef } from '../protocol/ablation';

/** The --ablate heads of the model (of layers × heads, or of its attention sets' sizes), or an error that says what is wrong. */
export function ablatedHeads(spec: string, model: Pick<ModelInfo, 'layers' | 'heads' | 'ablation'>): HeadRef[] {
  const sets = model.ablation?.available ? model.ablation.sets : undefined;
  const heads = sets ? parseHeadForm(spec) : parseHeadList(spec, model.layers, model.heads);
  if ('error' in heads) throw new Error(`--ablate: ${heads.error}`);
  const bad = sets && badSetHeads(heads, sets);
  if (bad) throw new Error(`--ablate: ${bad}`);
  return heads;
}

interface RankedEntry {
  position: number;
  actualProbability?: number | null;
  top: unknown[];
}

const rounded = (p: { probability: number; rank: number } | undefined) => p && { probability: round6(p.probability), rank: p.rank };

/** The document with each ranked position's top-k (and next-token probability) from the ablated run. */
export function withAblation(
  document: { predictions: Record<string, unknown> },
  list: string,
  topK: number,
  view: Omit<AblationView, 'runId'>,
) {
  const byPosition = new Map(view.positions.map((p) => [p.position, p]));
  const entries = (document.predictions[list] as RankedEntry[]).map((entry) => {
    const ablated = byPosition.get(entry.position);
    if (!ablated) return entry;
    const top = ablated.changes
      .filter((c) => c.after && c.after.rank <= topK)
      .map((c) => ({ id: c.id, token: c.token, probability: round6(c.after!.probability) }));
    const actual = ablated.actualNext?.after;
    return { ...entry, top, ...('actualProbability' in entry ? { actualProbability: actual ?? null } : {}) };
  });
  return {
    ...document,
    predictions: { ...document.predictions, [list]: entries },
    ablated: view.ablated,
    ablation: {
      mode: view.mode,
      candidates: view.candidates,
      positions: view.positions.map(({ position, changes, actualNext }) => ({
        position,
        changes: changes.map((c) => ({ id: c.id, token: c.token, before: rounded(c.before) ?? null, after: rounded(c.after) ?? null })),
        ...(actualNext ? { actualNext } : {}),
      })),
    },
  };
}
