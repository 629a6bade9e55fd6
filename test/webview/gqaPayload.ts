// A synthetic run of a Llama-family model with grouped-query attention (heads share key/value heads), and optionally
// sliding-window layers and a soft-cap (Gemma 2-shaped): a causal payload whose model facts say so, and whose
// sliding-window layers attend only within their window (rows renormalised, so they still sum to 1). `masked`: a
// ModernBERT-shaped encoder instead, whose window is centred on each token.
import type { RunSummary } from '../../src/protocol';
import { makePayload } from './makePayload';
import { downsample, type Payload } from './payload';

export interface GqaOptions {
  name: string;
  layers: number;
  heads: number;
  kvHeads: number;
  tokens: number;
  slidingWindow?: { size: number; layers: number[]; around?: true };
  attnSoftcap?: number;
  /** A masked LM of the BERT family (ModernBERT-shaped) rather than a causal Llama. */
  masked?: boolean;
}

/**
 * Zeroes each row's keys outside the window (a query sees itself and size − 1 keys before it; `around`: the keys
 * within size / 2 on either side) and renormalises.
 */
function windowed(data: Float32Array, heads: number, n: number, window: NonNullable<GqaOptions['slidingWindow']>): Float32Array {
  const out = new Float32Array(data);
  const outside = (q: number, k: number) => (window.around ? Math.abs(q - k) > window.size / 2 : k <= q - window.size);
  for (let r = 0; r < heads * n; r++) {
    const q = r % n;
    const row = out.subarray(r * n, (r + 1) * n);
    for (let k = 0; k < n; k++) if (outside(q, k)) row[k] = 0;
    const sum = row.reduce((a, b) => a + b, 0);
    for (let k = 0; k < n; k++) row[k] /= sum;
  }
  return out;
}

export function gqaPayload(o: GqaOptions): Payload {
  const kind = o.masked ? 'masked' : 'causal';
  const base = makePayload({ name: o.name, kind, tokens: o.tokens, layers: o.layers, heads: o.heads, side: o.tokens, seed: 11 });
  const n = base.summary.tokens.length;
  const family = o.masked
    ? { id: 'synthetic/modernbert-shaped', family: 'bert', familyLabel: 'masked LM', architecture: 'ModernBertForMaskedLM' }
    : {
        id: o.slidingWindow ? 'synthetic/gemma2-shaped' : 'synthetic/llama-shaped',
        family: 'llama',
        familyLabel: 'causal LM (Llama family)',
        architecture: o.slidingWindow ? 'Gemma2ForCausalLM' : 'LlamaForCausalLM',
      };
  const model: RunSummary['model'] = {
    ...base.summary.model,
    ...family,
    kvHeads: o.kvHeads,
    headDim: 64,
    slidingWindow: o.slidingWindow,
    attnSoftcap: o.attnSoftcap,
  };
  const window = o.slidingWindow;
  const layer = (l: number): Float32Array => (window?.layers.includes(l) ? windowed(base.layer(l), o.heads, n, window) : base.layer(l));
  const shape = { layers: o.layers, heads: o.heads, queries: n, keys: n };
  const overviews = [{ runId: base.summary.runId, set: 'self', rows: n, cols: n, data: downsample(shape, n, n, layer) }];
  return { ...base, summary: { ...base.summary, model }, overviews, layer };
}
