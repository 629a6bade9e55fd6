// A decoder of an encoder–decoder model has two attentions per layer: self-attention over the target and
// cross-attention whose keys and values are projections of the encoder's output. Names differ between exports
// (SelfAttention / EncDecAttention, self_attn / encoder_attn), so the two are told apart by data flow: a
// cross-attention's scores product reads a tensor computed from the encoder_hidden_states input by projections and
// reshapes alone. The flow is not followed through a product of two activations (scores, probabilities × values)
// or through shape arithmetic, so the residual stream after a cross-attention does not count as the encoder's.
import type { AttentionLocation, AttentionSite } from './attentionNodes';
import { consumersOf } from './attentionNodes';
import { indexGraph, scoresProduct } from './attentionRecompute';
import type { GraphSummary } from './graphScan';

const PRODUCTS = new Set(['MatMul', 'FusedMatMul', 'Einsum']);
const SHAPE_OPS = new Set(['Shape', 'Size']);

/** Tensors computed from `input` by projections and reshapes (not through an activation × activation product). */
function projectionsOf(graph: GraphSummary, input: string): Set<string> {
  const producers = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const isWeight = (t: string) => graph.initializerFields.has(t) || producers.get(t)?.opType === 'Constant';
  const reached = new Set([input]);
  const consumers = consumersOf(graph.nodes);
  const pending = [input];
  while (pending.length > 0) {
    for (const node of consumers.get(pending.pop()!) ?? []) {
      if (SHAPE_OPS.has(node.opType)) continue;
      const activations = node.inputs.filter((i) => i !== '' && !isWeight(i));
      if (PRODUCTS.has(node.opType) && activations.length >= 2) continue;
      for (const o of node.outputs) {
        if (!reached.has(o)) {
          reached.add(o);
          pending.push(o);
        }
      }
    }
  }
  return reached;
}

/**
 * Splits a decoder's attention (every layer's self- and cross-attention, found as 2 × layers sites) into its two
 * sets, each in layer order; unavailable, with the reason, unless each holds exactly `layers` sites.
 */
export function splitCrossAttention(
  graph: GraphSummary,
  location: AttentionLocation,
  layers: number,
  encoderInput: string,
): { self: AttentionLocation; cross: AttentionLocation } {
  if (!location.available) return { self: location, cross: location };
  const projections = projectionsOf(graph, encoderInput);
  const index = indexGraph(graph);
  // A fused GroupQueryAttention site is never cross-attention: decoders of encoder–decoder models are not fused so.
  const readsEncoder = (site: AttentionSite) =>
    site.kind === 'softmax' && (scoresProduct(index, site.node)?.inputs.some((i) => projections.has(i)) ?? false);
  const cross = location.sites.filter(readsEncoder);
  const self = location.sites.filter((site) => !cross.includes(site));
  if (cross.length !== layers || self.length !== layers) {
    const reason =
      `the decoder has ${self.length} self-attention and ${cross.length} cross-attention Softmax nodes for ${layers} layers, ` +
      'so they cannot be mapped to layers reliably';
    return { self: { available: false, reason }, cross: { available: false, reason } };
  }
  return { self: { available: true, sites: self }, cross: { available: true, sites: cross } };
}
