// Converts the core's result into the protocol's RunSummary (everything but the attention tensors), and says
// why a layer a webview asks for cannot be had. Until the core declares families (src/core/families), this is the
// one place outside the core that reads the model's kind: it turns it into the family, task and capabilities.
import type { AttentionOverview, RunCapabilities, RunPredictionsView, RunSummary, TokenView } from '../protocol';
import type { OverviewData } from '../core/engine/overview';
import type { InspectResult, ModelKind, Token } from '../core/types';
import { noSuchLayer } from '../core/worker/workerMessages';

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

function predictionsView(p: InspectResult['predictions']): RunPredictionsView {
  if (p.kind === 'masked') return { task: 'fill-mask', ranked: p.masks };
  return { task: 'next-token', ranked: p.next.map((top, position) => ({ position, top })), actual: p.actual };
}

function capabilities(kind: ModelKind): RunCapabilities {
  // A masked LM ranks only its masks in a run: the rest is asked for when shown.
  return { maskPosition: kind === 'masked', unmasked: kind === 'masked', logits: true };
}

export function toRunSummary(runId: number, result: Omit<InspectResult, 'attention'>): RunSummary {
  const { model, device } = result;
  return {
    runId,
    text: result.text,
    model: {
      id: model.id,
      source: model.source,
      family: model.modelType || model.architecture,
      familyLabel: model.kind === 'masked' ? 'masked LM' : 'causal LM',
      task: model.kind === 'masked' ? 'fill-mask' : 'next-token',
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
    predictions: predictionsView(result.predictions),
    capabilities: capabilities(model.kind),
    attentionUnavailable: model.attention.available ? null : model.attention.reason,
    timings: { ...result.timings },
  };
}

export function toOverview(runId: number, overview: OverviewData): AttentionOverview {
  return { runId, side: overview.side, data: overview.data };
}

/** Why this run has no such layer to send, or undefined when the worker keeps it. */
export function layerUnavailable(summary: RunSummary, kept: { layers: number } | undefined, layer: number): string | undefined {
  if (!kept) return summary.attentionUnavailable ?? 'this run kept no attention';
  if (layer >= kept.layers) return noSuchLayer(layer, kept.layers);
  return undefined;
}
