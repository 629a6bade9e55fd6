// Finds the attention probabilities in a standard export: the Softmax of each layer whose output is
// multiplied with the values (MatMul, possibly through Cast/Dropout/Identity). Fused attention operators
// have no such tensor; the reason says what the user can do instead.
import type { GraphNode, GraphSummary } from './graphScan';

export type AttentionLocation =
  { available: true; /** Softmax output names, one per layer, in layer order. */ outputs: string[] } | { available: false; reason: string };

const PASS_THROUGH = new Set(['Cast', 'Dropout', 'Identity']);
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

export function locateAttention(graph: GraphSummary, layers: number): AttentionLocation {
  const consumers = new Map<string, GraphNode[]>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) {
      const list = consumers.get(input);
      if (list) list.push(node);
      else consumers.set(input, [node]);
    }
  }
  const softmaxes = graph.nodes.filter((n) => n.opType === 'Softmax' && (n.domain === '' || n.domain === 'ai.onnx'));
  const attention = softmaxes.filter((n) => n.outputs.length > 0 && feedsMatMul(n.outputs[0], consumers));
  if (attention.length === layers) return { available: true, outputs: inLayerOrder(attention).map((n) => n.outputs[0]) };

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
