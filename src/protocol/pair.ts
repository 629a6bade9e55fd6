// A sentence-pair run's facts in words, for the views and the host's reports alike: which sentence a token is in,
// where B starts, and whether the model was fed the segment ids.
import type { PairView, RunSummary } from './shapes';

export function sentenceOf(pair: PairView, index: number): 'A' | 'B' {
  return index < pair.sentenceBStart ? 'A' : 'B';
}

/** The pair's facts in one line, for the tokens view, the head view and the HTML report. */
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
