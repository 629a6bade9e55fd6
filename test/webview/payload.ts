// Result payloads as the host would send them, on disk: `<name>.summary.json` (a RunSummary; it may also
// carry `overviewSide`), `<name>.overview.f32` ([layers, heads, side, side] float32 little-endian; side is
// derived from the length when the JSON does not say) and `<name>.layer<N>.f32` ([heads, tokens, tokens]).
// On disk a payload has one attention set, 'self' (what the recorded models have); generated ones may have more.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  attentionSet,
  meanOfLayer,
  tokenList,
  type AttentionOverview,
  type LayerHeads,
  type PredictionView,
  type RunSummary,
} from '../../src/protocol';

export interface Payload {
  name: string;
  summary: RunSummary;
  /** One per attention set, as the host sends them after the result; none without attention. */
  overviews: AttentionOverview[];
  /** Full layer n of a set ('self' when not named): [heads, queries, keys]. Loaded or generated on demand, as the host would. */
  layer(n: number, set?: string): Float32Array;
  /** The logits over the whole vocabulary at a position, and its best ids labelled (generated payloads only). */
  logitsAt?: (position: number) => { logits: Float32Array; top: PredictionView[] };
}

function readF32(file: string): Float32Array {
  const buf = readFileSync(file);
  if (buf.byteLength % 4 !== 0) throw new Error(`${file}: not a float32 file (${buf.byteLength} bytes)`);
  const out = new Float32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

export function listPayloads(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.summary.json'))
    .map((f) => f.slice(0, -'.summary.json'.length))
    .sort();
}

export function overviewSide(length: number, layers: number, heads: number): number {
  const side = Math.round(Math.sqrt(length / (layers * heads)));
  if (side * side * layers * heads !== length) throw new Error(`overview of ${length} floats does not fit ${layers}×${heads}×side²`);
  return side;
}

export function loadPayload(dir: string, name: string): Payload {
  const json = JSON.parse(readFileSync(join(dir, `${name}.summary.json`), 'utf8')) as RunSummary & { overviewSide?: number };
  const { overviewSide: side, ...summary } = json;
  const m = summary.model;
  const ovFile = join(dir, `${name}.overview.f32`);
  const overviews: AttentionOverview[] = [];
  if (existsSync(ovFile)) {
    const data = readF32(ovFile);
    const rows = side ?? overviewSide(data.length, m.layers, m.heads);
    overviews.push({ runId: summary.runId, set: 'self', rows, cols: rows, data });
  }
  const n = summary.tokens.length;
  return {
    name,
    summary,
    overviews,
    layer(l) {
      const data = readF32(join(dir, `${name}.layer${l}.f32`));
      if (data.length !== m.heads * n * n) throw new Error(`${name} layer ${l}: ${data.length} floats, expected ${m.heads}×${n}×${n}`);
      return data;
    },
  };
}

export function savePayload(dir: string, p: Payload): void {
  const f32 = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const [overview] = p.overviews;
  if (p.overviews.length > 1 || (overview && overview.rows !== overview.cols)) throw new Error(`${p.name}: only one square set is saved`);
  writeFileSync(join(dir, `${p.name}.summary.json`), JSON.stringify({ ...p.summary, overviewSide: overview?.rows }, null, 1));
  if (overview) writeFileSync(join(dir, `${p.name}.overview.f32`), f32(overview.data));
  for (let l = 0; l < p.summary.model.layers; l++) writeFileSync(join(dir, `${p.name}.layer${l}.f32`), f32(p.layer(l)));
}

/** [heads, queries, keys] of a payload's set (or only `heads`, in that order), as the stub host replies to RequestLayer. */
export function layerReply(
  p: Payload,
  set: string,
  layer: number,
  heads?: LayerHeads,
): { meta: Record<string, unknown>; data: Float32Array } | { error: string } {
  const s = p.summary;
  const view = attentionSet(s, set);
  if (!view) return { error: `no attention set ${set}` };
  if (layer >= view.layers) return { error: `no layer ${layer}` };
  const [queries, keys] = [tokenList(s, view.queries).length, tokenList(s, view.keys).length];
  const whole = p.layer(layer, set);
  if (!heads) return { meta: { runId: s.runId, set, layer, heads: view.heads, queries, keys }, data: whole };
  if (heads === 'mean')
    return { meta: { runId: s.runId, set, layer, heads: view.heads, queries, keys, mean: true }, data: meanOfLayer(whole, view.heads) };
  const per = queries * keys;
  const data = new Float32Array(heads.length * per);
  heads.forEach((h, i) => data.set(whole.subarray(h * per, (h + 1) * per), i * per));
  return { meta: { runId: s.runId, set, layer, heads: view.heads, queries, keys, only: heads }, data };
}

/** Every head of every layer as rows × cols block maxima of queries × keys, as the host does for the model view. */
export function downsample(
  shape: { layers: number; heads: number; queries: number; keys: number },
  rows: number,
  cols: number,
  layer: (l: number) => Float32Array,
): Float32Array {
  const { layers, heads, queries, keys } = shape;
  const out = new Float32Array(layers * heads * rows * cols);
  const blocks = (n: number, side: number): Int32Array =>
    Int32Array.from({ length: n }, (_, i) => Math.min(side - 1, Math.floor((i * side) / n)));
  const [rowOf, colOf] = [blocks(queries, rows), blocks(keys, cols)];
  for (let l = 0; l < layers; l++) {
    const data = layer(l);
    for (let h = 0; h < heads; h++) {
      const src = h * queries * keys;
      const dst = (l * heads + h) * rows * cols;
      for (let q = 0; q < queries; q++) {
        const row = dst + rowOf[q] * cols;
        for (let k = 0; k < keys; k++) out[row + colOf[k]] = Math.max(out[row + colOf[k]], data[src + q * keys + k]);
      }
    }
  }
  return out;
}
