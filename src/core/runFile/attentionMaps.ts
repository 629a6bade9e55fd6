// A run file's attention maps: nested arrays ([layer][head][query][key], what the extension's export writes) or one
// base64 string of little-endian float32 / float16 per layer (compact, for files written from Python), decoded to
// the [heads, queries, keys] Float32Array per layer the views draw, and checked: every weight in [0, 1], every row
// a distribution over the keys, a causal set 0 above the diagonal. Pure.
import { MAX_EXPORTED_WEIGHTS, ROW_SUM_TOLERANCE } from '../engine/attentionLayout';
import { halfToFloat } from '../engine/tensors';
import { isRecord, kindOf, list } from './fields';
import type { Problems } from './problems';

/** A set's shape as the file declares it. */
export interface MapShape {
  layers: number;
  heads: number;
  queries: number;
  keys: number;
  /** Queries and keys are one list, and a query sees no key after it. */
  causal: boolean;
}

/** The weights all sets of a file may hold together: what the JSON export itself may write. */
export const MAX_FILE_WEIGHTS = MAX_EXPORTED_WEIGHTS;

/** How far a row's sum may be from 1: the looser float16 bound, as a file does not say how its floats were computed. */
const ROW_TOLERANCE = ROW_SUM_TOLERANCE.float16;
/** Nested maps are written rounded to 6 decimals: each weight of a row may be 5e-7 off. */
const ROUNDING_PER_KEY = 5e-7;
/** A causal map's weight above the diagonal may be at most this (exact 0 from a Softmax, or 0 after rounding). */
const ABOVE_DIAGONAL = 1e-6;

type Encoding = 'base64-float32' | 'base64-float16';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** One layer's base64 floats, or a problem (bad characters, or a length that is not heads × queries × keys floats). */
function decodeLayer(p: Problems, path: string, v: unknown, encoding: Encoding, floats: number): Float32Array | undefined {
  if (typeof v !== 'string') return void p.add(path, `must be a base64 string, not ${kindOf(v)}`);
  const width = encoding === 'base64-float32' ? 4 : 2;
  // Checked before decoding, so a huge string is refused without being decoded.
  const bytes = Math.floor((v.length * 3) / 4) - (v.endsWith('==') ? 2 : v.endsWith('=') ? 1 : 0);
  if (v.length % 4 !== 0 || !BASE64.test(v))
    return void p.add(path, 'is not base64 (A–Z, a–z, 0–9, +, /, padded with = to a multiple of 4)');
  if (bytes !== floats * width) {
    return void p.add(path, `holds ${bytes} bytes; heads × queries × keys = ${floats} ${encoding.slice(7)} values need ${floats * width}`);
  }
  const raw = atob(v);
  const view = new DataView(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) view.setUint8(i, raw.charCodeAt(i));
  const out = new Float32Array(floats);
  for (let i = 0; i < floats; i++) out[i] = width === 4 ? view.getFloat32(4 * i, true) : halfToFloat(view.getUint16(2 * i, true));
  return out;
}

/** One layer's nested [head][query][key] arrays, or a problem at the first array of the wrong length or type. */
function nestedLayer(p: Problems, path: string, v: unknown, shape: MapShape): Float32Array | undefined {
  const { heads, queries, keys } = shape;
  const out = new Float32Array(heads * queries * keys);
  const headRows = list(p, path, v, heads);
  if (!headRows) return undefined;
  if (headRows.length !== heads) return void p.add(path, `has ${headRows.length} heads; the set has ${heads}`);
  for (let h = 0; h < heads; h++) {
    const rows = headRows[h];
    if (!Array.isArray(rows) || rows.length !== queries)
      return void p.add(`${path}[${h}]`, `must be ${queries} rows (one per query token)`);
    for (let q = 0; q < queries; q++) {
      const row: unknown = rows[q];
      if (!Array.isArray(row) || row.length !== keys)
        return void p.add(`${path}[${h}][${q}]`, `must be ${keys} weights (one per key token)`);
      const base = (h * queries + q) * keys;
      for (let k = 0; k < keys; k++) {
        const w: unknown = row[k];
        if (typeof w !== 'number') return void p.add(`${path}[${h}][${q}][${k}]`, `must be a number, not ${kindOf(w)}`);
        out[base + k] = w;
      }
    }
  }
  return out;
}

/** Where a weight is: a JSON path into nested maps, or the head, query and key of a decoded base64 layer. */
type WeightPath = (h: number, q: number, k?: number) => string;

/** One problem per head at most: its first weight out of [0, 1], row not summing to 1, or weight above a causal diagonal. */
function checkLayer(p: Problems, at: WeightPath, data: Float32Array, shape: MapShape, tolerance: number): void {
  const { heads, queries, keys, causal } = shape;
  for (let h = 0; h < heads; h++) {
    rows: for (let q = 0; q < queries; q++) {
      let sum = 0;
      for (let k = 0, i = (h * queries + q) * keys; k < keys; k++, i++) {
        const w = data[i];
        if (!(w >= 0 && w <= 1 + tolerance)) {
          p.add(at(h, q, k), `is ${w}; an attention weight lies in [0, 1]`);
          break rows;
        }
        if (causal && k > q && w > ABOVE_DIAGONAL) {
          p.add(at(h, q, k), `is ${w}, but the set is causal: a query attends to no later key (0 above the diagonal)`);
          break rows;
        }
        sum += w;
      }
      if (!(Math.abs(sum - 1) <= tolerance)) {
        p.add(at(h, q), `sums to ${sum.toPrecision(6)}, not 1: an attention row is a distribution over the keys`);
        break;
      }
    }
  }
}

/** Every layer of one set's maps, decoded and checked; undefined (with the problems added) when any is wrong. */
export function readMaps(p: Problems, path: string, v: unknown, shape: MapShape): Float32Array[] | undefined {
  const floats = shape.heads * shape.queries * shape.keys;
  const before = p.count;
  let layers: (Float32Array | undefined)[];
  let tolerance = ROW_TOLERANCE;
  if (Array.isArray(v)) {
    if (v.length !== shape.layers) return void p.add(path, `has ${v.length} layers; the set has ${shape.layers}`);
    tolerance += shape.keys * ROUNDING_PER_KEY;
    layers = v.map((layer, l) => nestedLayer(p, `${path}[${l}]`, layer, shape));
  } else if (isRecord(v)) {
    const encoding = v.encoding;
    if (encoding !== 'base64-float32' && encoding !== 'base64-float16') {
      return void p.add(`${path}.encoding`, `must be "base64-float32" or "base64-float16", not ${kindOf(encoding)}`);
    }
    const encoded = list(p, `${path}.layers`, v.layers, shape.layers);
    if (!encoded) return undefined;
    if (encoded.length !== shape.layers) return void p.add(`${path}.layers`, `has ${encoded.length} layers; the set has ${shape.layers}`);
    layers = encoded.map((layer, l) => decodeLayer(p, `${path}.layers[${l}]`, layer, encoding, floats));
  } else {
    return void p.add(path, `must be nested arrays [layer][head][query][key] or {encoding, layers}, not ${kindOf(v)}`);
  }
  layers.forEach((data, l) => {
    const at: WeightPath = Array.isArray(v)
      ? (h, q, k) => `${path}[${l}][${h}][${q}]${k === undefined ? '' : `[${k}]`}`
      : (h, q, k) => `${path}.layers[${l}] (head ${h}, query ${q}${k === undefined ? '' : `, key ${k}`})`;
    if (data) checkLayer(p, at, data, shape, tolerance);
  });
  return p.count > before ? undefined : (layers as Float32Array[]);
}
