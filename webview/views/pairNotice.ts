// A sentence-pair run in the head view: the A→B / B→A filter (bertviz's sentence_b_start). Which sentence a token
// is in and the line that says so are in src/protocol/pair.ts (the host's reports say it too).
import { sentenceOf, type PairView } from '../../src/protocol';

/** Which links the head view draws in a pair run: all, only A's queries to B's keys, or only B's to A's. */
export type PairFilter = 'all' | 'ab' | 'ba';
export const PAIR_FILTERS: readonly PairFilter[] = ['all', 'ab', 'ba'];

/** Whether a link from query q to key k is shown under the filter (a self-attention set of a pair run). */
export function linkShown(pair: PairView | undefined, filter: PairFilter, q: number, k: number): boolean {
  if (!pair || filter === 'all') return true;
  const [from, to] = filter === 'ab' ? ['A', 'B'] : ['B', 'A'];
  return sentenceOf(pair, q) === from && sentenceOf(pair, k) === to;
}
