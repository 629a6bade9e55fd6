// Reading a run's token lists and attention sets by name: the views, the host and the exports ask here instead of
// assuming one list and one square map.
import type { AttentionSetView, RunSummary, TokenListName, TokenView } from './shapes';

/** The tokens of one of a run's lists: 'target' is empty for a run that has no second list. */
export function tokenList(summary: RunSummary, name: TokenListName): TokenView[] {
  return name === 'target' ? (summary.target?.tokens ?? []) : summary.tokens;
}

/** A set's map size: one row per query token, one column per key token. */
export function setShape(summary: RunSummary, set: AttentionSetView): { queries: number; keys: number } {
  return { queries: tokenList(summary, set.queries).length, keys: tokenList(summary, set.keys).length };
}

/** The run's attention set of that name, if it has one. */
export function attentionSet(summary: RunSummary, name: string): AttentionSetView | undefined {
  return summary.attentionSets.find((s) => s.name === name);
}
