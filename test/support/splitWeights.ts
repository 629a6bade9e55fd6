// Spreads a model's weights over several external-data files, as large Hub exports do (model.onnx_data,
// model.onnx_data_1, …). The skeleton of a graph (readModelSkeleton) references each weight at its offset in the
// file it was read from; with copies of that file under the new names, pointing the references at them in turn
// gives a graph that needs every file and computes exactly what the original does.
import { MessageWriter, fields, readString, type Field } from '../../src/core/onnx/protobuf';

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_EXTERNAL_DATA = 13;
const ENTRY = { key: 1, value: 2 };

function isLocation(buf: Uint8Array, entry: Field): boolean {
  for (const f of fields(buf, entry.start, entry.end)) if (f.field === ENTRY.key) return readString(buf, f) === 'location';
  return false;
}

function relocateTensor(buf: Uint8Array, tensor: Field, next: () => string): Uint8Array | undefined {
  if (![...fields(buf, tensor.start, tensor.end)].some((f) => f.field === TENSOR_EXTERNAL_DATA && isLocation(buf, f))) return undefined;
  const name = next();
  const out = new MessageWriter();
  for (const f of fields(buf, tensor.start, tensor.end)) {
    if (f.field === TENSOR_EXTERNAL_DATA && isLocation(buf, f)) {
      out.message(TENSOR_EXTERNAL_DATA, new MessageWriter().string(ENTRY.key, 'location').string(ENTRY.value, name));
    } else out.encoded(buf.subarray(f.keyStart, f.end));
  }
  return out.finish();
}

/** The skeleton with its top-level initializers' external references pointing at `names`, in turn. */
export function relocateWeights(skeleton: Uint8Array, names: string[]): Buffer {
  let n = 0;
  const next = (): string => names[n++ % names.length];
  const model = new MessageWriter();
  for (const m of fields(skeleton)) {
    if (m.field !== MODEL_GRAPH) {
      model.encoded(skeleton.subarray(m.keyStart, m.end));
      continue;
    }
    const graph = new MessageWriter();
    for (const g of fields(skeleton, m.start, m.end)) {
      const moved = g.field === GRAPH_INITIALIZER ? relocateTensor(skeleton, g, next) : undefined;
      if (moved) graph.bytes(GRAPH_INITIALIZER, moved);
      else graph.encoded(skeleton.subarray(g.keyStart, g.end));
    }
    model.message(MODEL_GRAPH, graph);
  }
  return Buffer.from(model.finish());
}
