// The bounded fuzz run of `npm test` (test/fuzz/): a fixed seed, a few cases per target, every one of which must
// end in a correct load or one clear message, within its time and memory bounds. `npm run fuzz -- --cases N`
// runs longer; a failure prints the command that replays it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Target } from '../fuzz/fuzzCases';
import { DEFAULT_SEED, describeFailure, describeSummary, runFuzz } from '../fuzz/fuzzRunner';

/** Cases per target: about 35 s in all on this 2-core machine when it is shared (a model case loads onnxruntime). */
const BOUNDED: Record<Target, number> = { onnx: 30, model: 10, zip: 120 };

describe('fuzz tier (bounded run, seed ' + DEFAULT_SEED + ')', () => {
  for (const [target, cases] of Object.entries(BOUNDED) as [Target, number][]) {
    it(
      `${target}: ${cases} mutated files each load or are refused with one clear message, ` +
        `within 10 s of CPU and 2 × their size + 192 MB`,
      async () => {
        const summary = await runFuzz({ target, seed: DEFAULT_SEED, cases });
        console.log(describeSummary(summary));
        assert.equal(summary.tried, cases);
        assert.deepEqual(summary.failures.map(describeFailure), []);
        assert.ok(summary.loaded > 0 && summary.refused > 0, 'the mutations reach both outcomes');
      },
    );
  }
});
