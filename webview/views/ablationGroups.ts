// The predictions with heads ablated, as bar groups: each token's probability with the heads ablated, the plain
// run's as a faint bar, the change and the rank move; the plain top-k that fell out are listed after.
import type { AblatedPosition, AblationView, PredictionChangeView } from '../../src/protocol/ablation';
import { defaultPosition, maskFills, predictionsAt, predictionTokens } from '../../src/protocol';
import type { App } from '../app';
import { formatProbability } from '../render/sampling';
import type { Bar } from './barList';
import { tokenLabel } from './describe';
import type { BarGroup } from './predictionsView';

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${formatProbability(Math.abs(x))}`;

/** "0.1234 (Δ +0.0500, rank 7 → 1)"; a run where the token was not among the candidates says so. */
export function changeText(c: PredictionChangeView, candidates: number): string {
  const outside = `below the top ${candidates}`;
  if (!c.after) return `${outside} (was ${formatProbability(c.before!.probability)}, rank ${c.before!.rank})`;
  if (!c.before) return `${formatProbability(c.after.probability)} (was ${outside}, now rank ${c.after.rank})`;
  const rank = c.before.rank === c.after.rank ? `rank ${c.after.rank}` : `rank ${c.before.rank} → ${c.after.rank}`;
  return `${formatProbability(c.after.probability)} (Δ ${signed(c.after.probability - c.before.probability)}, ${rank})`;
}

function group(app: App, view: AblationView, at: AblatedPosition, heading: string): BarGroup {
  const bars: Bar[] = at.changes.map((c) => ({
    label: c.token,
    value: c.after?.probability ?? 0,
    ghost: c.before?.probability,
    muted: !c.after || c.after.rank > app.state.topK,
    valueText: changeText(c, view.candidates),
  }));
  const how = view.mode === 'zero' ? 'zeroed' : 'replaced by their mean';
  const next = at.actualNext;
  const tokens = app.data.summary ? predictionTokens(app.data.summary) : [];
  const following = tokens[at.position + 1];
  const note =
    next && following && next.before !== null && next.after !== null
      ? `Actual next token ${JSON.stringify(tokenLabel(following))}: p = ${formatProbability(next.before)} → ` +
        `${formatProbability(next.after)} (Δ ${signed(next.after - next.before)}).`
      : undefined;
  return {
    title: `${heading} with heads ${view.ablated.join(', ')} ${how} (faint: without)`,
    bars,
    ...(note ? { note } : {}),
  };
}

/** The positions the predictions view ranks: each mask's, and a next-token run's selected (or last) position. */
function shownPositions(app: App, position: number | null): { position: number; heading: string }[] {
  const s = app.data.summary;
  if (!s) return [];
  const shown = maskFills(s).map((r) => ({ position: r.position, heading: `${s.model.maskToken ?? 'Mask'} at #${r.position}` }));
  const at = predictionsAt(s, position ?? defaultPosition(s) ?? -1, app.data.derived);
  if (at?.next) shown.push({ position: at.position, heading: `Next token after #${at.position} ${JSON.stringify(tokenLabel(at.token))}` });
  return shown;
}

/** The ablated predictions at the positions the predictions view shows: each mask's, and the selected position's. */
export function ablationGroups(app: App, position: number | null): BarGroup[] {
  const shown = shownPositions(app, position);
  const status = app.ablationStatus();
  if (status.state !== 'ready') {
    if (status.state === 'waiting') return [{ title: `Ablating heads ${status.heads.join(', ')}…`, bars: [] }];
    if (status.state === 'failed') return [{ title: 'Head ablation failed', bars: [], note: status.message }];
    return [];
  }
  const view = status.view;
  const byPosition = new Map(view.positions.map((p) => [p.position, p]));
  return shown.flatMap(({ position, heading }) => {
    const at = byPosition.get(position);
    return at ? [group(app, view, at, heading)] : [];
  });
}
