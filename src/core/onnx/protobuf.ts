// Just enough of the protobuf wire format to read the structure of an ONNX model without decoding its
// weights, and to write the few small messages the graph patch appends. A full decode of a 500 MB model
// (protobufjs) costs hundreds of ms and doubles memory; walking fields and skipping weight bytes costs ms.

export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  Fixed32 = 5,
}

export interface Field {
  field: number;
  wire: WireType;
  /** Varint value (wire 0). Values past 2^53 lose precision; ONNX structure fields never get there. */
  value: number;
  /** For length-delimited fields: [start, end) of the payload in the buffer. */
  start: number;
  end: number;
  /** Where the field's key starts: [keyStart, end) is the whole encoded field, to copy it as it is. */
  keyStart: number;
}

export class ProtobufError extends Error {}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new ProtobufError('truncated varint');
    const byte = buf[pos++];
    result += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [result, pos];
    scale *= 128;
  }
  throw new ProtobufError('varint too long');
}

/**
 * Reads the key (and the length or value) of the field at `pos`, in a message that ends at `end`; the payload
 * itself need not be in `buf` (the skeleton reader holds only a field's first bytes).
 */
export function readFieldHeader(buf: Uint8Array, pos: number, end: number): Field {
  const [key, afterKey] = readVarint(buf, pos);
  const field = Math.floor(key / 8);
  const wire = key & 7;
  if (field === 0) throw new ProtobufError('field number 0');
  let f: Field;
  switch (wire) {
    case WireType.Varint: {
      const [value, next] = readVarint(buf, afterKey);
      f = { field, wire, value, start: afterKey, end: next, keyStart: pos };
      break;
    }
    case WireType.Fixed64:
    case WireType.Fixed32:
      f = { field, wire, value: 0, start: afterKey, end: afterKey + (wire === WireType.Fixed64 ? 8 : 4), keyStart: pos };
      break;
    case WireType.LengthDelimited: {
      const [length, payload] = readVarint(buf, afterKey);
      f = { field, wire, value: length, start: payload, end: payload + length, keyStart: pos };
      break;
    }
    default:
      throw new ProtobufError(`unsupported wire type ${wire}`);
  }
  if (f.end > end)
    throw new ProtobufError(
      wire === WireType.LengthDelimited ? 'length-delimited field runs past its message' : 'message ends inside a field',
    );
  return f;
}

/** Iterates the fields of the message occupying buf[start, end). Throws ProtobufError on malformed bytes. */
export function* fields(buf: Uint8Array, start = 0, end = buf.length): Generator<Field> {
  for (let pos = start; pos < end;) {
    const f = readFieldHeader(buf, pos, end);
    yield f;
    pos = f.end;
  }
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });

export function readString(buf: Uint8Array, f: Field): string {
  return textDecoder.decode(buf.subarray(f.start, f.end));
}

// ---------------------------------------------------------------- writing

/** Builds one protobuf message from fields appended in order. */
export class MessageWriter {
  private readonly chunks: Uint8Array[] = [];

  private static varint(value: number): Uint8Array {
    const out: number[] = [];
    let v = value;
    if (v < 0) throw new ProtobufError('negative varint not supported');
    while (v >= 128) {
      out.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
    return Uint8Array.from(out);
  }

  private key(field: number, wire: WireType): void {
    this.chunks.push(MessageWriter.varint(field * 8 + wire));
  }

  varint(field: number, value: number): this {
    this.key(field, WireType.Varint);
    this.chunks.push(MessageWriter.varint(value));
    return this;
  }

  bytes(field: number, payload: Uint8Array): this {
    this.key(field, WireType.LengthDelimited);
    this.chunks.push(MessageWriter.varint(payload.length), payload);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, inner: MessageWriter): this {
    return this.bytes(field, inner.finish());
  }

  /** Appends already-encoded fields (key and payload) as they are. */
  encoded(fieldBytes: Uint8Array): this {
    this.chunks.push(fieldBytes);
    return this;
  }

  finish(): Uint8Array {
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}
