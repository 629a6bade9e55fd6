// The edits of existing nodes the patch makes: appending a graph (see graphPatch.ts) can add nodes but not change
// one; the vocabulary projection must read the hidden states at chosen positions instead of all, and with a head
// gate (headGate.ts) each layer's context consumers read the gated context.
import { GRAPH_FIELDS, MODEL_FIELDS, NODE_FIELDS } from './graphScan';
import { fields, MessageWriter, ProtobufError, readString, type Field } from './protobuf';

/** The node with `from` replaced by `to` among its inputs, or undefined when it does not produce `output`. */
function renamedNode(buf: Uint8Array, node: Field, output: string, from: string, to: string): MessageWriter | undefined {
  const parts = [...fields(buf, node.start, node.end)];
  if (!parts.some((f) => f.field === NODE_FIELDS.output && readString(buf, f) === output)) return undefined;
  const out = new MessageWriter();
  for (const f of parts) {
    if (f.field === NODE_FIELDS.input && readString(buf, f) === from) out.string(NODE_FIELDS.input, to);
    else out.encoded(buf.subarray(f.keyStart, f.end));
  }
  return out;
}

/**
 * A copy of a serialized ModelProto in which the top-level node producing `output` reads `to` where it read
 * `from`. Every other byte is copied as it is. Throws when no such node exists.
 */
export function renameNodeInput(model: Uint8Array, output: string, from: string, to: string): Uint8Array {
  let renamed = false;
  const rewriteGraph = (graph: Field): MessageWriter => {
    const out = new MessageWriter();
    for (const f of fields(model, graph.start, graph.end)) {
      const node = !renamed && f.field === GRAPH_FIELDS.node ? renamedNode(model, f, output, from, to) : undefined;
      if (node) {
        out.message(GRAPH_FIELDS.node, node);
        renamed = true;
      } else out.encoded(model.subarray(f.keyStart, f.end));
    }
    return out;
  };
  const out = new MessageWriter();
  for (const f of fields(model, 0, model.length)) {
    if (f.field === MODEL_FIELDS.graph) out.message(MODEL_FIELDS.graph, rewriteGraph(f));
    else out.encoded(model.subarray(f.keyStart, f.end));
  }
  if (!renamed) throw new ProtobufError(`no node produces ${output}`);
  return out.finish();
}

/**
 * A copy of a serialized ModelProto in which every top-level node reads `renames.get(x)` where it read x (the head
 * gate's rewiring: each consumer of a layer's context reads the gated context). Every other byte is copied as it is.
 */
export function renameInputsEverywhere(model: Uint8Array, renames: ReadonlyMap<string, string>): Uint8Array {
  const renamedInputs = (node: Field): MessageWriter => {
    const out = new MessageWriter();
    for (const f of fields(model, node.start, node.end)) {
      const to = f.field === NODE_FIELDS.input ? renames.get(readString(model, f)) : undefined;
      if (to !== undefined) out.string(NODE_FIELDS.input, to);
      else out.encoded(model.subarray(f.keyStart, f.end));
    }
    return out;
  };
  const out = new MessageWriter();
  for (const f of fields(model, 0, model.length)) {
    if (f.field !== MODEL_FIELDS.graph) {
      out.encoded(model.subarray(f.keyStart, f.end));
      continue;
    }
    const graph = new MessageWriter();
    for (const g of fields(model, f.start, f.end)) {
      if (g.field === GRAPH_FIELDS.node) graph.message(GRAPH_FIELDS.node, renamedInputs(g));
      else graph.encoded(model.subarray(g.keyStart, g.end));
    }
    out.message(MODEL_FIELDS.graph, graph);
  }
  return out.finish();
}
