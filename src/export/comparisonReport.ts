// The JSON export of two runs compared (Attention Lens: Export Run Comparison): both runs' text and tokens, how the
// tokens align, the top-k and surprisal at the aligned positions, and how much each head's attention changed over the
// matched tokens. The maps themselves are in each run's own JSON export.
import type { RunComparison, RunSummary } from '../protocol';
import type { HeadChange } from '../session/runComparer';
import type { RunRecord } from '../session/runState';

/** What a reader needs of one run to follow the indices: its text, model and tokens. */
function runEntry(s: RunSummary): Record<string, unknown> {
  const tokens = s.tokens.map(({ index, id, piece, start, end, special }) => ({ index, id, piece, start, end, special }));
  const target = s.target?.tokens.map(({ index, id, piece }) => ({ index, id, piece }));
  return { runId: s.runId, text: s.text, tokens, ...(target && { targetText: s.target?.text, targetTokens: target }) };
}

export function comparisonReport(
  run: RunRecord,
  comparison: Omit<RunComparison, 'attention'>,
  heads: HeadChange[] | { unavailable: string },
): string {
  const { baseline, pinned, input, target, predictions, surprisal } = comparison;
  const report = {
    // Indices: alignment pairs and positions name token indices of each run (baseline, current); probabilities
    // are each run's own; rank is 1-based within that run's top-k (absent: not in it); surprisal is −log₂ p in bits.
    format: 'attention-lens-run-comparison/1',
    model: { id: run.summary.model.id, family: run.summary.model.family, onnxFile: run.source.onnxFile },
    baseline: { ...runEntry(baseline), pinned },
    current: runEntry(run.summary),
    alignment: { method: 'longest common subsequence of token pieces', input, ...(target && { target }) },
    predictions,
    surprisal: surprisal ?? null,
    // Over the matched query and key tokens: max and mean of |current − baseline|, per head of each layer and set.
    headChanges: heads,
  };
  return JSON.stringify(report, null, 1);
}
