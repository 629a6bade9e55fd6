// Reads the logit lens a run computed in its graph (see onnx/logitLensPatch.ts) into per-layer, per-position cells.
import type * as ort from 'onnxruntime-node';
import { GRAPH_TOP_K } from '../onnx/graphPatch';
import { LENS } from '../onnx/logitLensPatch';
import { asFloat32 } from '../engine/tensors';
import { rankFromHead } from '../engine/topK';
import type { TextTokenizer } from '../tokenize/textTokenizer';
import { LensError, type LogitLens, type Prediction } from '../types';

/** The outputs a run fetches for the lens. */
export const LENS_FETCHES: readonly string[] = [LENS.topValues, LENS.topIndices, LENS.logSumExp, LENS.tracked];

/**
 * Most positions one lens run computes: the lens's logits are layers × positions × vocabulary floats, twice (the
 * exponentials); 64 positions of a 12-layer, 30,522-id BERT-base are 188 MB.
 */
export const MAX_LENS_POSITIONS = 64;

export interface LensRead {
  layers: number;
  positions: readonly number[];
  /** The run's ids, to name the token that follows each position (causal models). */
  ids?: readonly number[];
  topK: number;
}

export function readLogitLens(outputs: ort.InferenceSession.ReturnType, tokenizer: TextTokenizer, read: LensRead): LogitLens {
  const { layers, positions, ids, topK } = read;
  const lse = asFloat32(outputs[LENS.logSumExp].data);
  const tracked = asFloat32(outputs[LENS.tracked].data);
  const perCell = ids ? 2 : 1;
  const count = positions.length;
  if (lse.length !== layers * count || tracked.length !== layers * count * perCell)
    throw new Error(`the logit lens returned ${lse.length} cells for ${layers} layers × ${count} positions`);
  const rows = rankFromHead(
    asFloat32(outputs[LENS.topValues].data),
    outputs[LENS.topIndices].data as BigInt64Array,
    lse,
    layers * count,
    GRAPH_TOP_K,
    topK,
  );
  const named = (id: number) => ({ id, token: tokenizer.displayOf(id) });
  const lastLayer = (layers - 1) * count;
  const final = positions.map((_, i) => named(rows[lastLayer + i].ids[0]));
  const next = ids ? positions.map((p) => (p + 1 < ids.length ? named(ids[p + 1]) : null)) : undefined;
  const cells = Array.from({ length: layers }, (_, l) =>
    positions.map((_, i) => {
      const cell = l * count + i;
      const probability = (j: number) => Math.exp(tracked[cell * perCell + j] - lse[cell]);
      const top: Prediction[] = rows[cell].ids.map((id, j) => ({ ...named(id), probability: rows[cell].probabilities[j] }));
      return { top, finalProbability: probability(0), ...(ids ? { nextProbability: next![i] ? probability(1) : null } : {}) };
    }),
  );
  return { positions: [...positions], final, ...(next ? { next } : {}), layers: cells };
}

/**
 * The positions a lens is asked for, checked against a run of `length` tokens (default: every position), distinct
 * and in order; throws when the graph has no lens.
 */
export function lensPositions(
  lens: { available: true } | { available: false; reason: string },
  length: number,
  positions?: readonly number[],
): number[] {
  if (!lens.available) throw new LensError(`the logit lens is not available for this model: ${lens.reason}`, 'model-unsupported');
  const wanted = positions ?? Array.from({ length }, (_, p) => p);
  const outside = wanted.find((p) => !Number.isInteger(p) || p < 0 || p >= length);
  if (outside !== undefined) throw new LensError(`position ${outside} is outside the ${length} tokens of this text`, 'empty-input');
  if (wanted.length === 0) throw new LensError('the logit lens needs at least one position', 'empty-input');
  return [...new Set(wanted)].sort((a, b) => a - b);
}

/** The lens at `positions` in runs of MAX_LENS_POSITIONS positions each (`lensRun` makes one), joined. */
export async function lensInChunks(positions: number[], lensRun: (chunk: number[]) => Promise<LogitLens>): Promise<LogitLens> {
  const parts: LogitLens[] = [];
  for (let i = 0; i < positions.length; i += MAX_LENS_POSITIONS) parts.push(await lensRun(positions.slice(i, i + MAX_LENS_POSITIONS)));
  return {
    positions,
    final: parts.flatMap((p) => p.final),
    ...(parts[0].next ? { next: parts.flatMap((p) => p.next!) } : {}),
    layers: parts[0].layers.map((_, l) => parts.flatMap((p) => p.layers[l])),
  };
}
