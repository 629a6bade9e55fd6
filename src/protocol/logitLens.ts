// The logit lens as the panel asks for it and shows it: every layer's output read through the model's own final
// norm and head, at a window of the run's positions (see src/core/onnx/logitLensPatch.ts).
import { isCount } from './checks';
import type { PredictionView } from './shapes';

/** Most positions one logitLens request names: the view's window (all of a text up to this many tokens). */
export const LENS_WINDOW = 64;

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

/** The window of positions the view asks for: every one of a short run, else LENS_WINDOW around `around`. */
export function lensWindow(tokens: number, around: number | null): number[] {
  const count = Math.min(tokens, LENS_WINDOW);
  const centre = around ?? 0;
  const first = Math.max(0, Math.min(tokens - count, centre - Math.floor(count / 2)));
  return Array.from({ length: count }, (_, i) => first + i);
}
