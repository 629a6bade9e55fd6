// Patches a model at load time, without re-export: protobuf merges a repeated message field, so appending
// one more ModelProto.graph holding extra nodes, initializers and outputs adds them to the graph.
// - attention: what each layer's maps are computed from later (the tensors attentionRecompute.ts keeps) become
//   graph outputs;
// - a prediction head: TopK and log Σ exp over the logits (and, for causal LMs, the logit of the token
//   that actually follows), so a run fetches k values per position instead of the whole vocabulary;
// - for masked LMs, the vocabulary projection at chosen positions only (a graph input, see addPositionSelect):
//   it is a fifth of a BERT-base forward pass, and a run needs it only where the mask token is.
import { MODEL_FIELDS, type GraphNode, type GraphSummary } from './graphScan';
import { renameInputsEverywhere, renameNodeInput } from './graphRewire';
import { addHeadGate, type HeadGatePlan } from './headGate';
import { addLogitLens, type LogitLensPlan } from './logitLensPatch';
import { MessageWriter } from './protobuf';
import { INT64, P, PatchGraph } from './patchGraph';

/** Names of the tensors the patch adds. */
export const HEAD = {
  topValues: 'attention_lens/top_values',
  topIndices: 'attention_lens/top_indices',
  logSumExp: 'attention_lens/log_sum_exp',
  actualLogit: 'attention_lens/actual_next_logit',
} as const;

/** The input that names the positions whose logits a masked LM computes: int64, [P], in 0 .. length - 1. */
export const PREDICTED_POSITIONS = 'attention_lens/positions';

/** How many candidates per position the graph returns; the top-k setting is capped at this. */
export const GRAPH_TOP_K = 50;

export interface PatchPlan {
  /** Tensors fetched besides the predictions (the kept tensors of the attention recipes). */
  extraOutputs: string[];
  /** The logits output, when the prediction head can be added (opset ≥ 13 and a 'logits' output). */
  logits?: string;
  /** Input ids tensor name, for the causal 'actual next token' gather. */
  inputIds?: string;
  causal: boolean;
  /** The vocabulary projection, when its input can be cut to chosen positions (masked LMs with a head). */
  projection?: VocabularyProjection;
  /** Each layer's context, gated by graph inputs (see headGate.ts), where heads can be ablated. */
  headGate?: HeadGatePlan;
  /** The logit lens's layer outputs and head copy, where the graph's layers were found (see logitLensPatch). */
  logitLens?: LogitLensPlan;
}

/** The MatMul whose product is the logits (directly or through a bias Add), and the hidden states it reads. */
export interface VocabularyProjection {
  output: string;
  hidden: string;
}

export interface PatchResult {
  bytes: Uint8Array;
  predictionHead: boolean;
  /** Whether the graph takes PREDICTED_POSITIONS (its logits are then [batch, P, vocab]). */
  positionsInput: boolean;
  /** Whether the graph takes the head gate inputs (HEAD_GATE, HEAD_MEAN). */
  headGate: boolean;
}

/** Decides which parts of the patch this graph supports. */
export function planPatch(graph: GraphSummary, extraOutputs: string[], causal: boolean): PatchPlan {
  const opset = graph.opsets.get('') ?? 0;
  const logits = graph.outputs.find((o) => o === 'logits') ?? graph.outputs.find((o) => /logits/i.test(o));
  const inputIds = graph.inputs.find((i) => i === 'input_ids');
  const headPossible = opset >= 13 && logits !== undefined && (!causal || inputIds !== undefined);
  const projection = headPossible && !causal ? findProjection(graph.nodes, logits) : undefined;
  // A tensor that already is a graph output is fetched as it is; naming it twice would be an error.
  const extra = [...new Set(extraOutputs)].filter((name) => !graph.outputs.includes(name));
  return { extraOutputs: extra, logits: headPossible ? logits : undefined, inputIds, causal, projection };
}

/** The output a run reads full logits from: the head's logits, else the first output named like logits, else the first. */
export function logitsOutput(plan: PatchPlan, graph: GraphSummary): string {
  return plan.logits ?? graph.outputs.find((o) => /logits/i.test(o)) ?? graph.outputs[0];
}

/**
 * logits = MatMul(hidden, W) or Add(MatMul(hidden, W), bias), as Optimum exports BERT's decoder. The MatMul's
 * first input is the activation (the weight, or its Transpose, comes second); it is [batch, seq, d] because the
 * product is the 3-D logits, so a Gather on axis 1 picks positions. Other shapes of head keep full logits.
 */
function findProjection(nodes: GraphNode[], logits: string): VocabularyProjection | undefined {
  const producer = new Map(nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const isMatMul = (n: GraphNode | undefined) => n?.opType === 'MatMul' && (n.domain === '' || n.domain === 'ai.onnx');
  let node = producer.get(logits);
  if (node?.opType === 'Add') node = node.inputs.map((i) => producer.get(i)).find(isMatMul);
  if (!node || !isMatMul(node)) return undefined;
  const hidden = producer.get(node.inputs[0]);
  if (!hidden || hidden.opType === 'Transpose' || hidden.opType === 'Constant') return undefined;
  return { output: node.outputs[0], hidden: node.inputs[0] };
}

/**
 * Returns a copy of the model bytes with the planned additions appended and, for a masked LM's projection, its one
 * node rewired (callers patch a skeleton: a few hundred KB).
 */
export function patchModel(original: Uint8Array, plan: PatchPlan): PatchResult {
  const graph = new PatchGraph();
  const selected = plan.projection ? addPositionSelect(graph, original, plan.projection) : original;
  const gate = plan.headGate?.available ? plan.headGate : undefined;
  const model = gate ? renameInputsEverywhere(selected, addHeadGate(graph, gate)) : selected;
  if (plan.logits) addPredictionHead(graph, plan.logits, plan.causal ? plan.inputIds : undefined);
  if (plan.logits && plan.logitLens) addLogitLens(graph, original, plan.logitLens, plan.causal && plan.inputIds !== undefined, HEAD);
  for (const name of plan.extraOutputs) graph.output(name);
  const extra = new MessageWriter().message(MODEL_FIELDS.graph, graph.message).finish();
  const bytes = new Uint8Array(model.length + extra.length);
  bytes.set(model, 0);
  bytes.set(extra, model.length);
  return {
    bytes,
    predictionHead: plan.logits !== undefined,
    positionsInput: plan.projection !== undefined,
    headGate: gate !== undefined,
  };
}

/**
 * The projection reads Gather(hidden, PREDICTED_POSITIONS, axis 1) instead of every position's hidden state, so
 * the logits, and the head over them, are [batch, P, vocab]. Returns the model with the projection rewired.
 */
function addPositionSelect(graph: PatchGraph, model: Uint8Array, projection: VocabularyProjection): Uint8Array {
  const selected = `${P}hidden_at_positions`;
  graph.int64VectorInput(PREDICTED_POSITIONS);
  graph.node('Gather', [projection.hidden, PREDICTED_POSITIONS], [selected], 'HiddenAtPositions', { axis: 1 });
  return renameNodeInput(model, projection.output, projection.hidden, selected);
}

/**
 * TopK and log Σ exp over the logits' vocabulary axis, and for causal models the logit of the token that follows
 * each position. The exponentials are logits-sized (206 MB for GPT-2 at 1024 tokens), but onnxruntime's own
 * ReduceLogSumExp, which has no such tensor, moved probabilities by up to 1e-5 (3e-5 relative) on the golden
 * tests; Exp and ReduceSum stay within their tolerance.
 */
function addPredictionHead(graph: PatchGraph, logits: string, inputIds: string | undefined): void {
  const [one, lastAxis] = [graph.constant('one', [1n]), graph.constant('last_axis', [2n])];
  addTopKAndLogSumExp(graph, logits, HEAD, '');
  if (!inputIds) return;
  // The logit of token i+1 at position i: GatherElements(logits, input_ids[:, 1:] padded by one, axis=2), which
  // reads the logits where they are (slicing off their last row first copied them whole). The last position
  // gathers token 0, which follows nothing; the runner never reads it.
  graph.node('Slice', [inputIds, one, graph.constant('end', [BigInt(Number.MAX_SAFE_INTEGER)]), one], [`${P}next_ids`], 'NextIds');
  graph.node('Cast', [`${P}next_ids`], [`${P}next_ids64`], 'NextIds64', { to: INT64 });
  graph.node('Pad', [`${P}next_ids64`, graph.constant('pad_last', [0n, 0n, 0n, 1n])], [NEXT_IDS], 'NextIdsPadded');
  graph.node('Unsqueeze', [NEXT_IDS, lastAxis], [`${P}next_index`], 'NextIndex');
  graph.node('GatherElements', [logits, `${P}next_index`], [HEAD.actualLogit], 'Actual', { axis: 2 });
  graph.output(HEAD.actualLogit);
}

/** The id that follows each position, [batch, length] (0 after the last): made by a causal model's prediction head. */
export const NEXT_IDS = `${P}next_ids_padded`;

/**
 * TopK and log Σ exp over the last of three axes of `logits`, into `names`; `prefix` keeps the intermediate
 * tensors of two such heads apart.
 */
export function addTopKAndLogSumExp(
  graph: PatchGraph,
  logits: string,
  names: { topValues: string; topIndices: string; logSumExp: string },
  prefix: string,
): void {
  const [zero, one, lastAxis] = [graph.constant('zero', [0n]), graph.constant('one', [1n]), graph.constant('last_axis', [2n])];
  const t = (name: string) => `${P}${prefix}${name}`;
  graph.node('TopK', [logits, graph.constant('k', [BigInt(GRAPH_TOP_K)])], [names.topValues, names.topIndices], `${prefix}TopK`, {
    axis: 2,
  });
  // log Σ exp, shifted by the row maximum (the first TopK value) for stability. ReduceLogSumExp and ReduceMax
  // moved their axes from attribute to input in opset 18; Slice and ReduceSum take inputs at every opset ≥ 13.
  graph.node('Slice', [names.topValues, zero, one, lastAxis], [t('max')], `${prefix}Max`);
  addChunkedExpSum(graph, logits, t('max'), t('sum'), prefix);
  graph.node('Log', [t('sum')], [t('log_sum')], `${prefix}Log`);
  graph.node('Add', [t('log_sum'), t('max')], [names.logSumExp], `${prefix}LogSumExp`);
  graph.output(names.topValues);
  graph.output(names.topIndices);
  graph.output(names.logSumExp);
}

/** How many blocks of positions the exponentials are computed in. */
const EXP_SUM_BLOCKS = 8;

/**
 * sum = Σ_vocab exp(logits − max) over axis 1's positions in EXP_SUM_BLOCKS blocks, so the shifted logits and
 * their exponentials exist for one block at a time (onnxruntime frees a block's tensors after its ReduceSum), not
 * beside the whole logits: at 2,048 tokens × 151,936 those were two more 1.2 GB tensors. Each row's sum is the same
 * as unblocked. Nodes are written block by block, the order onnxruntime runs them in; `prefix` as above.
 */
function addChunkedExpSum(graph: PatchGraph, logits: string, max: string, sum: string, prefix: string): void {
  const [one, positionsAxis, lastAxis] = [
    graph.constant('one', [1n]),
    graph.constant('positions_axis', [1n]),
    graph.constant('last_axis', [2n]),
  ];
  const t = (name: string) => `${P}${prefix}${name}`;
  graph.node('Shape', [logits], [t('logits_shape')], `${prefix}LogitsShape`);
  graph.node('Slice', [t('logits_shape'), one, graph.constant('two', [2n])], [t('position_count')], `${prefix}PositionCount`);
  // block = ⌈positions / blocks⌉; Slice clamps the last block's end (and empties blocks past a short input).
  const blocks = graph.constant('blocks', [BigInt(EXP_SUM_BLOCKS)]);
  const blocksMinusOne = graph.constant('blocks_minus_one', [BigInt(EXP_SUM_BLOCKS - 1)]);
  graph.node('Add', [t('position_count'), blocksMinusOne], [t('positions_up')], `${prefix}PositionsUp`);
  graph.node('Div', [t('positions_up'), blocks], [t('block')], `${prefix}Block`);
  const sums: string[] = [];
  for (let b = 0; b < EXP_SUM_BLOCKS; b++) {
    const at = (name: string) => t(`${name}_${b}`);
    const blockIndex = graph.constant(`block_index_${b}`, [BigInt(b)]);
    graph.node('Mul', [t('block'), blockIndex], [at('start')], `${prefix}BlockStart${b}`);
    graph.node('Add', [at('start'), t('block')], [at('end')], `${prefix}BlockEnd${b}`);
    graph.node('Slice', [logits, at('start'), at('end'), positionsAxis], [at('logits')], `${prefix}BlockLogits${b}`);
    graph.node('Slice', [max, at('start'), at('end'), positionsAxis], [at('max')], `${prefix}BlockMax${b}`);
    graph.node('Sub', [at('logits'), at('max')], [at('shifted')], `${prefix}Shift${b}`);
    graph.node('Exp', [at('shifted')], [at('exp')], `${prefix}Exp${b}`);
    graph.node('ReduceSum', [at('exp'), lastAxis], [at('sum')], `${prefix}Sum${b}`, { keepdims: 1 });
    sums.push(at('sum'));
  }
  graph.node('Concat', sums, [sum], `${prefix}Sums`, { axis: 1 });
}
