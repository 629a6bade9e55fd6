// The JSON document `attention-lens surprisal` prints: the text's tokens (special ones, which have no text,
// left out) with their UTF-16 spans and scores, and the window, stride and least left context the scan used.
import type { ScanPlan } from './surprisalScan';
import type { TokenScore } from './windowScores';

/** Surprisal to six decimals, far below the 1e-4 it is checked to; probabilities, often tiny, to 7 significant digits. */
const round6 = (x: number | null) => (x === null ? null : Math.round(x * 1e6) / 1e6);
const significant7 = (x: number | null) => (x === null ? null : Number(x.toPrecision(7)));

export function surprisalDocument(model: { id: string; family: string }, plan: ScanPlan, scores: readonly TokenScore[]) {
  return {
    model: { id: model.id, family: model.family },
    window: plan.shape.window,
    stride: plan.shape.stride,
    context: plan.shape.context,
    windows: plan.windows.length,
    unit: 'bits',
    // Every token is scored once, in order (the first with nothing before it: null).
    tokens: scores
      .filter((s) => !s.token.special)
      .map(({ token, surprisal, probability, top }) => ({
        index: token.index,
        id: token.id,
        start: token.start,
        end: token.end,
        piece: token.piece,
        surprisal: round6(surprisal),
        probability: significant7(probability),
        top: top.map((p) => ({ ...p, probability: significant7(p.probability) })),
      })),
  };
}
