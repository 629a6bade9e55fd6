// The structure of an ONNX model without its weights. Every initializer whose bytes sit in the file (raw_data)
// becomes a reference to those same bytes (ONNX external data: location, offset, length), so onnxruntime reads
// the weights from the file itself and JavaScript never holds them: handing onnxruntime a 500 MB model as bytes
// made the process hold it twice while the session was created, and reading it cost a plain session's load again.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GRAPH_FIELDS, MODEL_FIELDS, STRING_ENTRY_FIELDS, TENSOR_FIELDS } from './graphScan';
import { MessageWriter, ProtobufError, readFieldHeader, WireType, type Field } from './protobuf';

/** Weights smaller than this stay in the skeleton: a reference would save nothing worth a read. */
const MIN_REFERENCED_BYTES = 1024;
/** How much the reader fetches at a time: node lists are read in a few reads, weights are skipped. */
const WINDOW_BYTES = 64 * 1024;
const DATA_LOCATION_EXTERNAL = 1;

/** Positioned reads through one buffered window (structure fields are small and sequential). */
class FileWindow {
  private start = 0;
  private bytes = new Uint8Array(0);

  constructor(
    private readonly handle: fs.FileHandle,
    readonly size: number,
  ) {}

  /** The bytes [pos, pos + length), clamped to the end of the file. */
  async read(pos: number, length: number): Promise<Uint8Array> {
    const end = Math.min(pos + length, this.size);
    if (pos < this.start || end > this.start + this.bytes.length) {
      const size = Math.min(Math.max(end - pos, WINDOW_BYTES), this.size - pos);
      const bytes = new Uint8Array(size);
      for (let got = 0; got < size;) {
        const { bytesRead } = await this.handle.read(bytes, got, size - got, pos + got);
        if (bytesRead === 0) throw new ProtobufError('the file changed while it was read');
        got += bytesRead;
      }
      this.start = pos;
      this.bytes = bytes;
    }
    return this.bytes.subarray(pos - this.start, end - this.start);
  }
}

/** The fields of the message at [start, end) of the file, read as they are reached; payloads are not read. */
async function* fileFields(file: FileWindow, start: number, end: number): AsyncGenerator<Field> {
  for (let pos = start; pos < end;) {
    // A key and a length are at most 10 bytes each.
    const head = await file.read(pos, Math.min(20, end - pos));
    const f = readFieldHeader(head, 0, end - pos);
    yield { ...f, keyStart: pos, start: pos + f.start, end: pos + f.end };
    pos += f.end;
  }
}

/**
 * Copies consecutive fields that stay as they are as one piece. Copied one by one, a graph of two million
 * small nodes (a 28 MB file) became two million views of the file: 370 MB. Fields are never reordered.
 */
class RunCopier {
  private start = -1;
  private end = -1;

  constructor(
    private readonly file: FileWindow,
    private readonly out: MessageWriter,
  ) {}

  async add(f: Field): Promise<void> {
    if (f.keyStart !== this.end) await this.flush();
    if (this.start < 0) this.start = f.keyStart;
    this.end = f.end;
  }

  async flush(): Promise<void> {
    if (this.start >= 0) this.out.encoded(await this.file.read(this.start, this.end - this.start));
    this.start = this.end = -1;
  }
}

function entry(key: string, value: string): MessageWriter {
  return new MessageWriter().string(STRING_ENTRY_FIELDS.key, key).string(STRING_ENTRY_FIELDS.value, value);
}

/** A TensorProto with its raw_data, when large, replaced by a reference to where it lies in `location`. */
async function tensorSkeleton(file: FileWindow, tensor: Field, location: string): Promise<MessageWriter> {
  const out = new MessageWriter();
  const run = new RunCopier(file, out);
  let stored: { offset: number; length: number } | undefined;
  for await (const f of fileFields(file, tensor.start, tensor.end)) {
    const isRawData = f.field === TENSOR_FIELDS.rawData && f.wire === WireType.LengthDelimited;
    if (isRawData && f.end - f.start >= MIN_REFERENCED_BYTES) {
      await run.flush();
      stored = { offset: f.start, length: f.end - f.start };
    } else await run.add(f);
  }
  await run.flush();
  if (stored) {
    out
      .message(TENSOR_FIELDS.externalData, entry('location', location))
      .message(TENSOR_FIELDS.externalData, entry('offset', String(stored.offset)))
      .message(TENSOR_FIELDS.externalData, entry('length', String(stored.length)))
      .varint(TENSOR_FIELDS.dataLocation, DATA_LOCATION_EXTERNAL);
  }
  return out;
}

async function graphSkeleton(file: FileWindow, graph: Field, location: string): Promise<MessageWriter> {
  const out = new MessageWriter();
  const run = new RunCopier(file, out);
  for await (const f of fileFields(file, graph.start, graph.end)) {
    if (f.field === GRAPH_FIELDS.initializer && f.wire === WireType.LengthDelimited) {
      await run.flush();
      out.message(f.field, await tensorSkeleton(file, f, location));
    } else await run.add(f);
  }
  await run.flush();
  return out;
}

/**
 * Reads the model at `onnxPath` as a skeleton: a valid ModelProto, a few hundred KB for BERT-base, whose weights
 * are external data in the model file itself. A session created from it must be told the file's folder
 * (`sessionOptions(provider, path.dirname(onnxPath))`). Throws ProtobufError when the file is not a protobuf.
 */
export async function readModelSkeleton(onnxPath: string): Promise<Uint8Array> {
  const handle = await fs.open(onnxPath, 'r');
  try {
    const file = new FileWindow(handle, (await handle.stat()).size);
    const location = path.basename(onnxPath);
    const out = new MessageWriter();
    const run = new RunCopier(file, out);
    for await (const f of fileFields(file, 0, file.size)) {
      if (f.field === MODEL_FIELDS.graph && f.wire === WireType.LengthDelimited) {
        await run.flush();
        out.message(f.field, await graphSkeleton(file, f, location));
      } else await run.add(f);
    }
    await run.flush();
    return out.finish();
  } finally {
    await handle.close();
  }
}
