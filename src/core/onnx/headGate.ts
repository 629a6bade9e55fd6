// Head ablation in the load-time patch: every layer's context (the attention-weighted values, [batch, heads,
// queries, head_dim], before the heads are merged and projected) is replaced by
//   context × gate[l, h] + mean over positions(context) × mean[l, h]
// where HEAD_GATE and HEAD_MEAN are graph inputs: ones and zeros leave the model as it was (every plain run feeds
// them: onnxruntime-node feeds only declared inputs, so an initializer cannot stand in as a default), zeros and
// ones at a head replace its context by their mean, zeros and zeros zero it. A toggle is one run, never a reload.
// Fused attention operators compute the context inside themselves and cannot take a gate.
import type { AttentionLocation } from './attentionNodes';
import { consumersOf } from './attentionNodes';
import type { PatchGraph } from './patchGraph';
import { GRAPH_FIELDS, TENSOR_FIELDS, type GraphNode, type GraphSummary } from './graphScan';
import { fields, MessageWriter } from './protobuf';

/** Float32 [layers, heads]: each head's context is multiplied by its entry (1 in a plain run). */
export const HEAD_GATE = 'attention_lens/head_gate';
/** Float32 [layers, heads]: each head's mean context over positions is added times its entry (0 in a plain run). */
export const HEAD_MEAN = 'attention_lens/head_mean';

/** Where each layer's context is, when every layer's can be gated. */
export type HeadGatePlan =
  | { available: true; layers: number; heads: number; /** One per layer, in layer order. */ contexts: string[]; opset: number }
  | { available: false; reason: string };

/** What may lie between the probabilities and the MatMul with the values (as attentionNodes.ts allows). */
const PASS_THROUGH = new Set(['Cast', 'Dropout', 'Identity', 'Where', 'IsNaN', 'Reshape', 'Slice']);
const FLOAT = 1;
/** CastLike (the gate in the context's own type, float16 included) exists from opset 15. */
const CAST_LIKE_OPSET = 15;

/** The MatMul that multiplies `probabilities` (its first input, possibly through pass-through nodes) with the values. */
function contextProduct(probabilities: string, consumers: Map<string, GraphNode[]>, depth = 0): GraphNode | undefined {
  for (const node of consumers.get(probabilities) ?? []) {
    if (node.opType === 'MatMul' && node.inputs[0] === probabilities) return node;
    if (depth < 3 && PASS_THROUGH.has(node.opType)) {
      const found = node.outputs.map((o) => contextProduct(o, consumers, depth + 1)).find((n) => n !== undefined);
      if (found) return found;
    }
  }
  return undefined;
}

/** ONNX's FLOAT16 and BFLOAT16: a graph with such weights computes its context in them, where a float32 gate cannot multiply. */
const HALF_TYPES = new Set([10, 16]);

/** Whether any initializer of the scanned bytes `buf` is float16 or bfloat16. */
function hasHalfWeights(buf: Uint8Array, graph: GraphSummary): boolean {
  for (const f of graph.initializerFields.values()) {
    for (const part of fields(buf, f.start, f.end)) if (part.field === TENSOR_FIELDS.dataType && HALF_TYPES.has(part.value)) return true;
  }
  return false;
}

/** Finds every layer's context in the scanned bytes `buf`, or says why heads of this graph cannot be ablated. */
export function planHeadGate(
  buf: Uint8Array,
  graph: GraphSummary,
  attention: AttentionLocation,
  layers: number,
  heads: number,
): HeadGatePlan {
  if (!attention.available) return { available: false, reason: `its attention cannot be read: ${attention.reason}` };
  const fused = attention.sites.find((site) => site.kind !== 'softmax');
  if (fused) {
    return {
      available: false,
      reason:
        `this export fuses attention into the ${fused.node.opType} operator, which computes each head's context inside itself, so ` +
        `heads cannot be ablated; an export without attention fusion (e.g. optimum-cli export onnx) can`,
    };
  }
  const opset = graph.opsets.get('') ?? 0;
  if (opset < 13) return { available: false, reason: `head ablation needs opset 13 or later; this graph is opset ${opset}` };
  if (opset < CAST_LIKE_OPSET && hasHalfWeights(buf, graph)) {
    return {
      available: false,
      reason: `head ablation of a float16 graph needs opset ${CAST_LIKE_OPSET} or later; this graph is opset ${opset}`,
    };
  }
  const consumers = consumersOf(graph.nodes);
  const contexts: string[] = [];
  for (const [layer, site] of attention.sites.entries()) {
    if (site.kind !== 'softmax') continue;
    const product = contextProduct(site.probabilities, consumers);
    if (!product) return { available: false, reason: `layer ${layer}'s attention is not multiplied with its values by a MatMul` };
    contexts.push(product.outputs[0]);
  }
  return { available: true, layers, heads, contexts, opset };
}

/** A float32 graph input of fixed dims (ValueInfoProto → TypeProto.tensor_type → shape → dim_value). */
function floatInput(name: string, dims: number[]): MessageWriter {
  const shape = new MessageWriter();
  for (const d of dims) shape.message(1, new MessageWriter().varint(1, d));
  const tensorType = new MessageWriter().varint(1, FLOAT).message(2, shape);
  return new MessageWriter().string(1, name).message(2, new MessageWriter().message(1, tensorType));
}

/**
 * Adds the two gate inputs and each layer's gating nodes to `graph`, and returns the names of the gated contexts by
 * the contexts they replace: the caller rewires every consumer of a context to read its gated one.
 */
export function addHeadGate(graph: PatchGraph, plan: Extract<HeadGatePlan, { available: true }>): Map<string, string> {
  const { layers, heads } = plan;
  for (const name of [HEAD_GATE, HEAD_MEAN]) graph.message.message(GRAPH_FIELDS.input, floatInput(name, [layers, heads]));
  const perHead = graph.constant('gate_per_head', [BigInt(heads), 1n, 1n]);
  const positionsAxis = graph.constant('positions_axis', [-2n]);
  const [zero, end] = [graph.constant('zero', [0n]), graph.constant('end', [BigInt(Number.MAX_SAFE_INTEGER)])];
  const perBatchHeads = graph.constant('batch_heads', [-1n, BigInt(heads)]);
  const gated = new Map<string, string>();
  plan.contexts.forEach((context, layer) => {
    const n = (name: string) => `attention_lens/gate${layer}_${name}`;
    const layerIndex = graph.constant(`layer_${layer}`, [BigInt(layer)]);
    // This layer's row, shaped [heads, 1, 1]: it broadcasts over [batch, heads, q, d].
    for (const [input, name] of [
      [HEAD_GATE, 'gate'],
      [HEAD_MEAN, 'mean'],
    ] as const) {
      graph.node('Gather', [input, layerIndex], [n(`${name}_row`)], `Gate${layer}_${name}_row`, { axis: 0 });
      graph.node('Reshape', [n(`${name}_row`), perHead], [n(`${name}_f32`)], `Gate${layer}_${name}_shape`);
    }
    // The context as [batch, heads, queries, head_dim] whatever its layout ([batch × heads, q, d] in DeBERTa's), so
    // that the [heads, 1, 1] rows broadcast in batched runs too; the gated one goes back to the context's own shape.
    graph.node('Shape', [context], [n('shape')], `Gate${layer}_shape`);
    graph.node('Slice', [n('shape'), positionsAxis, end, zero], [n('last_two')], `Gate${layer}_last_two`);
    graph.node('Concat', [perBatchHeads, n('last_two')], [n('shape4')], `Gate${layer}_shape4`, { axis: 0 });
    graph.node('Reshape', [context, n('shape4')], [n('context4')], `Gate${layer}_context4`);
    const context4 = n('context4');
    // The mean over positions is the sum times mean / length, so that the length is divided once per head, not per value.
    graph.node('Gather', [n('shape'), positionsAxis], [n('length')], `Gate${layer}_length`, { axis: 0 });
    graph.node('Cast', [n('length')], [n('length_f32')], `Gate${layer}_length_f32`, { to: FLOAT });
    graph.node('Div', [n('mean_f32'), n('length_f32')], [n('mean_scale_f32')], `Gate${layer}_mean_scale`);
    const [gate, meanScale] = plan.opset >= CAST_LIKE_OPSET ? [n('gate'), n('mean_scale')] : [n('gate_f32'), n('mean_scale_f32')];
    if (plan.opset >= CAST_LIKE_OPSET) {
      graph.node('CastLike', [n('gate_f32'), context], [gate], `Gate${layer}_gate_type`);
      graph.node('CastLike', [n('mean_scale_f32'), context], [meanScale], `Gate${layer}_mean_type`);
    }
    graph.node('ReduceSum', [context4, positionsAxis], [n('sum')], `Gate${layer}_sum`, { keepdims: 1 });
    graph.node('Mul', [context4, gate], [n('kept')], `Gate${layer}_kept`);
    graph.node('Mul', [n('sum'), meanScale], [n('mean')], `Gate${layer}_mean`);
    graph.node('Add', [n('kept'), n('mean')], [n('context_gated4')], `Gate${layer}_context4_gated`);
    graph.node('Reshape', [n('context_gated4'), n('shape')], [n('context')], `Gate${layer}_context`);
    gated.set(context, n('context'));
  });
  return gated;
}
