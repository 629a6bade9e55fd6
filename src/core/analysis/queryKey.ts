// The query·key view's numbers (bertviz's neuron view, for any graph whose attention the patch recomputes): for one
// head and one query token, the query vector and every key vector as the scores product reads them (so after rotary
// embedding where the model has one, and after a scale the export folds into them), the score each key gets before
// the Softmax (the model's own scale, soft-cap and masks applied, by the layer's cut model) and the probability.
// The product's inputs are what a run keeps for its maps anyway (attentionRecompute.ts): nothing is run again.
import type * as ort from 'onnxruntime-node';
import { FUSED_PROBABILITIES, type LayerRecipe } from '../onnx/attentionRecompute';
import type { GraphNode } from '../onnx/graphScan';
import { LensError } from '../types';
import { asFloat32 } from '../engine/tensors';

/** One head's query·key reading at one query position. */
export interface QueryKeyReading {
  layer: number;
  head: number;
  query: number;
  /** Width of a query (and key) vector. */
  dim: number;
  /** Keys the query may read: the set's key positions. */
  keys: number;
  /** The query vector, [dim]. */
  q: Float32Array;
  /** Every key's vector, [keys × dim] (key j at j · dim): the key head this query head reads. */
  k: Float32Array;
  /** The score each key gets before the Softmax, [keys]; −Infinity where a mask (causal, window, padding) removes it. */
  scores: Float32Array;
  /** The attention probabilities, [keys]: the map's row. */
  probs: Float32Array;
  /**
   * The factor that makes q·k the score for every key the mask leaves (e.g. 1/√d); undefined where none does (a soft-cap,
   * a position bias): the scores then come from the layer's own chain, which the view says.
   */
  scale?: number;
  /** A grouped-query model whose keys are not repeated per query head: the key/value head this query head reads. */
  kvHead?: number;
}

/**
 * Scores below this are a mask's: exports add −10,000 or the float minimum rather than −∞ (a real model's scores stay
 * within a few hundred).
 */
export const MASKED_SCORE = -5000;

/** Where one layer's queries, keys and pre-Softmax scores are in its recipe. */
export interface ScoresSite {
  /** The scores product's first input: queries, [1, heads, queries, dim]. */
  query: string;
  /** Its second: keys transposed, [1, heads or key/value heads, dim, keys]. */
  key: string;
  /** The Softmax's input. */
  scores: string;
}

/** The scores product and Softmax of a layer's recipe, or why the view cannot read this layer. */
export function scoresSite(recipe: LayerRecipe): ScoresSite | { reason: string } {
  if (recipe.output === FUSED_PROBABILITIES) {
    return {
      reason:
        'this export computes q·k inside a fused GroupQueryAttention operator (rotary included), so queries and keys are not ' +
        'tensors of the graph; an export without attention fusion shows them',
    };
  }
  const softmax = recipe.nodes.find((n) => n.opType === 'Softmax');
  const product = recipe.nodes.find(
    (n) => n.opType === 'MatMul' && n.inputs.length === 2 && n.inputs.every((i) => recipe.kept.includes(i)),
  );
  if (!softmax || !product) {
    const found = recipe.nodes.find((n) => n.opType === 'FusedMatMul' || n.opType === 'Einsum');
    return {
      reason: found
        ? `this export computes the scores with ${found.opType}, whose query and key layout the view does not read`
        : "no product of queries and keys was found before this layer's Softmax",
    };
  }
  return { query: product.inputs[0], key: product.inputs[1], scores: softmax.inputs[0] };
}

/** The recipe cut before its Softmax: its output is the scores (nodes past the scores are left out). */
export function scoresRecipe(recipe: LayerRecipe, site: ScoresSite): LayerRecipe {
  const dropped = new Set<string>();
  const nodes: GraphNode[] = [];
  for (const node of recipe.nodes) {
    if (node.opType === 'Softmax' || node.inputs.some((i) => dropped.has(i))) node.outputs.forEach((o) => dropped.add(o));
    else nodes.push(node);
  }
  return { ...recipe, nodes, output: site.scores, rowsSumToOne: false };
}

/** `tensor` as [heads, rows, cols] (a leading batch of 1 dropped); undefined for any other rank or batch. */
function perHead(tensor: ort.Tensor): [number, number, number] | undefined {
  const d = tensor.dims;
  if (d.length === 4 && d[0] === 1) return [d[1], d[2], d[3]];
  if (d.length === 3) return [d[0], d[1], d[2]];
  return undefined;
}

/** What readQueryKey reads: the layer's kept queries and keys, one head's scores [queries × keys] and its map. */
export interface QueryKeyInputs {
  layer: number;
  head: number;
  query: number;
  /** Query heads of the set. */
  heads: number;
  queries: ort.Tensor;
  keys: ort.Tensor;
  /** The head's scores, [queries × keys]. */
  scores: Float32Array;
  /** The head's probabilities, [queries × keys]. */
  probs: Float32Array;
}

/** One head's reading at one query: vectors copied out of the kept tensors, the row of scores and of the map. */
export function readQueryKey(x: QueryKeyInputs): QueryKeyReading {
  const qShape = perHead(x.queries);
  const kShape = perHead(x.keys);
  if (!qShape || !kShape || qShape[0] !== x.heads || kShape[1] !== qShape[2] || x.heads % kShape[0] !== 0) {
    throw new LensError(
      `the scores product reads queries [${x.queries.dims.join(', ')}] and keys [${x.keys.dims.join(', ')}], not ` +
        `[1, ${x.heads}, queries, d] and [1, heads, d, keys]: the query·key view cannot read this layer`,
      'model-unsupported',
    );
  }
  const [, queries, dim] = qShape;
  const [keyHeads, , keys] = kShape;
  const kvHead = keyHeads < x.heads ? Math.floor(x.head / (x.heads / keyHeads)) : undefined;
  const qData = asFloat32(x.queries.data);
  const kData = asFloat32(x.keys.data);
  const q = qData.slice((x.head * queries + x.query) * dim, (x.head * queries + x.query + 1) * dim);
  // Keys come transposed ([d, keys] per head): key j is column j.
  const k = new Float32Array(keys * dim);
  const base = (kvHead ?? x.head) * dim * keys;
  for (let c = 0; c < dim; c++) for (let j = 0; j < keys; j++) k[j * dim + c] = kData[base + c * keys + j];
  const scores = x.scores.slice(x.query * keys, (x.query + 1) * keys).map((s) => (s < MASKED_SCORE ? -Infinity : s));
  const probs = x.probs.slice(x.query * keys, (x.query + 1) * keys);
  const scale = commonScale(q, k, scores);
  return {
    layer: x.layer,
    head: x.head,
    query: x.query,
    dim,
    keys,
    q,
    k,
    scores,
    probs,
    ...(scale !== undefined && { scale }),
    ...(kvHead !== undefined && { kvHead }),
  };
}

/** q · k_j, in double precision. */
export function dot(q: Float32Array, k: Float32Array, j: number): number {
  let sum = 0;
  for (let c = 0; c < q.length; c++) sum += q[c] * k[j * q.length + c];
  return sum;
}

/** Relative agreement asked of score = scale · q·k for every unmasked key before a scale is reported. */
const SCALE_TOLERANCE = 1e-4;

/** The one factor with score_j = factor · q·k_j for every unmasked key, if there is one. */
export function commonScale(q: Float32Array, k: Float32Array, scores: Float32Array): number | undefined {
  const dots = Array.from(scores, (_, j) => dot(q, k, j));
  let pivot = -1;
  scores.forEach((s, j) => {
    if (Number.isFinite(s) && (pivot < 0 || Math.abs(dots[j]) > Math.abs(dots[pivot]))) pivot = j;
  });
  if (pivot < 0 || dots[pivot] === 0) return undefined;
  const factor = scores[pivot] / dots[pivot];
  const fits = dots.every(
    (d, j) => !Number.isFinite(scores[j]) || Math.abs(scores[j] - factor * d) <= SCALE_TOLERANCE * Math.max(1, Math.abs(scores[j])),
  );
  return fits ? factor : undefined;
}

/** The keys in order of probability, highest first (ties by position), at most `count`. */
export function topKeys(probs: Float32Array, count: number): number[] {
  return Array.from(probs.keys())
    .sort((a, b) => probs[b] - probs[a] || a - b)
    .slice(0, count);
}
