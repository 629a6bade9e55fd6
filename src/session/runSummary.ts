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

/** The run's attention sets as the core kept them, each with its family's declaration (label, token lists). */
export function attentionSets(result: CoreResult): AttentionSetView[] {
  return (result.attention ?? []).flatMap(({ set, layers, heads, causal }) => {
    const spec = result.model.attentionSets.find((s) => s.name === set);
    return spec ? [{ ...spec, layers, heads, causal }] : [];
  });
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
      kvHeads: model.kvHeads,
      headDim: model.headDim,
      slidingWindow: model.slidingWindow ? { ...model.slidingWindow, layers: [...model.slidingWindow.layers] } : undefined,
      attnSoftcap: model.attnSoftcap,
      maxPositions: model.maxPositions,
      vocabSize: model.vocabSize,
      maskToken: model.maskToken,
    },
    device: { provider: device.provider, label: device.label, fallbackReason: device.fallbackReason },
    tokens: result.tokens.map(tokenView),
    ...(result.target
      ? { target: { tokens: result.target.tokens.map(tokenView), text: result.target.text, generated: result.target.generated } }
      : {}),
    ...(result.pair ? { pair: { ...result.pair, segments: [...result.pair.segments] } } : {}),
    truncation: result.truncation ? { ...result.truncation } : undefined,
    predictions: result.predictions,
    capabilities: { ...model.capabilities },
    attentionUnavailable: model.attention.available ? null : model.attention.reason,
    ...(model.ablation ? { ablation: model.ablation } : {}),
    logitLensUnavailable: !model.logitLens
      ? 'the logit lens is not available for this model'
      : model.logitLens.available
        ? null
        : model.logitLens.reason,
    attentionSets: attentionSets(result),
    timings: { ...result.timings },
  };
}

/** The core's overview of one set (rows × cols blocks), tagged with the set. */
export function toOverview(runId: number, set: string, overview: OverviewData): AttentionOverview {
  return { runId, set, rows: overview.rows, cols: overview.cols, data: overview.data };
}
