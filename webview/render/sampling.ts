// Re-normalising a shown top-k list under temperature / top-k / top-p, and surprisal. Pure functions: the
// host sends probabilities from the full-vocabulary softmax; we only ever re-weight the tokens it sent.
import type { PredictionView } from '../../src/protocol';

export interface SamplingControls {
  temperature: number;
  topK: number;
  topP: number;
}

export interface Resampled {
  prediction: PredictionView;
  /** Probability after temperature and truncation, over the shown list only (0 when cut). */
  adjusted: number;
  kept: boolean;
}

/**
 * softmax(logits / T) restricted to a set S is p_i^(1/T) / Σ_S p_j^(1/T), so tempering the shown
 * probabilities is exact up to the tokens that were not shown. Order: temperature → top-k → top-p (as in
 * common samplers); at least one token is always kept.
 */
export function resample(top: readonly PredictionView[], controls: SamplingControls): Resampled[] {
  const t = Math.max(0.05, controls.temperature);
  const sorted = [...top].sort((a, b) => b.probability - a.probability);
  // Work in log space: p^(1/T) underflows for small p and T.
  const logs = sorted.map((p) => Math.log(Math.max(p.probability, 1e-300)) / t);
  const maxLog = logs.length ? logs[0] : 0;
  const tempered = logs.map((l) => Math.exp(l - maxLog));
  const k = Math.max(1, Math.min(sorted.length, Math.floor(controls.topK)));
  let sumK = 0;
  for (let i = 0; i < k; i++) sumK += tempered[i];
  let kept = 0;
  let cumulative = 0;
  while (kept < k) {
    cumulative += tempered[kept] / sumK;
    kept++;
    if (cumulative >= controls.topP - 1e-12) break;
  }
  let sumKept = 0;
  for (let i = 0; i < kept; i++) sumKept += tempered[i];
  return sorted.map((prediction, i) => ({
    prediction,
    kept: i < kept,
    adjusted: i < kept ? tempered[i] / sumKept : 0,
  }));
}

/** −log2 p in bits; null when there is no probability (first token). */
export function surprisalBits(probability: number | null): number | null {
  if (probability === null || !(probability >= 0)) return null;
  return -Math.log2(Math.max(probability, 1e-30));
}
