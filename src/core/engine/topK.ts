// Turning logits into the top-k predictions the UI shows. The graph's prediction head (see graphPatch)
// gives the top candidates' logits and log Σ exp per position; the fallback computes both from full logits.

export interface RankedRow {
  ids: number[];
  probabilities: number[];
}

/** Probabilities of the head's candidates: exp(logit − log Σ exp). */
export function rankFromHead(
  values: Float32Array,
  indices: ArrayLike<number | bigint>,
  logSumExp: Float32Array,
  positions: number,
  graphK: number,
  k: number,
): RankedRow[] {
  const rows: RankedRow[] = [];
  const take = Math.min(k, graphK);
  for (let p = 0; p < positions; p++) {
    const ids: number[] = [];
    const probabilities: number[] = [];
    for (let j = 0; j < take; j++) {
      ids.push(Number(indices[p * graphK + j]));
      probabilities.push(Math.exp(values[p * graphK + j] - logSumExp[p]));
    }
    rows.push({ ids, probabilities });
  }
  return rows;
}

/** log Σ exp of one row of logits, shifted by its maximum. */
export function logSumExpOf(logits: Float32Array, offset: number, length: number): number {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, logits[offset + i]);
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Math.exp(logits[offset + i] - max);
  return max + Math.log(sum);
}

/** Top-k of each of `positions` rows of `vocab` logits (the fallback when the graph has no head). */
export function rankFromLogits(
  logits: Float32Array,
  positions: number,
  vocab: number,
  k: number,
): { rows: RankedRow[]; logSumExp: Float64Array } {
  const rows: RankedRow[] = [];
  const lse = new Float64Array(positions);
  for (let p = 0; p < positions; p++) {
    const offset = p * vocab;
    lse[p] = logSumExpOf(logits, offset, vocab);
    // Insertion into a small sorted list: k is tiny next to the vocabulary.
    const bestIds: number[] = [];
    const bestValues: number[] = [];
    for (let v = 0; v < vocab; v++) {
      const x = logits[offset + v];
      if (bestValues.length === k && x <= bestValues[k - 1]) continue;
      let at = bestValues.length;
      while (at > 0 && bestValues[at - 1] < x) at--;
      bestValues.splice(at, 0, x);
      bestIds.splice(at, 0, v);
      if (bestValues.length > k) {
        bestValues.pop();
        bestIds.pop();
      }
    }
    rows.push({ ids: bestIds, probabilities: bestValues.map((x) => Math.exp(x - lse[p])) });
  }
  return { rows, logSumExp: lse };
}
