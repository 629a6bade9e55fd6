// What tests ask of the core's new shapes: an inspect through the engine's request table under a fresh run id,
// and a run's one self-attention set (BERT and GPT-2 carry exactly one).
import assert from 'node:assert/strict';
import type { InspectOptions } from '../../src/core/engine/modelRunner';
import type { AttentionMaps, AttentionSource } from '../../src/core/types';
import type { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import type { AttentionSetRef, WorkerInspectResult } from '../../src/core/worker/workerRequests';

/** An inspect as the host sends one, under a new run id (the engine's own, as the CLI uses). */
export function inspectText(engine: InferenceEngine, text: string, options: InspectOptions): Promise<WorkerInspectResult> {
  return engine.request('inspect', { run: engine.nextRunId(), text, options });
}

/** The run's only attention set, which must be the self-attention set. */
export function selfSet<T extends AttentionMaps | AttentionSetRef | AttentionSource>(sets: T[] | undefined): T {
  assert.ok(sets, 'the run carries attention');
  assert.deepEqual(
    sets.map((s) => s.set),
    ['self'],
    'one set: self-attention',
  );
  return sets[0];
}
