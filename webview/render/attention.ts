// Reading one head's (or the mean) query × key map out of a layer, and the rankings the views show.
import { meanOfLayer, type AttentionLayer } from '../../src/protocol';

const meanCache = new WeakMap<AttentionLayer, Float32Array>();

/**
 * [queries × keys] row-major for one head, or the mean over heads (the host's, or computed once per whole layer). A
 * layer of some heads (`only`) holds the head at its place in that list; the mean needs a whole layer or the mean.
 */
export function headMap(layer: AttentionLayer, head: number | 'mean'): Float32Array {
  const n = layer.queries * layer.keys;
  if (layer.mean) {
    if (head !== 'mean') throw new Error(`head ${head} is not in this layer's data (it holds the mean over heads)`);
    return layer.data;
  }
  if (head !== 'mean') {
    const at = layer.only ? layer.only.indexOf(head) : head;
    if (at < 0) throw new Error(`head ${head} is not in this layer's data (it holds heads ${layer.only!.join(', ')})`);
    return layer.data.subarray(at * n, (at + 1) * n);
  }
  if (layer.only) throw new Error('the mean over heads needs every head of the layer');
  const cached = meanCache.get(layer);
  if (cached) return cached;
  const mean = meanOfLayer(layer.data, layer.heads);
  meanCache.set(layer, mean);
  return mean;
}

export interface Ranked {
  index: number;
  weight: number;
}

/** The k largest entries of a strided vector (a row: stride 1; a column: stride keys). */
export function topEntries(map: Float32Array, start: number, stride: number, count: number, k: number): Ranked[] {
  const out: Ranked[] = [];
  for (let i = 0; i < count; i++) {
    const w = map[start + i * stride];
    if (out.length < k || w > out[out.length - 1].weight) {
      let at = out.length;
      while (at > 0 && out[at - 1].weight < w) at--;
      out.splice(at, 0, { index: i, weight: w });
      if (out.length > k) out.pop();
    }
  }
  return out;
}

/** What query token q attends to most, in a map of rows of `keys` weights. */
export function attendsTo(map: Float32Array, keys: number, q: number, k: number): Ranked[] {
  return topEntries(map, q * keys, 1, keys, k);
}

/** Which of the `queries` attend most to key token j. */
export function attendedBy(map: Float32Array, queries: number, keys: number, j: number, k: number): Ranked[] {
  return topEntries(map, j, keys, queries, k);
}

export function maxOf(values: Float32Array): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  return m;
}

/**
 * The colour-scale ceiling: the largest weight outside the first rows of a causal map. Query 0 of a causal
 * model can only attend to itself (weight 1) and the next few queries have only a few keys, so their weights
 * would wash out everything else. Cells above the ceiling are drawn at full colour; tooltips show exact values.
 */
export function scaleCeiling(map: Float32Array, rows: number, keys: number, causal: boolean): number {
  const skip = causal ? Math.min(4, rows - 1) : 0;
  let max = 0;
  for (let i = skip * keys; i < map.length; i++) if (map[i] > max) max = map[i];
  return max > 0 ? max : maxOf(map) || 1;
}
