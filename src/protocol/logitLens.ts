// The logit lens as the panel asks for it and shows it: every layer's output read through the model's own final
// norm and head, at a window of the run's positions (see src/core/onnx/logitLensPatch.ts).
import { isCount } from './checks';
import type { PredictionView } from './shapes';

/** Most positions one logitLens request names. */
export const LENS_WINDOW = 64;

/**
 * Most positions the view shows at once, and the window an inspect computes the lens at in its own run once the
 * view is in use: the lens costs 12 layers × P vocabulary projections on BERT-base, about 2 % of a 512-token
 * inspect at 16 positions and 44 % at 64 (BENCHMARKS.md), so only what is seen is computed.
 */
export const LENS_SHOWN = 16;

export interface LogitLensCellView {
  top: PredictionView[];
  /** The probability the layer gives the model's own top-1 at this position. */
  finalProbability: number;
  /** Causal models: the probability it gives the token that actually follows (null at the last token). */
  nextProbability?: number | null;
}

export interface LogitLensView {
  positions: number[];
  /** The model's own top-1 at each position (the last layer's). */
  final: { id: number; token: string }[];
  /** Causal models: the token that follows each position (null after the last). */
  next?: ({ id: number; token: string } | null)[];
  /** [layer][i]: the cell at positions[i]; layer 0 first, the last layer is the model's output. */
  layers: LogitLensCellView[][];
}

/** The params of a logitLens request, or undefined: 1 to LENS_WINDOW distinct positions (the host checks the run's length). */
export function lensParams(p: Record<string, unknown>): { runId: number; positions: number[] } | undefined {
  const positions = p.positions;
  if (!isCount(p.runId) || !Array.isArray(positions) || positions.length === 0 || positions.length > LENS_WINDOW) return undefined;
  if (!positions.every(isCount) || new Set(positions).size !== positions.length) return undefined;
  return { runId: p.runId, positions: [...positions] };
}

/**
 * The window of `count` positions (at most LENS_SHOWN) around `around`, else around the run's first ranked position
 * (a fill-mask run's mask; the first token of a next-token run): every one of a short run. A narrower window around
 * the same token lies inside a wider one, so the inspect's window answers the view's whatever its width.
 */
export function lensWindow(tokens: number, around: number | null, firstRanked: number | undefined, count = LENS_SHOWN): number[] {
  const shown = Math.max(1, Math.min(tokens, count, LENS_SHOWN));
  const centre = around ?? firstRanked ?? 0;
  const first = Math.max(0, Math.min(tokens - shown, centre - Math.floor(shown / 2)));
  return Array.from({ length: shown }, (_, i) => first + i);
}
