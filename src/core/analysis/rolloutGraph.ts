// Attention rollout as one small ONNX graph, run by onnxruntime: for n consecutive layers, R_l = Â_l · R_{l−1}, where
// Â_l is the layer's mean over heads with the identity added and its rows renormalised (rollout.ts). A T × T product
// is 134 M multiply-adds at 512 tokens; onnxruntime's MatMul does one in milliseconds where a JavaScript loop takes
// over a hundred. All n layers are one run (the maps are fed where they lie, every R_l comes back), so twelve layers
// cost one call, not twelve (BENCHMARKS.md).
import * as ort from 'onnxruntime-node';
import { valueInfo } from '../onnx/attentionRecompute';
import { PatchGraph } from '../onnx/patchGraph';
import { GRAPH_FIELDS, MODEL_FIELDS } from '../onnx/graphScan';
import { MessageWriter } from '../onnx/protobuf';

/** [heads, tokens, tokens]: the i-th layer's maps of a run. */
export const rolloutAttention = (i: number) => `attention_${i}`;
/** [tokens, tokens]: R of the layer before the first one fed; absent when the first one fed is the model's first. */
export const ROLLOUT_PREVIOUS = 'previous';
/** [tokens, tokens]: R of the i-th layer fed. */
export const rolloutOutput = (i: number) => `attention_lens/rollout_${i}`;

const IR_VERSION = 8;
/** ReduceMean takes its axes as an input from opset 18 (ReduceSum from 13): constants, no attribute lists. */
const OPSET = 18;
const MODEL_IR_VERSION_FIELD = 1;
const OPSET_FIELDS = { domain: 1, version: 2 } as const;

/**
 * The model bytes that roll `layers` layers out in one run, from R_previous when `fromPrevious`, else from the
 * identity (the first layer's R is then Â itself: one product fewer).
 */
export function rolloutModel(layers: number, fromPrevious: boolean): Uint8Array {
  const graph = new PatchGraph();
  for (let i = 0; i < layers; i++) graph.message.message(GRAPH_FIELDS.input, valueInfo(rolloutAttention(i), { type: 'float32', rank: 3 }));
  if (fromPrevious) graph.message.message(GRAPH_FIELDS.input, valueInfo(ROLLOUT_PREVIOUS, { type: 'float32', rank: 2 }));
  const headAxis = graph.constant('head_axis', [0n]);
  const keyAxis = graph.constant('key_axis', [1n]);
  let previous = fromPrevious ? ROLLOUT_PREVIOUS : undefined;
  for (let i = 0; i < layers; i++) {
    const [mean, eye, lifted, sums, mixed] = ['head_mean', 'identity', 'lifted', 'row_sums', 'mixed'].map(
      (n) => `attention_lens/${n}_${i}`,
    );
    const output = rolloutOutput(i);
    // 0.5·A + 0.5·I renormalised is (A + I) / rowsum(A + I): the halves cancel.
    graph.node('ReduceMean', [rolloutAttention(i), headAxis], [mean], `HeadMean${i}`, { keepdims: 0 });
    graph.node('EyeLike', [mean], [eye], `Identity${i}`);
    graph.node('Add', [mean, eye], [lifted], `Residual${i}`);
    graph.node('ReduceSum', [lifted, keyAxis], [sums], `RowSums${i}`, { keepdims: 1 });
    graph.node('Div', [lifted, sums], [previous ? mixed : output], `Renormalise${i}`);
    if (previous) graph.node('MatMul', [mixed, previous], [output], `Rollout${i}`);
    graph.output(output);
    previous = output;
  }
  graph.message.string(2, 'attention_lens_rollout');
  const opset = new MessageWriter().string(OPSET_FIELDS.domain, '').varint(OPSET_FIELDS.version, OPSET);
  return new MessageWriter()
    .varint(MODEL_IR_VERSION_FIELD, IR_VERSION)
    .message(MODEL_FIELDS.opsetImport, opset)
    .message(MODEL_FIELDS.graph, graph.message)
    .finish();
}

/** Rolls layers out in one run: consecutive layers' maps [heads, T, T] and R of the layer before them (undefined: none). */
export type RolloutRun = (
  attention: readonly Float32Array[],
  heads: number,
  tokens: number,
  previous: Float32Array | undefined,
) => Promise<Float32Array[]>;

/** A session per layer count and start (a model's first layer, or on from a kept R), each made the first time it runs. */
const sessions = new Map<string, Promise<ort.InferenceSession>>();

function rolloutSession(layers: number, fromPrevious: boolean): Promise<ort.InferenceSession> {
  const key = `${layers}:${fromPrevious}`;
  let session = sessions.get(key);
  if (!session) {
    // On the CPU: the maps are in memory, and a product of this size is milliseconds there. onnxruntime's own pool
    // (a thread per core): one thread measured 134 ms for BERT-base's 12 layers at 512 tokens, two 89 ms (loaded).
    session = ort.InferenceSession.create(rolloutModel(layers, fromPrevious), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
    });
    session.catch(() => sessions.delete(key));
    sessions.set(key, session);
  }
  return session;
}

/** The run on onnxruntime: the maps are fed as they lie (no copy), every R_l comes back. */
export const onnxRollout: RolloutRun = async (attention, heads, tokens, previous) => {
  const feeds: Record<string, ort.Tensor> = {};
  attention.forEach((maps, i) => (feeds[rolloutAttention(i)] = new ort.Tensor('float32', maps, [heads, tokens, tokens])));
  if (previous) feeds[ROLLOUT_PREVIOUS] = new ort.Tensor('float32', previous, [tokens, tokens]);
  const out = await (await rolloutSession(attention.length, previous !== undefined)).run(feeds);
  return attention.map((_, i) => out[rolloutOutput(i)].data as Float32Array);
};
