// One step of attention rollout as a small ONNX graph, run by onnxruntime: R_l = Â_l · R_{l−1}, where Â_l is the
// layer's mean over heads with the identity added and its rows renormalised (rollout.ts). A T × T product is
// 134 M multiply-adds at 512 tokens; onnxruntime's MatMul does one in milliseconds where a JavaScript loop takes
// over a hundred, so twelve layers fit in the interactive budget (BENCHMARKS.md).
import * as ort from 'onnxruntime-node';
import { valueInfo } from '../onnx/attentionRecompute';
import { PatchGraph } from '../onnx/graphPatch';
import { GRAPH_FIELDS, MODEL_FIELDS } from '../onnx/graphScan';
import { MessageWriter } from '../onnx/protobuf';

/** [heads, tokens, tokens]: one layer's maps. */
export const ROLLOUT_ATTENTION = 'attention';
/** [tokens, tokens]: R_{l−1}, or the identity before the first layer. */
export const ROLLOUT_PREVIOUS = 'previous';
export const ROLLOUT_OUTPUT = 'attention_lens/rollout';

const IR_VERSION = 8;
/** ReduceMean takes its axes as an input from opset 18 (ReduceSum from 13): constants, no attribute lists. */
const OPSET = 18;
const MODEL_IR_VERSION_FIELD = 1;
const OPSET_FIELDS = { domain: 1, version: 2 } as const;

/**
 * The rollout step's model bytes; `first`: the first layer's, whose R is Â itself (no `previous`, no MatMul: one
 * product fewer of the L − 1 that all layers need).
 */
export function rolloutStepModel(first: boolean): Uint8Array {
  const graph = new PatchGraph();
  graph.message.message(GRAPH_FIELDS.input, valueInfo(ROLLOUT_ATTENTION, { type: 'float32', rank: 3 }));
  if (!first) graph.message.message(GRAPH_FIELDS.input, valueInfo(ROLLOUT_PREVIOUS, { type: 'float32', rank: 2 }));
  const [mean, eye, lifted, sums, mixed] = ['head_mean', 'identity', 'lifted', 'row_sums', 'mixed'].map((n) => `attention_lens/${n}`);
  graph.node('ReduceMean', [ROLLOUT_ATTENTION, graph.constant('head_axis', [0n])], [mean], 'HeadMean', { keepdims: 0 });
  // 0.5·A + 0.5·I renormalised is (A + I) / rowsum(A + I): the halves cancel.
  graph.node('EyeLike', [mean], [eye], 'Identity');
  graph.node('Add', [mean, eye], [lifted], 'Residual');
  graph.node('ReduceSum', [lifted, graph.constant('key_axis', [1n])], [sums], 'RowSums', { keepdims: 1 });
  graph.node('Div', [lifted, sums], [first ? ROLLOUT_OUTPUT : mixed], 'Renormalise');
  if (!first) graph.node('MatMul', [mixed, ROLLOUT_PREVIOUS], [ROLLOUT_OUTPUT], 'Rollout');
  graph.output(ROLLOUT_OUTPUT);
  graph.message.string(2, 'attention_lens_rollout');
  const opset = new MessageWriter().string(OPSET_FIELDS.domain, '').varint(OPSET_FIELDS.version, OPSET);
  return new MessageWriter()
    .varint(MODEL_IR_VERSION_FIELD, IR_VERSION)
    .message(MODEL_FIELDS.opsetImport, opset)
    .message(MODEL_FIELDS.graph, graph.message)
    .finish();
}

/** One rollout step: layer maps [heads, T, T] and R_{l−1} [T, T] (undefined: the identity) to R_l. */
export type RolloutStep = (
  attention: Float32Array,
  heads: number,
  tokens: number,
  previous: Float32Array | undefined,
) => Promise<Float32Array>;

/** The two step models' sessions (first layer, later layers), each made the first time it runs. */
const sessions: [Promise<ort.InferenceSession>?, Promise<ort.InferenceSession>?] = [];

function stepSession(first: boolean): Promise<ort.InferenceSession> {
  const at = first ? 0 : 1;
  let session = sessions[at];
  if (!session) {
    // On the CPU: the maps are in memory, and a product of this size is milliseconds there.
    session = ort.InferenceSession.create(rolloutStepModel(first), { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
    session.catch(() => (sessions[at] = undefined));
    sessions[at] = session;
  }
  return session;
}

/** The step on onnxruntime. */
export const onnxRolloutStep: RolloutStep = async (attention, heads, tokens, previous) => {
  const feeds: Record<string, ort.Tensor> = { [ROLLOUT_ATTENTION]: new ort.Tensor('float32', attention, [heads, tokens, tokens]) };
  if (previous) feeds[ROLLOUT_PREVIOUS] = new ort.Tensor('float32', previous, [tokens, tokens]);
  const out = await (await stepSession(!previous)).run(feeds, [ROLLOUT_OUTPUT]);
  return out[ROLLOUT_OUTPUT].data as Float32Array;
};
