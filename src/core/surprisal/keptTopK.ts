// The top-k a scan's prediction head computed before each token, kept in the worker as typed arrays (ids and
// probabilities, 8 bytes an entry) so that a hover is answered without running the token's window again: for a
// large model one window is seconds of CPU. The window replies still leave the top-k out (windowScores.ts).
import type { RankedRow } from '../engine/topK';

/** Entries kept per token: the hover's default of 5 and room above it; a hover asking for more runs its window. */
export const KEPT_TOP_K = 10;

/** A token whose window has not been scored under the current plan. */
const UNKNOWN = 255;

export class KeptTopK {
  private ids = new Int32Array(0);
  private probabilities = new Float32Array(0);
  /** Entries kept per token (0 for a token with nothing before it), or UNKNOWN. */
  private counts = new Uint8Array(0);

  /** A new plan of `tokenCount` tokens whose first `keepFrom` are the last plan's, scored as they were. */
  replan(tokenCount: number, keepFrom: number): void {
    const kept = Math.min(keepFrom, this.counts.length, tokenCount);
    const ids = new Int32Array(tokenCount * KEPT_TOP_K);
    const probabilities = new Float32Array(tokenCount * KEPT_TOP_K);
    const counts = new Uint8Array(tokenCount).fill(UNKNOWN);
    ids.set(this.ids.subarray(0, kept * KEPT_TOP_K));
    probabilities.set(this.probabilities.subarray(0, kept * KEPT_TOP_K));
    counts.set(this.counts.subarray(0, kept));
    [this.ids, this.probabilities, this.counts] = [ids, probabilities, counts];
  }

  /** Token `index`'s top-k, best first (empty: nothing before it). */
  set(index: number, row: RankedRow | undefined): void {
    const count = Math.min(KEPT_TOP_K, row?.ids.length ?? 0);
    for (let r = 0; r < count; r++) {
      this.ids[index * KEPT_TOP_K + r] = row!.ids[r];
      this.probabilities[index * KEPT_TOP_K + r] = row!.probabilities[r];
    }
    this.counts[index] = count;
  }

  /** The first `topK` kept before token `index`, or undefined where its window was not scored or more are asked. */
  get(index: number, topK: number): RankedRow | undefined {
    const count = this.counts[index];
    if (count === undefined || count === UNKNOWN || topK > KEPT_TOP_K) return undefined;
    const n = Math.min(count, topK);
    const at = index * KEPT_TOP_K;
    return { ids: Array.from(this.ids.subarray(at, at + n)), probabilities: Array.from(this.probabilities.subarray(at, at + n)) };
  }

  /** Bytes held (tests bound them per token). */
  get bytes(): number {
    return this.ids.byteLength + this.probabilities.byteLength + this.counts.byteLength;
  }
}
