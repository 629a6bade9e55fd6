// Attention maps on demand. A run does not keep every layer's probabilities (a Qwen2.5-0.5B-shaped model at
// 2,048 tokens would need 5.6 GB): it keeps what each layer's probabilities are computed from, the inputs of the
// scores MatMul (the rotated, scaled queries and keys) and the masks beside them that it cannot remake (a mask built
// from the input alone is remade from attention_mask in the cut model), about d / n of the maps' bytes.
// A layer's maps are then computed by a small model cut from the model itself: the nodes from the scores MatMul to
// the probabilities (scale, soft-cap, masks, Softmax, a sink's Slice), or a fused GroupQueryAttention node with its
// probabilities output turned on. The same operators on the same tensors give the Softmax the model computes.
import type { AttentionLocation, AttentionSite } from './attentionNodes';
import { consumersOf } from './attentionNodes';
import { GRAPH_FIELDS, MODEL_FIELDS, NODE_FIELDS, type GraphNode, type GraphSummary } from './graphScan';
import { PatchGraph } from './patchGraph';
import { fields, MessageWriter, readString } from './protobuf';

/** How one layer's maps are recomputed, and what a run keeps for it. */
export interface LayerRecipe {
  /** The nodes to copy, in graph order: the chain to the probabilities and the Constant nodes it reads. */
  nodes: GraphNode[];
  /** Tensors computed by the model that the run keeps for this layer (fetched as extra outputs). */
  kept: string[];
  /** Graph inputs the recompute is fed again: the run's own feeds. */
  fed: string[];
  /** Initializers the chain reads (copied as they are: weights stay in the model's file). */
  initializers: string[];
  /** The recompute model's output: the layer's probabilities, [batch, heads, queries, keys]. */
  output: string;
  /** Whether its rows sum to 1: not where a sink's column was cut off after the Softmax. */
  rowsSumToOne: boolean;
}

/** The probabilities output a GroupQueryAttention node is given (its fourth, output_qk). */
export const FUSED_PROBABILITIES = 'attention_lens/probabilities';

const SCORES_PRODUCT = new Set(['MatMul', 'FusedMatMul', 'Einsum']);
/** Shape arithmetic is not data: the walk back to the scores product does not follow it. */
const SHAPE_OPS = new Set(['Shape', 'Size', 'Constant', 'ConstantOfShape', 'Range']);
/** How far back from the Softmax the scores product may lie (scale, cast, mask, soft-cap: up to 6 nodes in exports). */
const MAX_CHAIN_DEPTH = 10;

/** A graph's producers and consumers, computed once for every layer's recipe. */
export interface GraphIndex {
  graph: GraphSummary;
  producer: Map<string, GraphNode>;
  consumers: Map<string, GraphNode[]>;
  order: Map<GraphNode, number>;
  inputs: Set<string>;
  /** Tensors computed from graph inputs and constants alone, no weight read on the way (masks, positions). */
  weightless: Set<string>;
}

/** Operators that read learned weights: what they compute is an activation, never recomputed from the inputs. */
const WEIGHTED = new Set(['MatMul', 'FusedMatMul', 'Gemm', 'Einsum', 'Conv', 'GroupQueryAttention', 'MatMulNBits']);

/**
 * The tensors that depend on no weight: graph inputs, initializers and Constants, and what nodes other than
 * WEIGHTED ones and embedding lookups (a Gather from an initializer) make of them alone. Nodes are in topological
 * order, as ONNX requires.
 */
function weightlessTensors(graph: GraphSummary): Set<string> {
  const free = new Set([...graph.inputs, ...graph.initializerFields.keys()]);
  for (const node of graph.nodes) {
    const lookup = node.opType === 'Gather' && graph.initializerFields.has(node.inputs[0]);
    if (WEIGHTED.has(node.opType) || lookup || !node.inputs.every((i) => i === '' || free.has(i))) continue;
    for (const output of node.outputs) free.add(output);
  }
  return free;
}

export function indexGraph(graph: GraphSummary): GraphIndex {
  const producer = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  return {
    graph,
    producer,
    consumers: consumersOf(graph.nodes),
    order: new Map(graph.nodes.map((n, i) => [n, i])),
    inputs: new Set(graph.inputs),
    weightless: weightlessTensors(graph),
  };
}

const isWeight = (index: GraphIndex, tensor: string) =>
  index.graph.initializerFields.has(tensor) || index.producer.get(tensor)?.opType === 'Constant';

/** The product of two activations nearest before the Softmax (queries × keys), found breadth first. */
export function scoresProduct(index: GraphIndex, softmax: GraphNode): GraphNode | undefined {
  let frontier = [softmax.inputs[0]];
  const seen = new Set<string>();
  for (let depth = 0; depth < MAX_CHAIN_DEPTH && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const tensor of frontier) {
      const node = index.producer.get(tensor);
      if (!node || seen.has(node.name + tensor) || SHAPE_OPS.has(node.opType)) continue;
      seen.add(node.name + tensor);
      if (SCORES_PRODUCT.has(node.opType) && node.inputs.length >= 2 && !node.inputs.some((i) => isWeight(index, i))) return node;
      next.push(...node.inputs.filter((i) => i !== ''));
    }
    frontier = next;
  }
  return undefined;
}

/** Nodes that `tensor` depends on, stopping at `stop` (whose own inputs are not followed). */
function ancestors(index: GraphIndex, tensor: string, stop: GraphNode): Set<GraphNode> {
  const found = new Set<GraphNode>();
  const pending = [tensor];
  while (pending.length > 0) {
    const node = index.producer.get(pending.pop()!);
    if (!node || found.has(node)) continue;
    found.add(node);
    if (node !== stop) pending.push(...node.inputs);
  }
  return found;
}

/** The nodes on every path from `start` to `tensor`: downstream of start and upstream of tensor. */
function chainBetween(index: GraphIndex, start: GraphNode, tensor: string): GraphNode[] {
  const upstream = ancestors(index, tensor, start);
  const chain = new Set<GraphNode>([start]);
  const pending = [...start.outputs];
  while (pending.length > 0) {
    for (const node of index.consumers.get(pending.pop()!) ?? []) {
      if (!upstream.has(node) || chain.has(node)) continue;
      chain.add(node);
      pending.push(...node.outputs);
    }
  }
  return [...chain];
}

/**
 * The nodes that compute the weightless tensors among `inputs` (a mask built from attention_mask and the input's
 * shape): copied into the cut model, so a run keeps no [q, k] mask, only the graph inputs it is made from.
 */
function weightlessProducers(index: GraphIndex, inputs: readonly string[]): Set<GraphNode> {
  const found = new Set<GraphNode>();
  const pending = inputs.filter((i) => index.weightless.has(i));
  while (pending.length > 0) {
    const node = index.producer.get(pending.pop()!);
    if (!node || found.has(node) || node.opType === 'Constant') continue;
    found.add(node);
    pending.push(...node.inputs.filter((i) => i !== ''));
  }
  return found;
}

/** One layer's recipe: the chain that computes its probabilities and where each of its inputs comes from. */
export function layerRecipe(index: GraphIndex, site: AttentionSite): LayerRecipe {
  let chain: GraphNode[];
  let output: string;
  if (site.kind === 'groupQueryAttention') {
    chain = [site.node];
    output = FUSED_PROBABILITIES;
  } else {
    // Without a scores product in reach, the Softmax's own input is kept (as many bytes as the maps, still exact).
    const start = scoresProduct(index, site.node) ?? site.node;
    chain = chainBetween(index, start, site.probabilities);
    output = site.probabilities;
  }
  chain = [
    ...new Set([
      ...chain,
      ...weightlessProducers(
        index,
        chain.flatMap((n) => n.inputs),
      ),
    ]),
  ];
  const made = new Set(chain.flatMap((n) => n.outputs));
  const constants = new Set<GraphNode>();
  const kept = new Set<string>();
  const fed = new Set<string>();
  const initializers = new Set<string>();
  for (const input of chain.flatMap((n) => n.inputs)) {
    if (input === '' || made.has(input)) continue;
    const producer = index.producer.get(input);
    if (index.graph.initializerFields.has(input)) initializers.add(input);
    else if (producer?.opType === 'Constant') constants.add(producer);
    else if (index.inputs.has(input)) fed.add(input);
    else kept.add(input);
  }
  const nodes = [...constants, ...chain].sort((a, b) => index.order.get(a)! - index.order.get(b)!);
  const rowsSumToOne = site.kind === 'groupQueryAttention' || site.probabilities === site.node.outputs[0];
  return { nodes, kept: [...kept], fed: [...fed], initializers: [...initializers], output, rowsSumToOne };
}

/** The tensors a run keeps for every layer's recipe, each once, in layer order: the patch's extra outputs. */
export function keptTensors(recipes: readonly LayerRecipe[]): string[] {
  return [...new Set(recipes.flatMap((r) => r.kept))];
}

/** Every layer's recipe where the graph's attention was found; none where it was not. */
export function recipesOf(graph: GraphSummary, attention: AttentionLocation): LayerRecipe[] {
  if (!attention.available) return [];
  const index = indexGraph(graph);
  return attention.sites.map((site) => layerRecipe(index, site));
}

// ---------------------------------------------------------------- the recompute model

/** ONNX TensorProto.DataType of onnxruntime-node's tensor types. */
const ELEMENT_TYPES: Record<string, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
};

/** The element type and rank of a kept tensor, as the run returned it. */
export interface KeptType {
  type: string;
  rank: number;
}

/** A graph input of the given element type and rank, every dimension symbolic. */
export function valueInfo(name: string, kept: KeptType): MessageWriter {
  const elemType = ELEMENT_TYPES[kept.type];
  if (elemType === undefined) throw new Error(`a kept tensor of type ${kept.type} cannot be declared`);
  const shape = new MessageWriter();
  for (let d = 0; d < kept.rank; d++) shape.message(1, new MessageWriter().string(2, `${name}_${d}`));
  const tensorType = new MessageWriter().varint(1, elemType).message(2, shape);
  return new MessageWriter().string(1, name).message(2, new MessageWriter().message(1, tensorType));
}

const ATTRIBUTE = { name: 1, i: 3, type: 20 } as const;
const ATTRIBUTE_INT = 2;
/** GroupQueryAttention's output_qk is its fourth output; 2 asks for probabilities, not scores. */
const OUTPUT_QK_INDEX = 3;
const QK_PROBABILITIES = 2;

/** A GroupQueryAttention node as it is, but computing its probabilities into FUSED_PROBABILITIES. */
function withProbabilitiesOutput(buf: Uint8Array, node: GraphNode): MessageWriter {
  const out = new MessageWriter();
  const outputs = [...node.outputs];
  while (outputs.length < OUTPUT_QK_INDEX) outputs.push(`attention_lens/unused_${outputs.length}`);
  outputs[OUTPUT_QK_INDEX] = FUSED_PROBABILITIES;
  for (const f of fields(buf, node.field!.start, node.field!.end)) {
    if (f.field === NODE_FIELDS.output) continue;
    if (f.field === NODE_FIELDS.attribute && attributeName(buf, f.start, f.end) === 'qk_output') continue;
    out.encoded(buf.subarray(f.keyStart, f.end));
  }
  for (const o of outputs) out.string(NODE_FIELDS.output, o);
  const attribute = new MessageWriter()
    .string(ATTRIBUTE.name, 'qk_output')
    .varint(ATTRIBUTE.i, QK_PROBABILITIES)
    .varint(ATTRIBUTE.type, ATTRIBUTE_INT);
  return out.message(NODE_FIELDS.attribute, attribute);
}

function attributeName(buf: Uint8Array, start: number, end: number): string {
  for (const f of fields(buf, start, end)) if (f.field === ATTRIBUTE.name) return readString(buf, f);
  return '';
}

/** The output of a cut model with `sumHeads`: the probabilities summed over their heads (axis 1), [batch, queries, keys]. */
export const HEAD_SUM = 'attention_lens/head_sum';

/**
 * The model that computes one layer's probabilities: the recipe's nodes, initializers and graph inputs copied from
 * the scanned bytes (`buf`, the skeleton the summary was scanned from), and the kept tensors as inputs of the types
 * the run gave them. Its weights, if any, are read from the model's folder as the model's own are. With `sumHeads`,
 * one more node sums them over heads (HEAD_SUM; ReduceSum takes its axes as an input from opset 13).
 */
export function recomputeModel(
  buf: Uint8Array,
  graph: GraphSummary,
  recipe: LayerRecipe,
  keptTypes: Map<string, KeptType>,
  sumHeads = false,
): Uint8Array {
  const body = new MessageWriter();
  for (const node of recipe.nodes) {
    if (node.opType === 'GroupQueryAttention' && recipe.output === FUSED_PROBABILITIES) {
      body.message(GRAPH_FIELDS.node, withProbabilitiesOutput(buf, node));
    } else body.encoded(buf.subarray(node.field!.keyStart, node.field!.end));
  }
  body.string(2, 'attention_lens_layer');
  for (const name of recipe.initializers) {
    const f = graph.initializerFields.get(name)!;
    body.encoded(buf.subarray(f.keyStart, f.end));
  }
  for (const name of recipe.fed) {
    const f = graph.inputFields.get(name)!;
    body.encoded(buf.subarray(f.keyStart, f.end));
  }
  for (const name of recipe.kept) {
    const type = keptTypes.get(name);
    if (!type) throw new Error(`the run kept no tensor named ${name}`);
    body.message(GRAPH_FIELDS.input, valueInfo(name, type));
  }
  if (sumHeads) {
    const patch = new PatchGraph();
    patch.node('ReduceSum', [recipe.output, patch.constant('heads_axis', [1n])], [HEAD_SUM], 'HeadSum', { keepdims: 0 });
    body.encoded(patch.message.finish());
  }
  body.message(GRAPH_FIELDS.output, new MessageWriter().string(1, sumHeads ? HEAD_SUM : recipe.output));
  const model = new MessageWriter();
  for (const f of graph.modelFields) model.encoded(buf.subarray(f.keyStart, f.end));
  return model.message(MODEL_FIELDS.graph, body).finish();
}
