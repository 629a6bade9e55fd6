// Converts the core's result into the protocol's RunSummary (everything but the attention tensors), and says
// why a layer a webview asks for cannot be had.
import type { AttentionOverview, RunSummary, TokenView } from '../protocol';
import type { OverviewData } from '../core/engine/overview';
import type { InspectResult, Token } from '../core/types';
import { noSuchLayer, type WorkerInspectResult } from '../core/worker/workerRequests';

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

export function toRunSummary(runId: number, result: Omit<InspectResult, 'attention'>): RunSummary {
  const { model, device } = result;
  return {
    runId,
    text: result.text,
    model: {
      id: model.id,
      source: model.source,
      kind: model.kind,
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
    attentionUnavailable: model.attention.available ? null : model.attention.reason,
    timings: { ...result.timings },
  };
}

export function toOverview(runId: number, overview: OverviewData): AttentionOverview {
  return { runId, side: overview.side, data: overview.data };
}

/** Why this run has no such layer to send, or undefined when the worker keeps it. */
export function layerUnavailable(result: WorkerInspectResult, layer: number): string | undefined {
  const maps = result.attention;
  if (!maps) return result.model.attention.available ? 'this run kept no attention' : result.model.attention.reason;
  if (layer >= maps.layers) return noSuchLayer(layer, maps.layers);
  return undefined;
}
