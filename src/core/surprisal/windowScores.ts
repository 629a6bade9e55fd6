// One window's scores as they cross from the worker: typed arrays, one entry per token scored, which is all the
// editor draws from (span, bits, probability). The model's top-k at a token stays in the worker until it is hovered
// (SurprisalScan.topAt); only a reader that wants every token's top-k (the CLI) asks for it with the window.
import type { Prediction } from '../types';

/** A token of the scanned text as a scan reports it: its UTF-16 span, its piece and id. */
export interface ScanToken {
  index: number;
  id: number;
  piece: string;
  start: number;
  end: number;
  special: boolean;
}

export interface WindowScores {
  /** The index of the first token scored: entry j is token from + j. */
  from: number;
  /** Each token's UTF-16 span in the text planned. */
  starts: Uint32Array;
  ends: Uint32Array;
  /** Bits = −log2 p(token | the tokens before it in its window); NaN for a token with nothing before it. */
  bits: Float64Array;
  /** p, NaN likewise. */
  probabilities: Float64Array;
  /** Only when the window was asked for with a top-k: the tokens scored, and the top-k before each (best first). */
  detail?: { tokens: ScanToken[]; top: Prediction[][] };
}

/** One scored token, for a reader of a scan asked for with its top-k (the CLI, tests). */
export interface TokenScore {
  index: number;
  token: ScanToken;
  /** Null for a token with nothing before it. */
  surprisal: number | null;
  probability: number | null;
  /** Empty for a token with nothing before it. */
  top: Prediction[];
}

export const valueOrNull = (x: number): number | null => (Number.isNaN(x) ? null : x);

/** A window's scores token by token; it must have been asked for with a top-k (its detail). */
export function tokenScores(scores: WindowScores): TokenScore[] {
  const { detail } = scores;
  if (!detail) throw new Error('these window scores were asked for without their tokens and top-k');
  return detail.tokens.map((token, j) => ({
    index: scores.from + j,
    token,
    surprisal: valueOrNull(scores.bits[j]),
    probability: valueOrNull(scores.probabilities[j]),
    top: detail.top[j],
  }));
}
