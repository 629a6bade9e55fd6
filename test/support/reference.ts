// Reads the PyTorch reference outputs committed beside each tiny test model (see tools/testModels/make.sh and tools/lens_models).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

export interface ReferenceCase {
  text: string;
  inputIds: number[];
  /** Per layer, [heads, q, k] flattened. */
  attentions: Float64Array[];
  topIds: number[][];
  topLogits: number[][];
  logSumExp: number[];
}

export interface Reference {
  model: string;
  cases: ReferenceCase[];
}

interface RawCase {
  text: string;
  input_ids: number[];
  attentions: number[][][][];
  top_ids: number[][];
  top_logits: number[][];
  logsumexp: number[];
}

export function loadReference(file: string): Reference {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { model: string; cases: RawCase[] };
  return {
    model: raw.model,
    cases: raw.cases.map((c) => ({
      text: c.text,
      inputIds: c.input_ids,
      attentions: c.attentions.map((layer) => Float64Array.from(layer.flat(2))),
      topIds: c.top_ids,
      topLogits: c.top_logits,
      logSumExp: c.logsumexp,
    })),
  };
}

/** The largest |a[i] − b[i]| of two arrays of one length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
