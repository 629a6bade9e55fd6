// The logit lens in the load-time patch: each layer's output hidden state, at the positions a run names
// (LENS_POSITIONS), passed through a copy of the model's own final normalisation and output head (BERT: the MLM
// transform and decoder; GPT-2: ln_f and the LM head; Llama-style: the final RMSNorm and lm_head; Gemma 2's final
// soft-cap too), then reduced to top-k and log Σ exp like the prediction head (see graphPatch.ts).
// Everything is found structurally in the graph, so no family data is needed:
// - the residual stream: from layer 0's attention to the logits every path passes through a chain of tensors (the
//   graph's dominators: the residual Adds of a pre-norm model, the LayerNorm after them in a post-norm one), and
//   layer l's output is the last of them that layer l + 1's attention still reads;
// - the last layer's output, which no further attention reads, lies as far along the chain after as many residual
//   Adds (Adds of two activations) as the layer before it; what follows it up to the logits is the head.
// The head's nodes are copied with their tensors renamed; they read the model's own initializers by name, so no
// weight is copied. The copy runs once over the layers stacked on the batch axis: [layers, positions, hidden].
import type { AttentionLocation } from './attentionNodes';
import { indexGraph, type GraphIndex } from './attentionRecompute';
import { addTopKAndLogSumExp, NEXT_IDS } from './graphPatch';
import { PatchGraph } from './patchGraph';
import { NODE_FIELDS, type GraphNode, type GraphSummary } from './graphScan';
import { fields, MessageWriter, readString } from './protobuf';

const PREFIX = 'attention_lens/lens/';

/** The input that names the positions the lens is computed at: int64, [P], in 0 .. length - 1. */
export const LENS_POSITIONS = `${PREFIX}positions`;

/** The lens's outputs: [layers, P, GRAPH_TOP_K] ×2, [layers, P, 1], and [layers, P, tracked] (see addLogitLens). */
export const LENS = {
  topValues: `${PREFIX}top_values`,
  topIndices: `${PREFIX}top_indices`,
  logSumExp: `${PREFIX}log_sum_exp`,
  tracked: `${PREFIX}tracked_logits`,
} as const;

export interface LogitLensPlan {
  /** Each layer's output hidden state, [batch, length, hidden], in layer order. */
  layerOutputs: string[];
  /** The head: the nodes from the last layer's output to the logits, in graph order. */
  head: GraphNode[];
  /** The tensor the head computes the logits into. */
  logits: string;
}

export type LogitLensLocation = { available: true; plan: LogitLensPlan } | { available: false; reason: string };

/** What reads a tensor's shape, not its values: no hidden state flows through it. */
const SHAPE_READERS = new Set(['Shape', 'Size']);

/**
 * Nodes reachable from `from` following consumers (`forward`, not into shape readers: a later layer sizing a tensor
 * from an earlier layer's hidden state, as T5's decoder sizes its cross-attention bias, is no edge of the residual
 * stream, yet it would jump the layers between) or producers.
 */
function reach(index: GraphIndex, from: GraphNode, forward: boolean): Set<GraphNode> {
  const found = new Set<GraphNode>([from]);
  const pending = [from];
  while (pending.length > 0) {
    const node = pending.pop()!;
    const next = forward
      ? node.outputs.flatMap((o) => index.consumers.get(o) ?? []).filter((n) => !SHAPE_READERS.has(n.opType))
      : node.inputs.flatMap((i) => (index.producer.has(i) ? [index.producer.get(i)!] : []));
    for (const n of next) {
      if (found.has(n)) continue;
      found.add(n);
      pending.push(n);
    }
  }
  return found;
}

/**
 * The nodes every path from `source` to `sink` passes through, in graph order. In the nodes between them in
 * topological order, a node is on every path exactly when no edge jumps over it.
 */
function dominatorChain(index: GraphIndex, source: GraphNode, sink: GraphNode): GraphNode[] {
  const below = reach(index, source, true);
  const above = reach(index, sink, false);
  const between = [...below].filter((n) => above.has(n)).sort((a, b) => index.order.get(a)! - index.order.get(b)!);
  const position = new Map(between.map((n, i) => [n, i]));
  const jumps = new Array<number>(between.length + 1).fill(0);
  between.forEach((node, i) => {
    for (const consumer of node.outputs.flatMap((o) => index.consumers.get(o) ?? [])) {
      const j = position.get(consumer);
      if (j === undefined || j <= i + 1) continue;
      jumps[i + 1]++;
      jumps[j]--;
    }
  });
  let open = 0;
  return between.filter((_, i) => (open += jumps[i]) === 0);
}

/** An Add of two activations (neither a weight nor computed from the inputs alone): a residual connection. */
const isResidualAdd = (index: GraphIndex, node: GraphNode) =>
  node.opType === 'Add' && node.inputs.length === 2 && node.inputs.every((i) => i !== '' && !index.weightless.has(i));

/** How a layer's stretch of the chain ends: its residual Adds, and chain nodes after the last of them. */
function layerShape(index: GraphIndex, stretch: GraphNode[]): { adds: number; after: number } {
  const residual = stretch.map((n) => isResidualAdd(index, n));
  const last = residual.lastIndexOf(true);
  return { adds: residual.filter(Boolean).length, after: last < 0 ? -1 : stretch.length - 1 - last };
}

/** Where the logit lens reads each layer and what head it copies, or why this graph cannot have one. */
export function locateLogitLens(graph: GraphSummary, attention: AttentionLocation, logits: string): LogitLensLocation {
  if (!attention.available) return { available: false, reason: `the layers cannot be told apart: ${attention.reason}` };
  const { sites } = attention;
  if (sites.length < 2)
    return { available: false, reason: 'the logit lens finds where a layer ends from the layer after it, and this model has one layer' };
  const index = indexGraph(graph);
  const sink = index.producer.get(logits);
  if (!sink) return { available: false, reason: `no node computes the logits (${logits})` };
  const chain = dominatorChain(index, sites[0].node, sink);
  const ends: number[] = [];
  for (const site of sites.slice(1)) {
    const reads = reach(index, site.node, false);
    const end = chain.findLastIndex((n) => reads.has(n));
    if (end <= (ends.at(-1) ?? -1))
      return { available: false, reason: 'the residual stream between the layers was not found in the graph' };
    ends.push(end);
  }
  // Layer 0's stretch starts at its attention, past what its MLP reads in a parallel-residual block (GPT-NeoX,
  // GPT-J): it is the pattern only where no other whole layer is.
  const stretches = ends.map((end, l) => layerShape(index, chain.slice(l === 0 ? 0 : ends[l - 1] + 1, end + 1)));
  const shapes = stretches.length > 1 ? stretches.slice(1) : stretches;
  const shape = shapes.at(-1)!;
  if (shape.adds === 0 || shapes.some((s) => s.adds !== shape.adds || s.after !== shape.after))
    return { available: false, reason: 'the layers do not share one shape of residual connections' };
  // The last layer: its residual Adds, then as many chain nodes as the layers before it have after theirs.
  let adds = 0;
  let last = -1;
  for (let i = ends.at(-1)! + 1; i < chain.length && adds < shape.adds; i++) {
    if (isResidualAdd(index, chain[i])) [adds, last] = [adds + 1, i];
  }
  const end = last + shape.after;
  if (adds < shape.adds || end >= chain.length - 1)
    return { available: false, reason: "the last layer's output was not found in the graph" };
  ends.push(end);
  const layerOutputs = ends.map((i) => chain[i].outputs[0]);
  const below = reach(index, chain[end], true);
  const above = reach(index, sink, false);
  const head = graph.nodes.filter((n) => n !== chain[end] && below.has(n) && above.has(n));
  return { available: true, plan: { layerOutputs, head, logits } };
}

/** A node copied from `buf` with its name, and the tensors `rename` maps, renamed. */
function copiedNode(buf: Uint8Array, node: GraphNode, rename: (tensor: string) => string): MessageWriter {
  const out = new MessageWriter();
  for (const f of fields(buf, node.field!.start, node.field!.end)) {
    if (f.field === NODE_FIELDS.input || f.field === NODE_FIELDS.output) out.string(f.field, rename(readString(buf, f)));
    else if (f.field === NODE_FIELDS.name) out.string(f.field, `${PREFIX}${readString(buf, f)}`);
    else out.encoded(buf.subarray(f.keyStart, f.end));
  }
  return out;
}

const GRAPH_NAME_FIELD = 2;
const ATTRIBUTE_FIELDS = { name: 1, g: 6, type: 20 } as const;
const ATTRIBUTE_TYPE_GRAPH = 5;

/** A graph-valued node attribute (an If branch). */
function graphAttribute(name: string, graph: PatchGraph, graphName: string): MessageWriter {
  const body = graph.message.string(GRAPH_NAME_FIELD, graphName);
  return new MessageWriter()
    .string(ATTRIBUTE_FIELDS.name, name)
    .message(ATTRIBUTE_FIELDS.g, body)
    .varint(ATTRIBUTE_FIELDS.type, ATTRIBUTE_TYPE_GRAPH);
}

/**
 * Appends the lens inside an If on "LENS_POSITIONS is not empty": onnxruntime runs every node of a graph whatever
 * is fetched (measured), and the lens at even one position is a projection per layer (+37 % on a 10-token
 * GPT-2-shaped run), so a run that asks for none feeds no positions and runs only the other branch, which
 * outputs empty tensors sliced from the prediction head's (the same element types, whatever the model's).
 * `buf` is the model the plan's nodes were scanned from; `head` names the prediction head's outputs.
 */
export function addLogitLens(
  graph: PatchGraph,
  buf: Uint8Array,
  plan: LogitLensPlan,
  causal: boolean,
  head: { topValues: string; topIndices: string; logSumExp: string },
): void {
  graph.int64VectorInput(LENS_POSITIONS);
  const inside = (name: string) => `${PREFIX}then/${name}`;
  const names = { topValues: inside('top_values'), topIndices: inside('top_indices'), logSumExp: inside('log_sum_exp') };
  const lens = new PatchGraph(`${PREFIX}then/`);
  computeLens(lens, buf, plan, causal, names, inside('tracked_logits'));
  const empty = new PatchGraph(`${PREFIX}else/`);
  const zero = empty.constant('zero', [0n]);
  const sources = [head.topValues, head.topIndices, head.logSumExp, head.topValues];
  sources.forEach((source, i) => {
    empty.node('Slice', [source, zero, zero, zero], [`${PREFIX}else/out_${i}`], `Empty${i}`);
    empty.output(`${PREFIX}else/out_${i}`);
  });
  graph.node('Size', [LENS_POSITIONS], [`${PREFIX}count`], 'lens/Count');
  graph.node('Greater', [`${PREFIX}count`, graph.constant('zero', [0n])], [`${PREFIX}asked`], 'lens/Asked');
  const outputs = [LENS.topValues, LENS.topIndices, LENS.logSumExp, LENS.tracked];
  const node = new MessageWriter().string(NODE_FIELDS.input, `${PREFIX}asked`);
  for (const o of outputs) node.string(NODE_FIELDS.output, o);
  node
    .string(NODE_FIELDS.name, `${PREFIX}If`)
    .string(NODE_FIELDS.opType, 'If')
    .message(NODE_FIELDS.attribute, graphAttribute('then_branch', lens, 'logit_lens'))
    .message(NODE_FIELDS.attribute, graphAttribute('else_branch', empty, 'no_logit_lens'));
  graph.nodeMessage(node);
  for (const o of outputs) graph.output(o);
}

/**
 * The lens itself: Gather(layer output, LENS_POSITIONS, axis 1) for each layer, stacked on axis 0 into the head's
 * copy, then TopK and log Σ exp over [layers, P, vocab] into `names`, and into `tracked` the logits each layer gives
 * the tracked ids: the last layer's top-1 (the model's own prediction there) and, for causal models, the token
 * that follows.
 */
function computeLens(
  graph: PatchGraph,
  buf: Uint8Array,
  plan: LogitLensPlan,
  causal: boolean,
  names: { topValues: string; topIndices: string; logSumExp: string },
  tracked: string,
): void {
  const t = (name: string) => `${PREFIX}then/${name}`;
  const stacked = t('stacked');
  plan.layerOutputs.forEach((hidden, l) => graph.node('Gather', [hidden, LENS_POSITIONS], [t(`layer_${l}`)], `Layer${l}`, { axis: 1 }));
  graph.node(
    'Concat',
    plan.layerOutputs.map((_, l) => t(`layer_${l}`)),
    [stacked],
    'Stacked',
    { axis: 0 },
  );
  const made = new Set(plan.head.flatMap((n) => n.outputs));
  const last = plan.layerOutputs.at(-1)!;
  const rename = (tensor: string) => (tensor === last ? stacked : made.has(tensor) ? t(tensor) : tensor);
  for (const node of plan.head) graph.nodeMessage(copiedNode(buf, node, rename));
  const logits = t(plan.logits);
  addTopKAndLogSumExp(graph, logits, names, 'lens/');
  // The tracked ids, [1, P, tracked], broadcast to every layer and gathered from each layer's logits.
  const layers = BigInt(plan.layerOutputs.length);
  const lastAxis = graph.constant('last_axis', [2n]);
  const [starts, ends, axes] = [
    graph.constant('top1_starts', [layers - 1n, 0n]),
    graph.constant('top1_ends', [layers, 1n]),
    graph.constant('top1_axes', [0n, 2n]),
  ];
  graph.node('Slice', [names.topIndices, starts, ends, axes], [t('final_top1')], 'FinalTop1');
  let ids = t('final_top1');
  if (causal) {
    graph.node('Gather', [NEXT_IDS, LENS_POSITIONS], [t('next_at')], 'NextAt', { axis: 1 });
    graph.node('Unsqueeze', [t('next_at'), lastAxis], [t('next_index')], 'NextIndex');
    graph.node('Concat', [ids, t('next_index')], [t('tracked_ids')], 'TrackedIds', { axis: 2 });
    ids = t('tracked_ids');
  }
  graph.node('Expand', [ids, graph.constant('layers', [layers, 1n, 1n])], [t('tracked_index')], 'TrackedIndex');
  graph.node('GatherElements', [logits, t('tracked_index')], [tracked], 'Tracked', { axis: 2 });
  graph.output(tracked);
}
