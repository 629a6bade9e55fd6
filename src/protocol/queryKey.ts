// The query·key view's data as the host sends it to a webview: one head's query vector at one query token, the
// scores and probabilities of every key, and the vectors of the keys the view lists (the most attended first), so a
// 2,048-token row costs two float rows and a bounded number of key vectors.

/** Key vectors one request may ask for; the view asks for more as it scrolls. */
export const MAX_QUERY_KEY_KEYS = 512;

export interface QueryKeyView {
  runId: number;
  set: string;
  layer: number;
  head: number;
  /** The query position. */
  query: number;
  /** Width of the query and key vectors. */
  dim: number;
  /** Key positions of the set. */
  keys: number;
  /** score = scale · q·k for every key the mask leaves (e.g. 1/√d); absent where no one factor does (soft-cap, bias). */
  scale?: number;
  /** The key/value head the keys belong to, where the graph keeps fewer key heads than query heads. */
  kvHead?: number;
  /** The query vector, [dim]. */
  q: Float32Array;
  /** Every key's score before the Softmax, [keys]; −Infinity where a mask removes the key. */
  scores: Float32Array;
  /** Every key's probability, [keys]: the attention map's row. */
  probs: Float32Array;
  /** The keys whose vectors are sent, most attended first (ties by position). */
  top: number[];
  /** Their vectors, [top.length × dim], in the order of `top`. */
  k: Float32Array;
}
