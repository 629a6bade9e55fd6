// `attention-lens inspect --query-key L.H.T`: one head's query·key reading at one token (core/analysis/queryKey.ts)
// in the JSON document, as `queryKey`.
import type { QueryKeyReading } from '../core/analysis/queryKey';
import { round6 } from '../core/engine/attentionLayout';

/** Layer, head and token (query position) of a `--query-key` argument, all 0-based. */
export interface QueryKeyArg {
  layer: number;
  head: number;
  token: number;
}

/** "2.5.17" → layer 2, head 5, token 17; undefined for anything else. */
export function parseQueryKeyArg(value: string): QueryKeyArg | undefined {
  const match = /^(\d{1,6})\.(\d{1,6})\.(\d{1,9})$/.exec(value);
  return match ? { layer: Number(match[1]), head: Number(match[2]), token: Number(match[3]) } : undefined;
}

/**
 * The reading as JSON: `q` [d], `k` [keys][d], `scores` [keys] (null where a mask removes the key, −∞ to the
 * Softmax), `probs` [keys], rounded to 6 decimals; `scale` the factor with score = scale · q·k (null where no one
 * factor gives every score: a soft-cap, a position bias); `kvHead` where a grouped-query head reads a shared key head.
 */
export function queryKeyJson(r: QueryKeyReading, kvHead: number | undefined): unknown {
  return {
    layer: r.layer,
    head: r.head,
    token: r.query,
    ...(kvHead !== undefined ? { kvHead } : {}),
    dim: r.dim,
    scale: r.scale === undefined ? null : Number(r.scale.toPrecision(7)),
    q: Array.from(r.q, round6),
    k: Array.from({ length: r.keys }, (_, j) => Array.from(r.k.subarray(j * r.dim, (j + 1) * r.dim), round6)),
    scores: Array.from(r.scores, (s) => (Number.isFinite(s) ? round6(s) : null)),
    probs: Array.from(r.probs, round6),
  };
}
