// What a view, the hover or an export may ask about a run after it is shown: a layer, the masked-at-position and
// unmasked rankings (kept in the RunStore), the logits at a position, every map. Each checks that the run may
// still be asked (it is the current one, with the model that made it) and what its model can answer.
import type { SetRollout } from '../core/analysis/rolloutSets';
import type { LogitsRow } from '../core/engine/modelRunner';
import { LensError } from '../core/types';
import { readConfig } from '../config';
import { badAblatedHeads, badSetHeads, type AblationSpec, type AblationView } from '../protocol/ablation';
import {
  predictionTokens,
  type AttentionLayer,
  type LayerHeads,
  type LogitLensView,
  type Params,
  type PredictionView,
  type QueryKeyView,
} from '../protocol';
import { RunComparer } from './runComparer';
import type { RunEngine } from './runEngine';
import type { RunRecord, SetMaps } from './runState';
import type { RunStore } from './runStore';

export class RunQueries {
  /** The last logit lens computed, for the exports (the view's window of the run shown). */
  private lastLens: { runId: number; lens: LogitLensView } | undefined;
  /** Logit lens requests that took a run of their own (the rest were answered from what an inspect carried). */
  lensRuns = 0;
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
  layer(run: RunRecord, set: string, layer: number, heads?: LayerHeads): Promise<AttentionLayer> {
    return this.engine.layer(run.summary, run.source, set, layer, heads);
  }

  /** Attention rollout R_layer of a self-attention set of the run, fetched from the worker that keeps its maps. */
  rollout(run: RunRecord, set: string, layer: number): Promise<AttentionLayer> {
    return this.engine.rollout(run.summary, run.source, set, layer);
  }

  /** Every layer's rollout of each of the run's self-attention sets (the JSON export). */
  rollouts(run: RunRecord): Promise<SetRollout[]> {
    return this.engine.rollouts(run.summary, run.source);
  }

  /** One head's query·key reading at a query token, with the vectors of the most attended keys. */
  queryKey(run: RunRecord, params: Params<'queryKey'>): Promise<QueryKeyView> {
    return this.engine.queryKey(run.summary, run.source, params);
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

  /** The run's predictions with heads ablated; kept as the run's ablation (the exports record it). No heads: none. */
  async ablate(run: RunRecord, spec: AblationSpec): Promise<AblationView> {
    if (spec.heads.length === 0) {
      const none = { runId: run.runId, ablated: [], mode: spec.mode, candidates: 0, positions: [] };
      this.store.setAblation(none);
      return none;
    }
    const { ablation, model } = run.summary;
    if (ablation?.available !== true) {
      const reason = ablation?.available === false ? ablation.reason : "this kind of model's graphs take no head gate";
      throw new LensError(`heads cannot be ablated in this model: ${reason}`, 'model-unsupported');
    }
    const bad = ablation.sets ? badSetHeads(spec.heads, ablation.sets) : badAblatedHeads(spec.heads, model.layers, model.heads);
    if (bad) throw new LensError(bad, 'model-unsupported');
    this.checkCanRun(run);
    const view = { runId: run.runId, ...(await this.engine.ablate(run.summary, spec, readConfig())) };
    this.store.setAblation(view);
    return view;
  }

  /**
   * The logit lens at positions of the run's text: from what the run's inspect carried where that covers them, else
   * a run of its own in the worker (ModelRunner.logitLens).
   */
  async logitLens(run: RunRecord, positions: number[]): Promise<LogitLensView> {
    const unavailable = run.summary.logitLensUnavailable;
    if (unavailable !== null) throw new LensError(unavailable ?? 'this run has no logit lens', 'model-unsupported');
    // An encoder–decoder run's positions are its target's.
    const n = predictionTokens(run.summary).length;
    const outside = positions.find((p) => p >= n);
    if (outside !== undefined) throw new LensError(`position ${outside} is outside the run's ${n} tokens`, 'empty-input');
    const kept = this.store.keptLens(run.runId, positions);
    if (!kept) {
      this.checkCanRun(run);
      this.lensRuns++;
    }
    const lens = kept ?? (await this.engine.logitLens(run.summary, positions, readConfig()));
    if (!kept) this.store.keepLens(run.runId, lens);
    this.lastLens = { runId: run.runId, lens };
    return lens;
  }

  /** The logit lens last computed for this run, if any (exports include it). */
  computedLens(run: RunRecord): LogitLensView | undefined {
    return this.lastLens?.runId === run.runId ? this.lastLens.lens : undefined;
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
