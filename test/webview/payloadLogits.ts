// Logits over the whole vocabulary for generated payloads, one row per position, deterministic. The summary's
// top-k and the actual tokens' probabilities are derived from them, so a payload is what a model would send:
// a long flat tail holding much of the mass (as GPT-2's does) and a handful of likely ids.
import type { PredictionView } from '../../src/protocol';

export interface LogitsVocabulary {
  size: number;
  /** Ids that may be likely (no special tokens). */
  likely: number[];
  label(id: number): string;
}

/** One position's row from its own generator; the token that actually follows is among the likely ones about half the time. */
export function logitsRow(rand: () => number, vocab: LogitsVocabulary, actualId?: number): Float32Array {
  const row = new Float32Array(vocab.size);
  for (let i = 0; i < row.length; i++) row[i] = -6 + 3 * rand();
  for (let j = 0; j < 12; j++) row[vocab.likely[Math.floor(rand() * vocab.likely.length)]] = 2 + 6 * rand();
  if (actualId !== undefined && rand() < 0.5) row[actualId] = 3 + 5 * rand();
  return row;
}

/** softmax in float64, as the webview computes it. */
export function softmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const x of row) max = Math.max(max, x);
  const out = new Float64Array(row.length);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += out[i] = Math.exp(row[i] - max);
  for (let i = 0; i < row.length; i++) out[i] /= sum;
  return out;
}

/** The k most probable ids, best first (the lower id first among equals), labelled. */
export function topOf(probabilities: Float64Array, k: number, vocab: LogitsVocabulary): PredictionView[] {
  const ids: number[] = [];
  for (let id = 0; id < probabilities.length; id++) {
    const p = probabilities[id];
    if (ids.length === k && p <= probabilities[ids[k - 1]]) continue;
    let at = ids.length;
    while (at > 0 && probabilities[ids[at - 1]] < p) at--;
    ids.splice(at, 0, id);
    if (ids.length > k) ids.pop();
  }
  return ids.map((id) => ({ id, token: vocab.label(id), probability: probabilities[id] }));
}
