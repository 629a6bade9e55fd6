// A merged decoder (optimum's decoder_model_merged.onnx) is one If(use_cache_branch) node: its then-branch the
// decoder with a key/value cache, its else-branch the decoder without, both reading the large weights from the
// top-level graph. Tensors inside a branch cannot be fetched, so the attention of a merged decoder is read from its
// no-past branch lifted out as a model of its own: the branch's nodes, the top-level initializers and the inputs
// they read, its outputs under the If's names. The weights stay where they are (the skeleton's references).
import { GRAPH_FIELDS, MODEL_FIELDS, NODE_FIELDS, scanModel, type GraphSummary } from './graphScan';
import { fields, MessageWriter, readString, type Field } from './protobuf';

const ATTRIBUTE = { name: 1, g: 6 } as const;
const GRAPH_VALUE_INFO = 13;

/** The If node whose branch is lifted: the only top-level node of a merged decoder that reads use_cache_branch. */
function mergeNode(graph: GraphSummary) {
  return graph.nodes.find((n) => n.opType === 'If' && n.inputs[0] === 'use_cache_branch');
}

/** Whether a graph is a merged decoder whose no-past branch can be lifted out. */
export function isMergedDecoder(graph: GraphSummary): boolean {
  return mergeNode(graph) !== undefined;
}

/** The GraphProto of the If node's `else_branch` attribute. */
function elseBranch(buf: Uint8Array, node: Field): Field | undefined {
  for (const f of fields(buf, node.start, node.end)) {
    if (f.field !== NODE_FIELDS.attribute) continue;
    let name = '';
    let graph: Field | undefined;
    for (const a of fields(buf, f.start, f.end)) {
      if (a.field === ATTRIBUTE.name) name = readString(buf, a);
      else if (a.field === ATTRIBUTE.g) graph = a;
    }
    if (name === 'else_branch') return graph;
  }
  return undefined;
}

/** A graph's nodes and outputs, scanned as the top-level graph of a model holding only it. */
function scanBranch(buf: Uint8Array, branch: Field): GraphSummary {
  return scanModel(new MessageWriter().bytes(MODEL_FIELDS.graph, buf.subarray(branch.start, branch.end)).finish());
}

/**
 * The merged decoder `buf` (a skeleton scanned as `graph`) with its no-past branch as its graph: a model that takes
 * the decoder's inputs without past_key_values and use_cache_branch, and gives the If's outputs.
 */
export function liftNoPastBranch(buf: Uint8Array, graph: GraphSummary): Uint8Array {
  const node = mergeNode(graph);
  const branchField = node && elseBranch(buf, node.field!);
  if (!node || !branchField) throw new Error('the merged decoder has no If(use_cache_branch) node with an else branch');
  const branch = scanBranch(buf, branchField);
  const body = new MessageWriter();
  const read = new Set<string>();
  for (const other of graph.nodes) {
    if (other === node) continue;
    body.encoded(buf.subarray(other.field!.keyStart, other.field!.end));
    other.inputs.forEach((i) => read.add(i));
  }
  for (const f of fields(buf, branchField.start, branchField.end)) {
    if (f.field === GRAPH_FIELDS.node || f.field === GRAPH_FIELDS.initializer || f.field === GRAPH_VALUE_INFO) {
      body.encoded(buf.subarray(f.keyStart, f.end));
    }
  }
  branch.nodes.forEach((n) => n.inputs.forEach((i) => read.add(i)));
  // The branch's outputs under the If's names (often the same names already, in the branch's own scope).
  branch.outputs.forEach((name, i) => {
    const target = node.outputs[i];
    if (target && target !== name) {
      body.message(
        GRAPH_FIELDS.node,
        new MessageWriter().string(NODE_FIELDS.input, name).string(NODE_FIELDS.output, target).string(NODE_FIELDS.opType, 'Identity'),
      );
    }
  });
  body.string(2, 'no_past_branch');
  for (const [, f] of graph.initializerFields) body.encoded(buf.subarray(f.keyStart, f.end));
  for (const [name, f] of graph.inputFields) if (read.has(name)) body.encoded(buf.subarray(f.keyStart, f.end));
  for (const f of fields(buf)) {
    if (f.field !== MODEL_FIELDS.graph) continue;
    for (const g of fields(buf, f.start, f.end)) if (g.field === GRAPH_FIELDS.output) body.encoded(buf.subarray(g.keyStart, g.end));
  }
  const model = new MessageWriter();
  for (const f of graph.modelFields) model.encoded(buf.subarray(f.keyStart, f.end));
  return model.message(MODEL_FIELDS.graph, body).finish();
}
