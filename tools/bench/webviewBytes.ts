// Figure 6 (bytes): what one run sends to the webview under src/protocol/ — the Result message (RunSummary as
// JSON), the Overview message (every head downsampled, a Float32Array) and, when the matrix view opens, one
// full layer, the summary shaped by the host's own toRunSummary.
import { downsampleAttention } from '../../src/core/engine/overview';
import type { InspectResult } from '../../src/core/types';
import { ToWebviewType } from '../../src/protocol';
import { toRunSummary } from '../../src/session/runSummary';

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
  const summary = Buffer.byteLength(JSON.stringify({ type: ToWebviewType.Result, summary: toRunSummary(1, result) }), 'utf8');
  const overview = downsampleAttention(result.attention).data.byteLength;
  const { heads, tokens } = result.attention;
  const layer = heads * tokens * tokens * 4; // a layer crosses in the square layout
  const all = result.attention.perLayer.reduce((sum, l) => sum + l.byteLength, 0);
  return { model: label, tokens: result.tokens.length, summaryJsonBytes: summary, overviewBytes: overview, layerBytes: layer, totalBytes: summary + overview + layer, allMapsBytes: all };
}
