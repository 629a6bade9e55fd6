// Reliability catalogue, runs: the engine as the extension host drives it (a worker thread). Bursts of
// requests, a model switch mid-run, a worker that dies or is killed mid-run (inputs too large for memory: memory.test.ts).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectProviderEnvironment } from '../../../src/core/engine/providerEnvironment';
import { LensError } from '../../../src/core/types';
import { InferenceEngine } from '../../../src/core/worker/inferenceEngine';
import { inspectText } from '../../support/engine';
import { rejectsWith, request, tempDir, workerPath } from './support';

const env = detectProviderEnvironment();
const OPTIONS = { attention: true, topK: 5 };
const line = (i: number) => `Sentence ${i} says the cat sat on the mat near the door of house number ${i}.`;

/** Fires `count` inspects without awaiting any, and sorts out how each one ended. */
async function burst(engine: InferenceEngine, count: number, offset: number) {
  const calls = Array.from({ length: count }, (_, i) => inspectText(engine, line(offset + i), OPTIONS));
  const settled = await Promise.allSettled(calls);
  const resolved = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [{ i, text: s.value.text }] : []));
  const rejected = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  return { settled, resolved, rejected };
}

describe('reliability: runs', () => {
  let engine: InferenceEngine;
  const log: string[] = [];
  before(async () => {
    engine = new InferenceEngine({ workerPath, environment: env, log: (m) => log.push(m) });
    await engine.load(request('tiny-bert'));
  });
  after(() => engine.dispose());

  it(
    '50 inspects fired at once: the last resolves with its own text, ' +
      'the rest are cancelled as superseded or had started; memory stays flat',
    async () => {
      const first = await burst(engine, 50, 0);
      assert.equal(first.settled[49].status, 'fulfilled', 'the last request resolves');
      assert.equal(first.resolved.at(-1)!.text, line(49));
      assert.deepEqual(
        first.resolved.map((r) => r.i),
        [0, 49],
        'only the one already running and the last one ran',
      );
      assert.equal(first.rejected.length, 48);
      for (const error of first.rejected) {
        assert.ok(
          error instanceof LensError && error.code === 'cancelled' && error.message === 'superseded by a newer request',
          String(error),
        );
      }
      const rssAfterFirst = process.memoryUsage().rss;
      for (let round = 1; round <= 3; round++) {
        const again = await burst(engine, 50, round * 50);
        assert.equal(again.resolved.at(-1)!.text, line(round * 50 + 49));
      }
      const growth = process.memoryUsage().rss - rssAfterFirst;
      assert.ok(growth < 64 * 1024 ** 2, `rss grew by ${(growth / 1024 ** 2).toFixed(1)} MB over 150 more requests`);
      const after = await inspectText(engine, 'The worker is still alive.', OPTIONS);
      assert.equal(after.text, 'The worker is still alive.');
      assert.deepEqual(log, [], 'the worker never stopped');
    },
  );

  it('a model switch while an inspect is queued: the queued one is cancelled, the next inspect runs on the new model', async () => {
    const running = inspectText(engine, 'The running request uses the old model.', OPTIONS);
    const queued = inspectText(engine, 'The queued request must not run.', OPTIONS);
    const loaded = engine.load(request('tiny-gpt2'));
    await rejectsWith(queued, 'cancelled', 'superseded by a newer request');
    assert.equal((await running).model.id, 'tiny-bert', 'a run that had started finishes on the model it started with, and says so');
    assert.deepEqual([(await loaded).info.family, (await loaded).info.task], ['gpt2', 'next-token']);
    const next = await inspectText(engine, 'The next request uses the new model.', OPTIONS);
    assert.deepEqual([next.model.id, next.model.task, next.predictions.task], ['tiny-gpt2', 'next-token', 'next-token']);
    await engine.load(request('tiny-bert'));
  });

  it(
    'the worker killed mid-run: that run fails with "The inference worker stopped ' +
      '(it was stopped); it restarts on the next run.", the next one works',
    async () => {
      const text = Array.from({ length: 12 }, (_, i) => `word${i}`).join(' ');
      const running = inspectText(engine, text, OPTIONS);
      const killed = engine.terminateWorker();
      await rejectsWith(running, 'worker-crashed', 'The inference worker stopped (it was stopped); it restarts on the next run.');
      await killed;
      const next = await inspectText(engine, text, OPTIONS);
      assert.deepEqual([next.text, next.model.id], [text, 'tiny-bert'], 'the new worker reloaded the model');
      assert.equal(log.at(-1), 'inference worker stopped: it was stopped');
    },
  );

  it('killing the worker again and again at random points of a run never takes the process down', async () => {
    const text = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
    let crashed = 0;
    for (let i = 0; i < 4; i++) {
      const running = inspectText(engine, text, OPTIONS);
      await new Promise((resolve) => setTimeout(resolve, i * 10));
      const killed = engine.terminateWorker();
      const outcome = await running.then(
        () => 'completed',
        (e: LensError) => e.code,
      );
      assert.ok(outcome === 'completed' || outcome === 'worker-crashed', outcome);
      if (outcome === 'worker-crashed') crashed++;
      await killed;
    }
    assert.ok(crashed >= 1, 'at least one kill landed mid-run');
    assert.equal((await inspectText(engine, 'still here', OPTIONS)).text, 'still here');
  });
});

describe('reliability: a worker that crashes by itself', () => {
  let tmp: ReturnType<typeof tempDir>;
  let engine: InferenceEngine;
  before(async () => {
    tmp = tempDir('crash');
    // The real worker, plus a listener that throws on the thread (as a fault in a native call would end it).
    const crashingWorker = path.join(tmp.dir, 'crashingWorker.js');
    fs.writeFileSync(
      crashingWorker,
      `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.op === 'inspect' && m.payload.text === 'CRASH') setImmediate(() => { throw new Error('simulated fault'); });
});
require(${JSON.stringify(workerPath)});\n`,
    );
    engine = new InferenceEngine({ workerPath: crashingWorker, environment: env });
    await engine.load(request('tiny-bert'));
  });
  after(async () => {
    await engine.dispose();
    tmp.cleanup();
  });

  it(
    'is reported as "The inference worker stopped (it failed: simulated fault); ' +
      'it restarts on the next run.", then restarted with the model',
    async () => {
      const message = 'The inference worker stopped (it failed: simulated fault); it restarts on the next run.';
      await rejectsWith(inspectText(engine, 'CRASH', OPTIONS), 'worker-crashed', message);
      const next = await inspectText(engine, 'after the crash', OPTIONS);
      assert.deepEqual([next.text, next.model.id], ['after the crash', 'tiny-bert']);
    },
  );
});

describe('reliability: a worker that runs out of memory', () => {
  let tmp: ReturnType<typeof tempDir>;
  let engine: InferenceEngine;
  const stopped: string[] = [];
  before(async () => {
    tmp = tempDir('worker-oom');
    // The real worker, plus a listener that allocates until the thread's heap limit ends it (as a runaway
    // allocation would); the small limit makes that quick.
    const exhaustingWorker = path.join(tmp.dir, 'exhaustingWorker.js');
    fs.writeFileSync(
      exhaustingWorker,
      `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.op === 'inspect' && m.payload.text === 'EXHAUST') { const hog = []; for (;;) hog.push(new Array(1e5).fill(m.id + 0.5)); }
});
require(${JSON.stringify(workerPath)});\n`,
    );
    engine = new InferenceEngine({
      workerPath: exhaustingWorker,
      environment: env,
      resourceLimits: { maxOldGenerationSizeMb: 96 },
      onWorkerStopped: (m) => stopped.push(m),
    });
    await engine.load(request('tiny-bert'));
  });
  after(async () => {
    await engine.dispose();
    tmp.cleanup();
  });

  it(
    'fails the run with "it ran out of memory" and what to do, tells the host, keeps the process up, and the next run reloads the ' +
      'model in a new worker',
    async () => {
      const kept = await inspectText(engine, 'kept before the crash', OPTIONS);
      const message =
        'The inference worker stopped (it ran out of memory); it restarts on the next run. Select less text or lower ' +
        'attentionLens.maxTokens.';
      await rejectsWith(inspectText(engine, 'EXHAUST', OPTIONS), 'worker-crashed', message);
      assert.deepEqual(stopped, [message], 'the host was told once');
      const layer = engine.request('layer', { run: kept.run, set: 'self', layer: 0 });
      await rejectsWith(layer, 'cancelled', 'the attention maps of that run are no longer kept; inspect again');
      const next = await inspectText(engine, 'after the crash', OPTIONS);
      assert.deepEqual([next.text, next.model.id], ['after the crash', 'tiny-bert']);
      const health = await engine.request('health', { settle: false });
      assert.deepEqual([health.openSessions, health.keptRuns], [1, 1], "the new worker holds one session and the new run's maps");
    },
  );

  it('a worker stopped while no request runs is reported to the host too', async () => {
    stopped.length = 0;
    await engine.terminateWorker();
    assert.deepEqual(stopped, ['The inference worker stopped (it was stopped); it restarts on the next run.']);
    assert.equal((await inspectText(engine, 'restarted', OPTIONS)).model.id, 'tiny-bert');
  });
});

describe('reliability: the engine shut down mid-run (window closed, extension deactivated)', () => {
  it('the running and queued inspects reject "the inference engine was shut down", later ones too; the thread exits', async () => {
    const engine = new InferenceEngine({ workerPath, environment: env });
    await engine.load(request('tiny-bert'));
    const text = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
    const run = engine.nextRunId();
    const inspect = engine.request('inspect', { run, text, options: OPTIONS });
    const running = rejectsWith(inspect, 'cancelled', 'the inference engine was shut down');
    const queued = rejectsWith(engine.request('maskedAt', { run, positions: [1], topK: 5 }), 'cancelled', 'superseded by a newer request');
    const stopping = performance.now();
    await engine.dispose();
    assert.ok(performance.now() - stopping < 9_000, "dispose() resolved on the thread's exit, not after the 10 s grace period");
    await running;
    await queued;
    await rejectsWith(inspectText(engine, 'after', OPTIONS), 'cancelled', 'the inference engine was shut down');
  });
});
