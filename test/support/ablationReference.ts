// How an ablated run is checked against PyTorch's ablation.json (tools/lens_models/ablation_reference.py,
// seq2seq_ablation_reference.py): each golden id's probability after the ablation, and that the ablation moved some.
import assert from 'node:assert/strict';
import type { AblatedPosition } from '../../src/protocol/ablation';

/** Probabilities of the ablated run against PyTorch's, as the issue asks. */
export const PROBABILITY_TOLERANCE = 1e-4;

export interface AblatedGolden {
  position: number;
  top_ids: number[];
  top_probabilities: number[];
}

/** PyTorch's top ids at each position (`got[i]` being `expected[i]`'s) within the tolerance, and some moved by the ablation. */
export function checkAblated(got: readonly AblatedPosition[], expected: readonly AblatedGolden[]): void {
  let moved = 0;
  expected.forEach((golden, i) => {
    const afterById = new Map(got[i].changes.map((c) => [c.id, c.after]));
    const beforeById = new Map(got[i].changes.map((c) => [c.id, c.before]));
    golden.top_ids.forEach((id, j) => {
      const after = afterById.get(id);
      assert.ok(after, `id ${id} (PyTorch's rank ${j + 1}) is among the ablated run's candidates at ${golden.position}`);
      const want = golden.top_probabilities[j];
      assert.ok(
        Math.abs(after.probability - want) <= PROBABILITY_TOLERANCE,
        `p(${id}) at ${golden.position}: ${after.probability} vs ${want}`,
      );
      const was = beforeById.get(id);
      if (!was || Math.abs(was.probability - after.probability) > 1e-3) moved++;
    });
  });
  assert.ok(moved > 0, 'the ablation moved some probability (else this case would test nothing)');
}
