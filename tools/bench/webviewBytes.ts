// Figure 6 (bytes): what one run sends to the webview under src/protocol/ — the Result message (the host's
// RunSummary as JSON), the Overview message of each attention set (every head downsampled, a Float32Array) and,
// when the matrix view opens, one full layer of each set.
import { overviewOf } from '../../src/core/engine/overview';
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

export async function webviewBytes(label: string, result: InspectResult): Promise<BytesRow> {
  const sets = result.attention ?? [];
  if (sets.length === 0) throw new Error('webview bytes need a run with attention');
  const summary = Buffer.byteLength(JSON.stringify({ type: ToWebviewType.Result, summary: toRunSummary(1, result) }), 'utf8');
  let overview = 0;
  for (const set of sets) overview += (await overviewOf(set)).data.byteLength;
  const layer = sets.reduce((sum, { heads, queries, keys }) => sum + heads * queries * keys * 4, 0);
  const all = sets.reduce((sum, set) => sum + set.layers * set.heads * set.queries * set.keys * 4, 0);
  return {
    model: label,
    tokens: result.tokens.length,
    summaryJsonBytes: summary,
    overviewBytes: overview,
    layerBytes: layer,
    totalBytes: summary + overview + layer,
    allMapsBytes: all,
  };
}
