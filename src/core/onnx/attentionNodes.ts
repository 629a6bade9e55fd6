// Finds each layer's attention in an export: in a standard one the Softmax whose output is multiplied with the
// values (MatMul, possibly through Cast/Dropout/Identity, transformers ≥ 4.53's Where(IsNaN(p), 0, p), DeBERTa's
// Reshape or the Slice that drops attention sinks); in onnxruntime-genai's fused exports the GroupQueryAttention
// node, which computes the probabilities itself when asked (qk_output). Other fused operators expose none; the
// reason says what the user can do instead.
import type { GraphNode, GraphSummary } from './graphScan';

/** Where one layer's attention probabilities are computed. */
export type AttentionSite =
  /** `probabilities`: the Softmax output, or the Slice of it without the sink column (gpt-oss). */
  | { kind: 'softmax'; node: GraphNode; probabilities: string }
  /** com.microsoft.GroupQueryAttention: its optional fourth output holds them with qk_output = 2. */
  | { kind: 'groupQueryAttention'; node: GraphNode };

export type AttentionLocation =
  { available: true; /** One per layer, in layer order. */ sites: AttentionSite[] } | { available: false; reason: string };

const PASS_THROUGH = new Set(['Cast', 'Dropout', 'Identity', 'Where', 'IsNaN', 'Reshape', 'Slice']);
const MATMUL = new Set(['MatMul', 'FusedMatMul', 'Einsum']);
const FUSED_ATTENTION = new Set([
  'Attention',
  'MultiHeadAttention',
  'GroupQueryAttention',
  'PackedAttention',
  'PackedMultiHeadAttention',
  'DecoderMaskedMultiHeadAttention',
]);
const LAYER_NUMBER = /(?:^|[/._])(?:layer|layers|h|block|blocks|transformer_blocks)[._/](\d+)(?:[/._]|$)/;

function feedsMatMul(output: string, consumers: Map<string, GraphNode[]>, depth = 0): boolean {
  for (const node of consumers.get(output) ?? []) {
    if (MATMUL.has(node.opType)) return true;
    if (depth < 3 && PASS_THROUGH.has(node.opType) && node.outputs.some((o) => feedsMatMul(o, consumers, depth + 1))) return true;
  }
  return false;
}

function layerNumber(node: GraphNode): number | undefined {
  const match = LAYER_NUMBER.exec(node.name) ?? LAYER_NUMBER.exec(node.outputs[0] ?? '');
  return match ? Number(match[1]) : undefined;
}

/** Orders by the layer number in node names when every node has a distinct one; else keeps graph order. */
function inLayerOrder(nodes: GraphNode[]): GraphNode[] {
  const numbers = nodes.map(layerNumber);
  if (numbers.some((n) => n === undefined) || new Set(numbers).size !== nodes.length) return nodes;
  return nodes
    .map((node, i) => ({ node, n: numbers[i]! }))
    .sort((a, b) => a.n - b.n)
    .map((x) => x.node);
}

/** Each tensor's consumers among the top-level nodes. */
export function consumersOf(nodes: GraphNode[]): Map<string, GraphNode[]> {
  const consumers = new Map<string, GraphNode[]>();
  for (const node of nodes) {
    for (const input of node.inputs) {
      const list = consumers.get(input);
      if (list) list.push(node);
      else consumers.set(input, [node]);
    }
  }
  return consumers;
}

/** The Softmax output, or the Slice that cuts the sink column off it before the MatMul with the values. */
function probabilitiesOf(softmax: GraphNode, consumers: Map<string, GraphNode[]>): string {
  const slice = (consumers.get(softmax.outputs[0]) ?? []).find((n) => n.opType === 'Slice');
  return slice?.outputs[0] ?? softmax.outputs[0];
}

const isDefaultDomain = (n: GraphNode) => n.domain === '' || n.domain === 'ai.onnx';

export function locateAttention(graph: GraphSummary, layers: number): AttentionLocation {
  const consumers = consumersOf(graph.nodes);
  const softmaxes = graph.nodes.filter((n) => n.opType === 'Softmax' && isDefaultDomain(n));
  const attention = softmaxes.filter((n) => n.outputs.length > 0 && feedsMatMul(n.outputs[0], consumers));
  if (attention.length === layers) {
    const sites = inLayerOrder(attention).map((node) => ({
      kind: 'softmax' as const,
      node,
      probabilities: probabilitiesOf(node, consumers),
    }));
    return { available: true, sites };
  }
  const grouped = graph.nodes.filter((n) => n.opType === 'GroupQueryAttention' && n.domain === 'com.microsoft');
  if (attention.length === 0 && grouped.length === layers) {
    return { available: true, sites: inLayerOrder(grouped).map((node) => ({ kind: 'groupQueryAttention' as const, node })) };
  }

  const fused = graph.nodes.find((n) => FUSED_ATTENTION.has(n.opType));
  if (fused) {
    return {
      available: false,
      reason:
        `this export fuses attention into the ${fused.domain ? fused.domain + '.' : ''}${fused.opType} operator, which exposes no ` +
        `attention probabilities; an export without attention fusion (e.g. optimum-cli export onnx with --no-post-process, or the ` +
        `unoptimized model.onnx) shows them`,
    };
  }
  if (attention.length === 0 && graph.subgraphOpTypes.has('Softmax')) {
    return {
      available: false,
      reason:
        'the attention Softmax runs inside If branches (a merged decoder), whose tensors cannot be exposed; a decoder_model.onnx or ' +
        'model.onnx without the merge shows attention',
    };
  }
  if (attention.length === 0)
    return { available: false, reason: 'the graph has no Softmax feeding a MatMul, so attention probabilities cannot be read from it' };
  return {
    available: false,
    reason: `found ${attention.length} attention Softmax nodes for ${layers} layers, so they cannot be mapped to layers reliably`,
  };
}
