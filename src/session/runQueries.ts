// What a view, the hover or an export may ask about a run after it is shown: a layer, the masked-at-position and
// unmasked rankings (kept in the RunStore), the logits at a position, every map. Each checks that the run may
// still be asked (it is the current one, with the model that made it) and what its model can answer.
import type { LogitsRow } from '../core/engine/modelRunner';
import { LensError } from '../core/types';
import { readConfig } from '../config';
import { predictionTokens, type AttentionLayer, type PredictionView } from '../protocol';
import { RunComparer } from './runComparer';
import type { RunEngine } from './runEngine';
import type { RunRecord, SetMaps } from './runState';
import type { RunStore } from './runStore';

export class RunQueries {
  /** The current run compared with its baseline (the compareRuns request, the Compare commands, the export). */
  readonly comparer: RunComparer;

  constructor(
    private readonly engine: RunEngine,
    private readonly store: RunStore,
    /** Throws (LensError 'cancelled') when the run may no longer be asked. */
    private readonly checkCanRun: (run: RunRecord) => void,
  ) {
    this.comparer = new RunComparer(engine, store);
  }

  /** One layer of a set of the run's attention, fetched from the worker that keeps it. */
  layer(run: RunRecord, set: string, layer: number, heads?: number[]): Promise<AttentionLayer> {
    return this.engine.layer(run.summary, run.source, set, layer, heads);
  }

  /** Every layer of each of the run's attention sets (the JSON export); none when the run kept no attention. */
  maps(run: RunRecord): Promise<SetMaps[]> {
    return this.engine.maps(run.summary, run.source);
  }

  /** The top-k at a token when it alone is masked; rejects where the model cannot mask a position. */
  maskedAt(run: RunRecord, position: number): Promise<PredictionView[]> {
    return this.store.maskedAt(run.runId, position, async () => {
      const can = run.summary.capabilities.maskPosition;
      if (!can) throw new LensError('masking a position needs a masked language model', 'model-unsupported');
      this.checkCanRun(run);
      const top = await this.engine.maskedAt(run.summary, position, readConfig());
      if (!top) throw new LensError(`position ${position} cannot be masked (a special token or out of range)`, 'empty-input');
      return top;
    });
  }

  /** The top-k at every position of the run's text as it is: computed once per run, when first asked. */
  unmasked(run: RunRecord): Promise<PredictionView[][]> {
    if (!run.summary.capabilities.unmasked) {
      return Promise.reject(new LensError("unmasked predictions are a masked language model's", 'model-unsupported'));
    }
    return this.store.unmasked(run.runId, () => {
      this.checkCanRun(run);
      return this.engine.unmasked(run.summary, readConfig());
    });
  }

  /** The whole vocabulary's logits at a position of the run's text, for the sampling controls (ModelRunner.logitsAt). */
  async logitsAt(run: RunRecord, position: number): Promise<LogitsRow> {
    this.checkCanRun(run);
    // An encoder–decoder run's positions are its target's.
    const n = predictionTokens(run.summary).length;
    if (position >= n) throw new LensError(`position ${position} is outside the run's ${n} tokens`, 'empty-input');
    return this.engine.logitsAt(run.summary, position);
  }
}
