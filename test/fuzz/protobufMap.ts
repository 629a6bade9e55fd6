// Where the structure of an ONNX file lies: every field header of the messages the loader reads (model, graph,
// node, attribute, tensor, value info …), found by walking known message fields and never the weight bytes.
// The ONNX mutations aim at these headers, where a bit flip in the weights would only change a number.
import { fields, WireType } from '../../src/core/onnx/protobuf';

export interface FieldSite {
  field: number;
  wire: WireType;
  /** The key's first byte; the length (or value) varint starts at `valueStart`. */
  keyStart: number;
  valueStart: number;
  /** The payload of a length-delimited field, [start, end); for others, the value's bytes. */
  start: number;
  end: number;
  /** The message type the field belongs to, e.g. 'graph'. */
  parent: string;
  /** For length-delimited fields of a known message type: that type. */
  message?: string;
}

/** Message-typed fields of the ONNX messages the loader reads: field number → message type. */
const SCHEMA: Record<string, Record<number, string>> = {
  model: { 7: 'graph', 8: 'opset', 14: 'metadata' },
  graph: { 1: 'node', 5: 'tensor', 11: 'valueInfo', 12: 'valueInfo', 13: 'valueInfo', 15: 'sparseTensor' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph', 22: 'sparseTensor', 23: 'sparseTensor' },
  tensor: { 13: 'stringEntry' },
  sparseTensor: { 1: 'tensor', 2: 'tensor' },
  valueInfo: { 2: 'type' },
  type: { 1: 'tensorType' },
  tensorType: { 2: 'shape' },
  shape: { 1: 'dimension' },
  opset: {},
  metadata: {},
  stringEntry: {},
  dimension: {},
};

/** Every field header in the structure of `model` (a well-formed seed). */
export function structureSites(model: Uint8Array): FieldSite[] {
  const sites: FieldSite[] = [];
  const walk = (start: number, end: number, parent: string) => {
    for (const f of fields(model, start, end)) {
      const message = f.wire === WireType.LengthDelimited ? SCHEMA[parent][f.field] : undefined;
      const valueStart = f.wire === WireType.LengthDelimited || f.wire === WireType.Varint ? keyEnd(model, f.keyStart) : f.start;
      sites.push({ field: f.field, wire: f.wire, keyStart: f.keyStart, valueStart, start: f.start, end: f.end, parent, message });
      if (message) walk(f.start, f.end, message);
    }
  };
  walk(0, model.length, 'model');
  return sites;
}

function keyEnd(buf: Uint8Array, keyStart: number): number {
  let pos = keyStart;
  while (buf[pos] & 0x80) pos++;
  return pos + 1;
}

/** A varint of `value`, at least `minBytes` long (padded with continuation bytes, as protobuf allows). */
export function varint(value: bigint, minBytes = 1): Uint8Array {
  const out: number[] = [];
  let v = BigInt.asUintN(64, value);
  do {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  } while (v > 0n || out.length < minBytes);
  out[out.length - 1] &= 0x7f;
  return Uint8Array.from(out);
}

/** `bytes` with [from, to) replaced by `insert`. */
export function splice(bytes: Uint8Array, from: number, to: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - (to - from) + insert.length);
  out.set(bytes.subarray(0, from), 0);
  out.set(insert, from);
  out.set(bytes.subarray(to), from + insert.length);
  return out;
}
