// Patches a model at load time, without re-export: protobuf merges a repeated message field, so appending
// one more ModelProto.graph holding extra nodes, initializers and outputs adds them to the graph.
// - attention: the per-layer Softmax outputs become graph outputs; a causal model's are cut to their lower
//   triangle first (row q keeps keys 0..q): what lies above the diagonal is zero, and half the bytes of every
//   map need not be allocated, copied out of onnxruntime and held;
// - a prediction head: TopK and ReduceLogSumExp over the logits (and, for causal LMs, the logit of the token
//   that actually follows), so a run fetches k values per position instead of the whole vocabulary.
import { GRAPH_FIELDS, MODEL_FIELDS, NODE_FIELDS, TENSOR_FIELDS, type GraphSummary } from './graphScan';
import { MessageWriter } from './protobuf';

/** Names of the tensors the patch adds. */
export const HEAD = {
  topValues: 'attention_lens/top_values',
  topIndices: 'attention_lens/top_indices',
  logSumExp: 'attention_lens/log_sum_exp',
  actualLogit: 'attention_lens/actual_next_logit',
} as const;

/** How many candidates per position the graph returns; the top-k setting is capped at this. */
export const GRAPH_TOP_K = 50;

const INT64 = 7;
const ATTRIBUTE_TYPE_INT = 2;
const ATTRIBUTE_FIELDS = { name: 1, i: 3, type: 20 } as const;

export interface PatchPlan {
  attentionOutputs: string[];
  /** The logits output, when the prediction head can be added (opset ≥ 13 and a 'logits' output). */
  logits?: string;
  /** Input ids tensor name, for the causal 'actual next token' gather. */
  inputIds?: string;
  causal: boolean;
  /** Whether the attention outputs are cut to their lower triangle (causal models, opset ≥ 13). */
  lowerTriangle: boolean;
}

export interface PatchResult {
  bytes: Uint8Array;
  predictionHead: boolean;
  /** What to fetch for each layer's attention: the Softmax outputs, or their lower triangles. */
  attentionOutputs: string[];
}

/** A 1-D int64 initializer, or a scalar one. */
function int64Tensor(name: string, values: bigint[], scalar = false): MessageWriter {
  const raw = new Uint8Array(new BigInt64Array(values).buffer);
  const tensor = new MessageWriter();
  if (!scalar) tensor.varint(TENSOR_FIELDS.dims, values.length);
  return tensor
    .varint(TENSOR_FIELDS.dataType, INT64)
    .string(TENSOR_FIELDS.name, name)
    .bytes(TENSOR_FIELDS.rawData, raw);
}

/** A node of the default domain; attributes are non-negative ints (all the head needs). */
function node(opType: string, inputs: string[], outputs: string[], name: string, attributes: Record<string, number> = {}): MessageWriter {
  const w = new MessageWriter();
  for (const i of inputs) w.string(NODE_FIELDS.input, i);
  for (const o of outputs) w.string(NODE_FIELDS.output, o);
  w.string(NODE_FIELDS.name, name).string(NODE_FIELDS.opType, opType);
  for (const [attr, value] of Object.entries(attributes)) {
    const a = new MessageWriter().string(ATTRIBUTE_FIELDS.name, attr).varint(ATTRIBUTE_FIELDS.i, value).varint(ATTRIBUTE_FIELDS.type, ATTRIBUTE_TYPE_INT);
    w.message(NODE_FIELDS.attribute, a);
  }
  return w;
}

function output(name: string): MessageWriter {
  return new MessageWriter().string(1, name);
}

/** Decides which parts of the patch this graph supports. */
export function planPatch(graph: GraphSummary, attentionOutputs: string[], causal: boolean): PatchPlan {
  const opset = graph.opsets.get('') ?? 0;
  const logits = graph.outputs.find((o) => o === 'logits') ?? graph.outputs.find((o) => /logits/i.test(o));
  const inputIds = graph.inputs.find((i) => i === 'input_ids');
  const headPossible = opset >= 13 && logits !== undefined && (!causal || inputIds !== undefined);
  const lowerTriangle = causal && opset >= 13 && attentionOutputs.length > 0;
  return { attentionOutputs, logits: headPossible ? logits : undefined, inputIds, causal, lowerTriangle };
}

const P = 'attention_lens/';

/** Name of layer `layer`'s lower-triangle attention output. */
export const lowerTriangleOutput = (layer: number) => `${P}attention_lower_${layer}`;

/** Returns a copy of the model bytes with the planned additions appended (callers patch a skeleton: a few hundred KB). */
export function patchModel(model: Uint8Array, plan: PatchPlan): PatchResult {
  const graph = new MessageWriter();
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${P}zero`, [0n]));
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${P}one`, [1n]));
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${P}minus_one`, [-1n]));
  if (plan.logits) addPredictionHead(graph, plan.logits, plan.causal ? plan.inputIds : undefined);
  const attentionOutputs = plan.lowerTriangle ? addLowerTriangles(graph, plan.attentionOutputs) : plan.attentionOutputs;
  for (const name of attentionOutputs) graph.message(GRAPH_FIELDS.output, output(name));
  const extra = new MessageWriter().message(MODEL_FIELDS.graph, graph).finish();
  const bytes = new Uint8Array(model.length + extra.length);
  bytes.set(model, 0);
  bytes.set(extra, model.length);
  return { bytes, predictionHead: plan.logits !== undefined, attentionOutputs };
}

/**
 * Cuts each [batch, heads, n, n] map to [batch, heads, n(n+1)/2]: the map flattened over (query, key), then
 * Compress by the flattened mask query ≥ key, which keeps row q's keys 0..q in order. Returns the new names.
 */
function addLowerTriangles(graph: MessageWriter, maps: string[]): string[] {
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${P}scalar_zero`, [0n], true));
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${P}scalar_one`, [1n], true));
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${P}scalar_key_axis`, [3n], true));
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${P}flat_map_shape`, [0n, 0n, -1n]));
  graph.message(GRAPH_FIELDS.node, node('Shape', [maps[0]], [`${P}map_shape`], `${P}MapShape`));
  graph.message(GRAPH_FIELDS.node, node('Gather', [`${P}map_shape`, `${P}scalar_key_axis`], [`${P}keys`], `${P}Keys`, { axis: 0 }));
  graph.message(GRAPH_FIELDS.node, node('Range', [`${P}scalar_zero`, `${P}keys`, `${P}scalar_one`], [`${P}positions`], `${P}Positions`));
  graph.message(GRAPH_FIELDS.node, node('Unsqueeze', [`${P}positions`, `${P}one`], [`${P}query_column`], `${P}QueryColumn`));
  graph.message(GRAPH_FIELDS.node, node('Unsqueeze', [`${P}positions`, `${P}zero`], [`${P}key_row`], `${P}KeyRow`));
  graph.message(GRAPH_FIELDS.node, node('GreaterOrEqual', [`${P}query_column`, `${P}key_row`], [`${P}lower`], `${P}Lower`));
  graph.message(GRAPH_FIELDS.node, node('Reshape', [`${P}lower`, `${P}minus_one`], [`${P}lower_flat`], `${P}LowerFlat`));
  return maps.map((map, layer) => {
    const flat = `${P}attention_flat_${layer}`;
    graph.message(GRAPH_FIELDS.node, node('Reshape', [map, `${P}flat_map_shape`], [flat], `${P}AttentionFlat${layer}`));
    graph.message(GRAPH_FIELDS.node, node('Compress', [flat, `${P}lower_flat`], [lowerTriangleOutput(layer)], `${P}AttentionLower${layer}`, { axis: 2 }));
    return lowerTriangleOutput(layer);
  });
}

function addPredictionHead(graph: MessageWriter, logits: string, inputIds: string | undefined): void {
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${P}k`, [BigInt(GRAPH_TOP_K)]));
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${P}last_axis`, [2n]));
  graph.message(GRAPH_FIELDS.node, node('TopK', [logits, `${P}k`], [HEAD.topValues, HEAD.topIndices], `${P}TopK`, { axis: 2 }));
  // log Σ exp, shifted by the row maximum (the first TopK value) for stability. ReduceLogSumExp and ReduceMax
  // moved their axes from attribute to input in opset 18; Slice and ReduceSum take inputs at every opset ≥ 13.
  graph.message(GRAPH_FIELDS.node, node('Slice', [HEAD.topValues, `${P}zero`, `${P}one`, `${P}last_axis`], [`${P}max`], `${P}Max`));
  graph.message(GRAPH_FIELDS.node, node('Sub', [logits, `${P}max`], [`${P}shifted`], `${P}Shift`));
  graph.message(GRAPH_FIELDS.node, node('Exp', [`${P}shifted`], [`${P}exp`], `${P}Exp`));
  graph.message(GRAPH_FIELDS.node, node('ReduceSum', [`${P}exp`, `${P}last_axis`], [`${P}sum`], `${P}Sum`, { keepdims: 1 }));
  graph.message(GRAPH_FIELDS.node, node('Log', [`${P}sum`], [`${P}log_sum`], `${P}Log`));
  graph.message(GRAPH_FIELDS.node, node('Add', [`${P}log_sum`, `${P}max`], [HEAD.logSumExp], `${P}LogSumExp`));
  graph.message(GRAPH_FIELDS.output, output(HEAD.topValues));
  graph.message(GRAPH_FIELDS.output, output(HEAD.topIndices));
  graph.message(GRAPH_FIELDS.output, output(HEAD.logSumExp));
  if (!inputIds) return;
  // logit of token i+1 at position i: GatherElements(logits[:, :-1, :], input_ids[:, 1:, None], axis=2)
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${P}end`, [BigInt(Number.MAX_SAFE_INTEGER)]));
  graph.message(GRAPH_FIELDS.node, node('Slice', [inputIds, `${P}one`, `${P}end`, `${P}one`], [`${P}next_ids`], `${P}NextIds`));
  graph.message(GRAPH_FIELDS.node, node('Cast', [`${P}next_ids`], [`${P}next_ids64`], `${P}NextIds64`, { to: INT64 }));
  graph.message(GRAPH_FIELDS.node, node('Unsqueeze', [`${P}next_ids64`, `${P}last_axis`], [`${P}next_index`], `${P}NextIndex`));
  graph.message(GRAPH_FIELDS.node, node('Slice', [logits, `${P}zero`, `${P}minus_one`, `${P}one`], [`${P}head_logits`], `${P}HeadLogits`));
  graph.message(GRAPH_FIELDS.node, node('GatherElements', [`${P}head_logits`, `${P}next_index`], [HEAD.actualLogit], `${P}Actual`, { axis: 2 }));
  graph.message(GRAPH_FIELDS.output, output(HEAD.actualLogit));
}
