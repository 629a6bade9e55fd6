// What to show at one token of a run: shared by the hover, the predictions and side views, the surprisal strip,
// the HTML export and the CLI, so "what the model says at token i" is decided once. Pure: reads a summary only.
import { tokenList } from './runSets';
import type { PredictionView, RunSummary, TokenListName, TokenView } from './shapes';

/** What has been asked about a run since it arrived (the host's run store, the webview's RunData). */
export interface DerivedPredictions {
  /** The top-k at a position when it alone is masked, by position. */
  maskedAt?: ReadonlyMap<number, PredictionView[]>;
  /** The top-k at every position of the text as it is. */
  unmasked?: readonly PredictionView[][];
}

/** A ranking that may be asked for at a position: its answer once it is known. */
export interface Askable {
  top?: PredictionView[];
}

export interface PredictionsAt {
  position: number;
  token: TokenView;
  /** fill-mask: the fills the run ranked for the mask token here; absent at other tokens. */
  fills?: PredictionView[];
  /**
   * next-token: the run's top-k for the token after this one, and the token actually there with the probability
   * the model gave it (absent at the last token).
   */
  next?: { top: PredictionView[]; actual?: { token: TokenView; probability: number | null } };
  /** next-token: the probability the model gave to this token, given those before it; null at the first token. */
  probabilityHere?: number | null;
  /** The top-k with this token alone masked, when the run may be asked for it. */
  maskedHere?: Askable;
  /** The top-k at this token of the text as it is, when the run may be asked for it. */
  unmasked?: Askable;
}

/** The ranking the run made at a position (next-token runs rank every position, so look there first). */
function rankedAt(summary: RunSummary, position: number): PredictionView[] | undefined {
  const ranked = summary.predictions.ranked;
  const atIndex = ranked[position];
  if (atIndex?.position === position) return atIndex.top;
  return ranked.find((r) => r.position === position)?.top;
}

/** The token list a run's predictions index: the target of an encoder–decoder run, else the input. */
export function predictionList(summary: RunSummary): TokenListName {
  return summary.predictions.list ?? 'input';
}

/** The tokens a run's prediction positions index (predictionList). */
export function predictionTokens(summary: RunSummary): TokenView[] {
  return tokenList(summary, predictionList(summary));
}

/**
 * What to show at token `position` of the run's prediction list (predictionList), or undefined when the list has
 * no such token.
 */
export function predictionsAt(summary: RunSummary, position: number, derived: DerivedPredictions = {}): PredictionsAt | undefined {
  const tokens = predictionTokens(summary);
  const token = tokens[position];
  if (!token) return undefined;
  const at: PredictionsAt = { position, token };
  const p = summary.predictions;
  const top = rankedAt(summary, position);
  if (p.task === 'next-token') {
    const after = tokens[position + 1];
    at.next = { top: top ?? [], actual: after && { token: after, probability: p.actual?.[position + 1] ?? null } };
    at.probabilityHere = p.actual?.[position] ?? null;
  } else if (top) {
    at.fills = top;
  }
  const caps = summary.capabilities;
  if (caps.maskPosition) at.maskedHere = { top: derived.maskedAt?.get(position) };
  if (caps.unmasked) at.unmasked = { top: derived.unmasked?.[position] };
  return at;
}

/** Whether the run ranked every position (a next-token run: what comes after each token). */
export function ranksEveryPosition(summary: RunSummary): boolean {
  return summary.predictions.task === 'next-token';
}

/** The fills a fill-mask run ranked at its mask tokens; none for a run of another task. */
export function maskFills(summary: RunSummary): { position: number; top: PredictionView[] }[] {
  return summary.predictions.task === 'fill-mask' ? summary.predictions.ranked : [];
}

/** The position to show when none is selected: the last token of a next-token run (what comes after the text). */
export function defaultPosition(summary: RunSummary): number | null {
  const n = predictionTokens(summary).length;
  return ranksEveryPosition(summary) && n > 0 ? n - 1 : null;
}

/** The position whose whole distribution the sampling controls apply to: the selected ranked position, else the
 * last one of a next-token run (what comes after the text) or the first of a fill-mask run; null when none is ranked. */
export function samplingPosition(summary: RunSummary, position: number | null): number | null {
  const ranked = summary.predictions.ranked;
  if (!summary.capabilities.logits || ranked.length === 0) return null;
  if (position !== null && rankedAt(summary, position)) return position;
  return (ranksEveryPosition(summary) ? ranked[ranked.length - 1] : ranked[0]).position;
}
