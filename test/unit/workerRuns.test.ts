// The runs the worker keeps (src/core/worker/workerRuns.ts): texts of the last runs, and attention maps of at
// most MAX_RUNS_WITH_MAPS runs within a byte bound, as health() reports them (keptRuns, keptBytes).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LensError, type AttentionSource } from '../../src/core/types';
import { MAX_RUNS_WITH_MAPS, WorkerRuns } from '../../src/core/worker/workerRuns';
import { heldSource } from '../../src/core/engine/layerMaps';

const MB = 1024 ** 2;
/** One self-attention set that keeps `bytes` (the runs measure what a set keeps by its keptBytes). */
function setOf(bytes: number): AttentionSource[] {
  const n = Math.floor(Math.sqrt(bytes / 4));
  const perLayer = [new Float32Array(bytes / 4)];
  return [heldSource({ set: 'self', layers: 1, heads: 1, queries: n, keys: n, causal: false, perLayer })];
}

/** A run with attention as the worker's inspect handler makes it: text kept, room made, maps kept. */
function inspect(runs: WorkerRuns, id: number, bytes: number): void {
  runs.add(id, `text ${id}`, undefined);
  runs.makeRoomForMaps();
  runs.keepMaps(id, setOf(bytes));
}

const notKept = (message: string) => (e: unknown) => e instanceof LensError && e.code === 'cancelled' && e.message === message;
const MAPS_GONE = 'the attention maps of that run are no longer kept; inspect again';

describe('WorkerRuns', () => {
  it("keeps two runs' maps while they are small: a third lets the oldest go, its text stays", () => {
    assert.equal(MAX_RUNS_WITH_MAPS, 2);
    const runs = new WorkerRuns();
    inspect(runs, 1, 1 * MB);
    inspect(runs, 2, 2 * MB);
    assert.deepEqual(runs.holdings(), { keptRuns: 2, keptBytes: 3 * MB });
    assert.equal(runs.set(1, 'self').keptBytes, 1 * MB);
    inspect(runs, 3, 4 * MB);
    assert.deepEqual(runs.holdings(), { keptRuns: 2, keptBytes: 6 * MB });
    assert.throws(() => runs.setsOf(1), notKept(MAPS_GONE));
    assert.equal(runs.get(1).text, 'text 1', 'later requests about the run still find its text');
    assert.equal(runs.setsOf(2).length, 1);
  });

  it("keeps only the latest run's maps when the older run's exceed the bound (a long run is never held twice)", () => {
    const runs = new WorkerRuns();
    inspect(runs, 1, 129 * MB);
    assert.deepEqual(runs.holdings(), { keptRuns: 1, keptBytes: 129 * MB });
    inspect(runs, 2, 1 * MB);
    assert.deepEqual(runs.holdings(), { keptRuns: 1, keptBytes: 1 * MB }, 'let go before the new run, not after');
    assert.throws(() => runs.set(1, 'self'), notKept(MAPS_GONE));
    // At the bound an older run stays; one byte past it, it goes.
    inspect(runs, 3, 128 * MB);
    assert.deepEqual(runs.holdings(), { keptRuns: 2, keptBytes: 129 * MB });
    runs.add(4, 'text 4', undefined);
    runs.makeRoomForMaps();
    assert.deepEqual(runs.holdings(), { keptRuns: 1, keptBytes: 128 * MB }, 'only the newest stay while the next run computes');
  });

  it('keeps the texts of the last 8 runs: an older run is refused "that run is no longer kept; inspect again"', () => {
    const runs = new WorkerRuns();
    for (let id = 1; id <= 9; id++) runs.add(id, `text ${id}`, id);
    assert.throws(() => runs.get(1), notKept('that run is no longer kept; inspect again'));
    assert.deepEqual([runs.get(2).text, runs.get(9).maxTokens], ['text 2', 9]);
    assert.throws(() => runs.get(42), notKept('that run is no longer kept; inspect again'), 'a run never seen');
    // A run inspected again (the same id) counts as the newest.
    runs.add(2, 'text 2 again', undefined);
    runs.add(10, 'text 10', undefined);
    assert.equal(runs.get(2).text, 'text 2 again');
    assert.throws(() => runs.get(3), /that run is no longer kept/);
  });

  it('names a set the run does not carry, and forgets everything on clear()', () => {
    const runs = new WorkerRuns();
    inspect(runs, 1, MB);
    const message = 'this run has no attention set named "cross"';
    const noSuchSet = (e: unknown) => e instanceof LensError && e.code === 'model-unsupported' && e.message === message;
    assert.throws(() => runs.set(1, 'cross'), noSuchSet);
    runs.clear();
    assert.deepEqual(runs.holdings(), { keptRuns: 0, keptBytes: 0 });
    assert.throws(() => runs.get(1), /that run is no longer kept/);
  });
});
