// Patches a model at load time, without re-export: protobuf merges a repeated message field, so appending
// one more ModelProto.graph holding extra nodes, initializers and outputs adds them to the graph.
// - attention: the per-layer Softmax outputs become graph outputs;
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
}

export interface PatchResult {
  bytes: Uint8Array;
  predictionHead: boolean;
}

/** A 1-D int64 initializer. */
function int64Tensor(name: string, values: bigint[]): MessageWriter {
  const raw = new Uint8Array(new BigInt64Array(values).buffer);
  return new MessageWriter()
    .varint(TENSOR_FIELDS.dims, values.length)
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
  return { attentionOutputs, logits: headPossible ? logits : undefined, inputIds, causal };
}

/** Returns a copy of the model bytes with the planned additions appended (callers patch a skeleton: a few hundred KB). */
export function patchModel(model: Uint8Array, plan: PatchPlan): PatchResult {
  const graph = new MessageWriter();
  if (plan.logits) addPredictionHead(graph, plan.logits, plan.causal ? plan.inputIds : undefined);
  for (const name of plan.attentionOutputs) graph.message(GRAPH_FIELDS.output, output(name));
  const extra = new MessageWriter().message(MODEL_FIELDS.graph, graph).finish();
  const bytes = new Uint8Array(model.length + extra.length);
  bytes.set(model, 0);
  bytes.set(extra, model.length);
  return { bytes, predictionHead: plan.logits !== undefined };
}

function addPredictionHead(graph: MessageWriter, logits: string, inputIds: string | undefined): void {
  const p = 'attention_lens/';
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${p}k`, [BigInt(GRAPH_TOP_K)]));
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${p}zero`, [0n]));
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${p}one`, [1n]));
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${p}last_axis`, [2n]));
  graph.message(GRAPH_FIELDS.node, node('TopK', [logits, `${p}k`], [HEAD.topValues, HEAD.topIndices], `${p}TopK`, { axis: 2 }));
  // log Σ exp, shifted by the row maximum (the first TopK value) for stability. ReduceLogSumExp and ReduceMax
  // moved their axes from attribute to input in opset 18; Slice and ReduceSum take inputs at every opset ≥ 13.
  graph.message(GRAPH_FIELDS.node, node('Slice', [HEAD.topValues, `${p}zero`, `${p}one`, `${p}last_axis`], [`${p}max`], `${p}Max`));
  graph.message(GRAPH_FIELDS.node, node('Sub', [logits, `${p}max`], [`${p}shifted`], `${p}Shift`));
  graph.message(GRAPH_FIELDS.node, node('Exp', [`${p}shifted`], [`${p}exp`], `${p}Exp`));
  graph.message(GRAPH_FIELDS.node, node('ReduceSum', [`${p}exp`, `${p}last_axis`], [`${p}sum`], `${p}Sum`, { keepdims: 1 }));
  graph.message(GRAPH_FIELDS.node, node('Log', [`${p}sum`], [`${p}log_sum`], `${p}Log`));
  graph.message(GRAPH_FIELDS.node, node('Add', [`${p}log_sum`, `${p}max`], [HEAD.logSumExp], `${p}LogSumExp`));
  graph.message(GRAPH_FIELDS.output, output(HEAD.topValues));
  graph.message(GRAPH_FIELDS.output, output(HEAD.topIndices));
  graph.message(GRAPH_FIELDS.output, output(HEAD.logSumExp));
  if (!inputIds) return;
  // logit of token i+1 at position i: GatherElements(logits[:, :-1, :], input_ids[:, 1:, None], axis=2)
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${p}minus_one`, [-1n]));
  graph.message(GRAPH_FIELDS.initializer, int64Tensor(`${p}end`, [BigInt(Number.MAX_SAFE_INTEGER)]));
  graph.message(GRAPH_FIELDS.node, node('Slice', [inputIds, `${p}one`, `${p}end`, `${p}one`], [`${p}next_ids`], `${p}NextIds`));
  graph.message(GRAPH_FIELDS.node, node('Cast', [`${p}next_ids`], [`${p}next_ids64`], `${p}NextIds64`, { to: INT64 }));
  graph.message(GRAPH_FIELDS.node, node('Unsqueeze', [`${p}next_ids64`, `${p}last_axis`], [`${p}next_index`], `${p}NextIndex`));
  graph.message(GRAPH_FIELDS.node, node('Slice', [logits, `${p}zero`, `${p}minus_one`, `${p}one`], [`${p}head_logits`], `${p}HeadLogits`));
  graph.message(GRAPH_FIELDS.node, node('GatherElements', [`${p}head_logits`, `${p}next_index`], [HEAD.actualLogit], `${p}Actual`, { axis: 2 }));
  graph.message(GRAPH_FIELDS.output, output(HEAD.actualLogit));
}
