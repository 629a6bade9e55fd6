// Converts the core's result into the protocol's RunSummary (everything but the attention tensors), and says
// why a layer a webview asks for cannot be had.
import { attentionSet, type AttentionOverview, type AttentionSetView, type RunSummary, type TokenView } from '../protocol';
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

/** An inspect result with its maps (in this thread) or where they are kept (the worker's AttentionRef). */
type CoreResult = Omit<InspectResult, 'attention'> & { attention?: { layers: number; heads: number } };

/** The name of the one attention set an encoder-only or decoder-only model has. */
export const SELF_SET = 'self';

/**
 * The run's attention sets: one self-attention set over the input today, causal when the model is (the core cuts a
 * causal model's maps to their lower triangle), its layers and heads the kept maps' (the model's when none were kept).
 */
export function attentionSets(result: CoreResult): AttentionSetView[] {
  const { model } = result;
  if (!model.attention.available) return [];
  const maps = result.attention ?? model;
  const causal = model.kind === 'causal';
  return [{ name: SELF_SET, label: 'Self-attention', queries: 'input', keys: 'input', layers: maps.layers, heads: maps.heads, causal }];
}

export function toRunSummary(runId: number, result: CoreResult): RunSummary {
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
    attentionSets: attentionSets(result),
    timings: { ...result.timings },
  };
}

/** The core's overview of one set (square today: side × side blocks), tagged with the set. */
export function toOverview(runId: number, set: string, overview: OverviewData): AttentionOverview {
  return { runId, set, rows: overview.side, cols: overview.side, data: overview.data };
}

/** Why this run has no such set or layer to send, or undefined when the worker keeps it. */
export function layerUnavailable(summary: RunSummary, result: WorkerInspectResult, set: string, layer: number): string | undefined {
  if (!result.attention) return result.model.attention.available ? 'this run kept no attention' : result.model.attention.reason;
  const found = attentionSet(summary, set);
  if (!found) return `this run has no attention set "${set}" (it has ${summary.attentionSets.map((s) => s.name).join(', ')})`;
  if (layer >= found.layers) return noSuchLayer(layer, found.layers);
  return undefined;
}
