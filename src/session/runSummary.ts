// Converts the core's result into the protocol's RunSummary (everything but the attention tensors), and cuts
// one layer out of a result for a webview that asks for it.
import type { AttentionLayer, AttentionOverview, RunSummary, TokenView } from '../protocol';
import type { InspectResult, Token } from '../core/types';
import type { WorkerInspectResult } from '../core/worker/workerMessages';

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

export function toRunSummary(runId: number, result: InspectResult): RunSummary {
  const { model, device } = result;
  return {
    runId,
    text: result.text,
    model: {
      id: model.id,
      kind: model.kind,
      architecture: model.architecture,
      tokenizerKind: model.tokenizerKind,
      layers: model.layers,
      heads: model.heads,
      maxPositions: model.maxPositions,
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

export function toOverview(runId: number, result: WorkerInspectResult): AttentionOverview | undefined {
  if (!result.overview) return undefined;
  return { runId, side: result.overview.side, data: result.overview.data };
}

/** One layer as its own Float32Array (a copy: the host keeps the full result for later requests). */
export function sliceLayer(runId: number, result: InspectResult, layer: number): AttentionLayer {
  const maps = result.attention;
  if (!maps) throw new Error(result.model.attention.available ? 'this run kept no attention' : result.model.attention.reason);
  if (layer >= maps.layers) throw new Error(`layer ${layer} does not exist: the model has ${maps.layers} layers`);
  return { runId, layer, heads: maps.heads, tokens: maps.tokens, data: maps.perLayer[layer].slice() };
}
