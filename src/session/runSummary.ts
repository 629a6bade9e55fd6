// Converts the core's result into the protocol's RunSummary (everything but the attention tensors): the model's
// facts as its family declares them, its predictions, what may be asked of it, and its attention sets.
import type { OverviewData } from '../core/engine/overview';
import type { InspectResult, Token } from '../core/types';
import type { AttentionSetRef } from '../core/worker/workerRequests';
import type { AttentionOverview, AttentionSetView, RunSummary, TokenView } from '../protocol';

function tokenView(t: Token): TokenView {
  return {
    index: t.index,
    id: t.id,
    piece: t.piece,
    display: t.display,
    start: t.start,
    end: t.end,
    special: t.special,
    continuation: t.continuation,
    partialChar: t.partialChar,
  };
}

/** An inspect result with its maps (in this thread) or where they are kept (the worker's set references). */
type CoreResult = Omit<InspectResult, 'attention'> & { attention?: readonly AttentionSetRef[] };

/** Headings of the sets the families declare. */
const SET_LABELS: Record<string, string> = { self: 'Self-attention' };

/** The run's attention sets as the core kept them: today one self-attention set over the input. */
export function attentionSets(result: CoreResult): AttentionSetView[] {
  return (result.attention ?? []).map((set) => ({
    name: set.set,
    label: SET_LABELS[set.set] ?? set.set,
    queries: 'input',
    keys: 'input',
    layers: set.layers,
    heads: set.heads,
    causal: set.causal,
  }));
}

export function toRunSummary(runId: number, result: CoreResult): RunSummary {
  const { model, device } = result;
  return {
    runId,
    text: result.text,
    model: {
      id: model.id,
      source: model.source,
      family: model.family,
      familyLabel: model.familyLabel,
      task: model.task,
      architecture: model.architecture,
      tokenizerKind: model.tokenizerKind,
      layers: model.layers,
      heads: model.heads,
      maxPositions: model.maxPositions,
      vocabSize: model.vocabSize,
      maskToken: model.maskToken,
    },
    device: { provider: device.provider, label: device.label, fallbackReason: device.fallbackReason },
    tokens: result.tokens.map(tokenView),
    truncation: result.truncation ? { ...result.truncation } : undefined,
    predictions: result.predictions,
    capabilities: { ...model.capabilities },
    attentionUnavailable: model.attention.available ? null : model.attention.reason,
    attentionSets: attentionSets(result),
    timings: { ...result.timings },
  };
}

/** The core's overview of one set (rows × cols blocks), tagged with the set. */
export function toOverview(runId: number, set: string, overview: OverviewData): AttentionOverview {
  return { runId, set, rows: overview.rows, cols: overview.cols, data: overview.data };
}
