// Two runs of one model compared (Compare with Previous Run, Pin Run as Baseline): how their tokens line up and how
// attention, predictions and surprisal differ where they do. Shapes only; src/core/analysis/runDiff.ts computes them.
import type { RunSummary } from './shapes';

/** Which tokens of the baseline and of the current run are the same piece in the same order (a longest common subsequence). */
export interface TokenAlignment {
  /** Matched tokens in order: index in the baseline's list, index in the current run's. */
  pairs: { baseline: number; current: number }[];
  /** Baseline tokens with no match (deleted by the edit). */
  baselineOnly: number[];
  /** Current tokens with no match (inserted). */
  currentOnly: number[];
}

/** A token's place in one run's top-k: its probability and 1-based rank; absent when it is not in that top-k. */
export interface RankedIn {
  probability: number;
  rank: number;
}

/** One token of either run's top-k at an aligned position. */
export interface PredictionChange {
  id: number;
  token: string;
  baseline?: RankedIn;
  current?: RankedIn;
}

/** The two runs' rankings at one aligned position (every position of a next-token run; the mask tokens of a fill-mask run). */
export interface PositionChange {
  baseline: number;
  current: number;
  /** The union of both top-k lists, by the current run's rank, then the baseline's. */
  changes: PredictionChange[];
}

/** A next-token run's surprisal (bits, −log₂ p) of one aligned token in both runs; null at a first token. */
export interface SurprisalChange {
  baseline: number;
  current: number;
  baselineBits: number | null;
  currentBits: number | null;
}

/**
 * One head (or the mean of heads) of one layer of one attention set in both runs, over the matched tokens only:
 * rows are the aligned query pairs, columns the aligned key pairs. Each run's weights are as it computed them (rows
 * need not sum to 1 here: weight on unmatched tokens is left out); difference is current − baseline.
 */
export interface AttentionComparison {
  set: string;
  layer: number;
  head: number | 'mean';
  /** Indices into the alignment of the set's query and key lists (input or target). */
  queryPairs: { baseline: number; current: number }[];
  keyPairs: { baseline: number; current: number }[];
  baseline: Float32Array;
  current: Float32Array;
  difference: Float32Array;
}

/** The reply to the compareRuns request. */
export interface RunComparison {
  /** The run compared against; its summary names its tokens (the view labels both). */
  baseline: RunSummary;
  /** Whether the baseline was pinned (Pin Run as Baseline) rather than the run before this one. */
  pinned: boolean;
  input: TokenAlignment;
  /** An encoder–decoder pair of runs: their targets aligned the same way. */
  target?: TokenAlignment;
  predictions: PositionChange[];
  /** Next-token runs only. */
  surprisal?: SurprisalChange[];
  /** The layer and head asked for; `unavailable` says why not (e.g. the baseline's maps are no longer kept). */
  attention: AttentionComparison | { unavailable: string };
}
