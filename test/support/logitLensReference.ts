// The logit lens's goldens (tools/lens_models/logit_lens_reference.py, seq2seq_lens_reference.py) and how a lens
// computed in the graph is checked against them.
import assert from 'node:assert/strict';
import type { LogitLens } from '../../src/core/types';

/** Probabilities from the graph's TopK / log Σ exp over a copied head vs PyTorch's float64 softmax. */
export const PROBABILITY_TOLERANCE = 1e-4;

export interface ReferenceCell {
  top_ids: number[];
  top_probabilities: number[];
  final_probability: number;
  next_probability?: number | null;
}

export interface LensReference {
  text: string;
  input_ids: number[];
  final_ids: number[];
  layers: ReferenceCell[][];
}

export const near = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= PROBABILITY_TOLERANCE, `${what}: ${actual} vs PyTorch ${expected}`);

/** The same top-k in order, except where two candidates' probabilities are within the tolerance (a tie). */
export function checkTop(lens: LogitLens, ref: Pick<LensReference, 'layers'>): void {
  ref.layers.forEach((row, l) =>
    row.forEach((cell, p) => {
      const got = lens.layers[l][p];
      const where = `layer ${l}, position ${p}`;
      got.top.forEach((x, j) => {
        const expected = cell.top_probabilities[j];
        near(x.probability, expected, `${where}, rank ${j}`);
        if (x.id !== cell.top_ids[j]) near(cell.top_probabilities[cell.top_ids.indexOf(x.id)] ?? -1, expected, `${where}: id ${x.id} tied`);
      });
      near(got.finalProbability, cell.final_probability, `${where}, the final top-1`);
      if (cell.next_probability === undefined) assert.equal(got.nextProbability, undefined);
      else if (cell.next_probability === null) assert.equal(got.nextProbability, null, `${where}: nothing follows the last token`);
      else near(got.nextProbability!, cell.next_probability, `${where}, the next token`);
    }),
  );
}
