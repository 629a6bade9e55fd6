// Long use (issue 15, part 4): a short soak through the real engine — memory flat after the warm-up, one
// session open, at most two runs' maps kept — and the plan and the judgement the full `npm run soak` uses.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { WorkerHealth } from '../../src/core/worker/workerRequests';
import { MAX_RUNS_WITH_MAPS } from '../../src/core/worker/workerRuns';
import { garbageCollector } from '../../tools/exposeGc';
import { judgeSoak, runSoak, type SoakSample } from '../../tools/soak/soak';
import { BLOCK, soakPlan } from '../../tools/soak/soakPlan';
import { repoRoot } from '../support/paths';

const workerPath = path.join(repoRoot, 'out', 'src', 'core', 'worker', 'inferenceWorker.js');
const LENGTHS = { masked: { min: 3, max: 512 }, causal: { min: 1, max: 512 } };

function sample(inspects: number, rssMb: number, heldMb: number, held: Partial<WorkerHealth> = {}): SoakSample {
  return {
    inspects,
    elapsedMs: 0,
    rssBytes: rssMb * 1024 ** 2,
    heapUsedBytes: (heldMb - 3) * 1024 ** 2,
    arrayBuffersBytes: 3 * 1024 ** 2,
    openSessions: 1,
    keptRuns: 1,
    keptBytes: 0,
    ...held,
  };
}

describe('soak', () => {
  it(
    'the plan alternates both models in blocks, opens each block at the longest input with attention then the shortest, and covers ' +
      'short to long, bursts and runs without attention',
    () => {
      const plan = soakPlan(1000, LENGTHS);
      assert.deepEqual(
        [plan[0].model, plan[BLOCK - 1].model, plan[BLOCK].model, plan[2 * BLOCK].model],
        ['masked', 'masked', 'causal', 'masked'],
      );
      for (let i = 0; i < plan.length; i += BLOCK) assert.deepEqual([plan[i].tokens, plan[i].attention], [512, true], `block at ${i}`);
      for (const model of ['masked', 'causal'] as const) {
        const tokens = plan.filter((s) => s.model === model).map((s) => s.tokens);
        assert.deepEqual([Math.min(...tokens), Math.max(...tokens)], [LENGTHS[model].min, 512], model);
        assert.ok(tokens.every((n) => n >= LENGTHS[model].min && n <= 512));
      }
      assert.equal(plan.filter((s) => s.burst).length, 142);
      assert.ok(plan.filter((s) => !s.attention).length > 250);
      assert.deepEqual(soakPlan(1000, LENGTHS), plan, 'the same plan every time');
    },
  );

  it(
    'judges held memory growing past 2 MB, resident memory past 50 %, a second open session and a third kept run as failures, ' +
      'and nothing else',
    () => {
      assert.deepEqual(judgeSoak({ reference: sample(50, 700, 30), final: sample(1000, 1049, 32) }), []);
      assert.deepEqual(judgeSoak({ reference: sample(50, 700, 30), final: sample(1000, 600, 20) }), [], 'memory given back is no failure');
      const sideBySide = sample(1000, 700, 30, { keptRuns: MAX_RUNS_WITH_MAPS });
      assert.deepEqual(judgeSoak({ reference: sample(50, 700, 30), final: sideBySide }), [], 'two runs shown side by side');
      const leaky = sample(1000, 1051, 32.1, { openSessions: 2, keptRuns: 3 });
      assert.deepEqual(judgeSoak({ reference: sample(50, 700, 30), final: leaky }), [
        'held memory (heap and array buffers) grew from 30.0 MB after 50 inspects to 32.1 MB after 1000 (+2.1 MB, the bound is 2.0 MB)',
        'resident memory grew from 700.0 MB after 50 inspects to 1051.0 MB after 1000 (+50.1 %, the bound is 50 %)',
        '2 inference sessions are open with one model loaded',
        "3 runs' attention maps are kept; at most 2 may be",
      ]);
    },
  );

  it(
    '100 inspects through one worker, both embedded models, 1 to 512 tokens, some cancelled: settled memory at the end within the ' +
      "bounds of its level after the first 50, one session, one run's maps",
    async () => {
      const report = await runSoak({
        inspects: 100,
        modelsDir: path.join(repoRoot, 'models'),
        workerPath,
        warmup: 50,
        sampleEvery: 10,
        collectGarbage: garbageCollector(),
      });
      const bursts = soakPlan(100, LENGTHS).filter((s) => s.burst).length;
      assert.deepEqual(
        [report.completed, report.cancelled],
        [100 + bursts, bursts],
        "each burst's queued middle inspect was cancelled, every other one completed",
      );
      assert.deepEqual(
        report.samples.map((s) => s.inspects),
        [50, 60, 70, 80, 90, 100],
      );
      assert.ok(report.reference.inspects <= 70 && report.final.inspects >= 80, 'the levels are of the first and the last three samples');
      assert.deepEqual(judgeSoak(report), []);
      assert.deepEqual([report.final.openSessions, report.final.keptRuns], [1, 1]);
    },
  );
});
