// Result payloads as the host would send them, on disk: `<name>.summary.json` (a RunSummary; it may also
// carry `overviewSide`), `<name>.overview.f32` ([layers, heads, side, side] float32 little-endian; side is
// derived from the length when the JSON does not say) and `<name>.layer<N>.f32` ([heads, tokens, tokens]).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttentionOverview, PredictionView, RunSummary } from '../../src/protocol';

export interface Payload {
  name: string;
  summary: RunSummary;
  overview: AttentionOverview | null;
  /** Full layer n: [heads, tokens, tokens]. Loaded or generated on demand, as the host would. */
  layer(n: number): Float32Array;
  /** The logits over the whole vocabulary at a position, and its best ids labelled (generated payloads only). */
  logitsAt?(position: number): { logits: Float32Array; top: PredictionView[] };
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
  let overview: AttentionOverview | null = null;
  if (existsSync(ovFile)) {
    const data = readF32(ovFile);
    overview = { runId: summary.runId, side: side ?? overviewSide(data.length, m.layers, m.heads), data };
  }
  const n = summary.tokens.length;
  return {
    name,
    summary,
    overview,
    layer(l) {
      const data = readF32(join(dir, `${name}.layer${l}.f32`));
      if (data.length !== m.heads * n * n) throw new Error(`${name} layer ${l}: ${data.length} floats, expected ${m.heads}×${n}×${n}`);
      return data;
    },
  };
}

export function savePayload(dir: string, p: Payload): void {
  const f32 = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(dir, `${p.name}.summary.json`), JSON.stringify({ ...p.summary, overviewSide: p.overview?.side }, null, 1));
  if (p.overview) writeFileSync(join(dir, `${p.name}.overview.f32`), f32(p.overview.data));
  for (let l = 0; l < p.summary.model.layers; l++) writeFileSync(join(dir, `${p.name}.layer${l}.f32`), f32(p.layer(l)));
}

/** Every head of every layer as side × side block maxima, as the host does for the model view. */
export function downsample(layers: number, heads: number, tokens: number, side: number, layer: (l: number) => Float32Array): Float32Array {
  const out = new Float32Array(layers * heads * side * side);
  const block = new Int32Array(tokens);
  for (let i = 0; i < tokens; i++) block[i] = Math.min(side - 1, Math.floor((i * side) / tokens));
  for (let l = 0; l < layers; l++) {
    const data = layer(l);
    for (let h = 0; h < heads; h++) {
      const src = h * tokens * tokens;
      const dst = (l * heads + h) * side * side;
      for (let q = 0; q < tokens; q++) {
        const row = dst + block[q] * side;
        for (let k = 0; k < tokens; k++) out[row + block[k]] = Math.max(out[row + block[k]], data[src + q * tokens + k]);
      }
    }
  }
  return out;
}
