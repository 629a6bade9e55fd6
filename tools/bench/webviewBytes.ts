// Figure 6 (bytes): what one run sends to the webview under src/protocol/ — the Result message (RunSummary as
// JSON), the Overview message (every head downsampled, a Float32Array) and, when the matrix view opens, one
// full layer. The host's own shaping is not written yet, so `runSummaryOf` shapes a real InspectResult the way
// the protocol's types demand (every field RunSummary has, nothing more); replace it with the host's function
// once one exists.
import { downsampleAttention } from '../../src/core/engine/overview';
import type { InspectResult, Prediction } from '../../src/core/types';
import { ToWebviewType, type PredictionView, type RunSummary } from '../../src/protocol';
import { attentionSets } from '../../src/session/runSummary';

function predictionViews(list: Prediction[]): PredictionView[] {
  return list.map((p) => ({ id: p.id, token: p.token, probability: p.probability }));
}

export function runSummaryOf(result: InspectResult, runId: number): RunSummary {
  const m = result.model;
  const p = result.predictions;
  return {
    runId,
    text: result.text,
    model: { id: m.id, source: m.source, kind: m.kind, architecture: m.architecture, tokenizerKind: m.tokenizerKind, layers: m.layers, heads: m.heads, maxPositions: m.maxPositions, vocabSize: m.vocabSize, maskToken: m.maskToken },
    device: { provider: result.device.provider, label: result.device.label, fallbackReason: result.device.fallbackReason },
    tokens: result.tokens.map((t) => ({ index: t.index, id: t.id, piece: t.piece, display: t.display, start: t.start, end: t.end, special: t.special, continuation: t.continuation, partialChar: t.partialChar })),
    truncation: result.truncation,
    predictions:
      p.kind === 'masked'
        ? { kind: 'masked', masks: p.masks.map((k) => ({ position: k.position, top: predictionViews(k.top) })) }
        : { kind: 'causal', next: p.next.map(predictionViews), actual: p.actual },
    attentionUnavailable: m.attention.available ? null : m.attention.reason,
    attentionSets: attentionSets(result),
    timings: result.timings,
  };
}

export interface BytesRow {
  model: string;
  tokens: number;
  summaryJsonBytes: number;
  overviewBytes: number;
  layerBytes: number;
  totalBytes: number;
  /** All maps, for comparison: what sending everything would cost. */
  allMapsBytes: number;
}

export function webviewBytes(label: string, result: InspectResult): BytesRow {
  if (!result.attention) throw new Error('webview bytes need a run with attention');
  const summary = Buffer.byteLength(JSON.stringify({ type: ToWebviewType.Result, summary: runSummaryOf(result, 1) }), 'utf8');
  const overview = downsampleAttention(result.attention).data.byteLength;
  const { heads, tokens } = result.attention;
  const layer = heads * tokens * tokens * 4; // a layer crosses in the square layout
  const all = result.attention.perLayer.reduce((sum, l) => sum + l.byteLength, 0);
  return { model: label, tokens: result.tokens.length, summaryJsonBytes: summary, overviewBytes: overview, layerBytes: layer, totalBytes: summary + overview + layer, allMapsBytes: all };
}
