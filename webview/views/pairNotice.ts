// A sentence-pair run in the views: which sentence a token belongs to, the line that says where B starts and
// whether the model sees the segments, and the head view's A→B / B→A filter (bertviz's sentence_b_start).
import type { PairView, RunSummary } from '../../src/protocol';

/** Which links the head view draws in a pair run: all, only A's queries to B's keys, or only B's to A's. */
export type PairFilter = 'all' | 'ab' | 'ba';
export const PAIR_FILTERS: readonly PairFilter[] = ['all', 'ab', 'ba'];

export function sentenceOf(pair: PairView, index: number): 'A' | 'B' {
  return index < pair.sentenceBStart ? 'A' : 'B';
}

/** Whether a link from query q to key k is shown under the filter (a self-attention set of a pair run). */
export function linkShown(pair: PairView | undefined, filter: PairFilter, q: number, k: number): boolean {
  if (!pair || filter === 'all') return true;
  const [from, to] = filter === 'ab' ? ['A', 'B'] : ['B', 'A'];
  return sentenceOf(pair, q) === from && sentenceOf(pair, k) === to;
}

/** The pair's facts in one line, for the tokens view and the head view. */
export function pairLine(s: RunSummary): string {
  const pair = s.pair;
  if (!pair) return '';
  const n = s.tokens.length;
  const where = `Sentence pair: A = tokens 0–${pair.sentenceBStart - 1}, B = tokens ${pair.sentenceBStart}–${n - 1}`;
  const fed = pair.segmentsFed
    ? 'segment ids fed as token_type_ids'
    : `${s.model.id} takes no token_type_ids: it ignores segments, and tells A from B only by the separator`;
  return `${where} · ${fed}.`;
}
