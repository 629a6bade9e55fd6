// The runs the host keeps, by run id, and what is derived from each once: the masked-at-position rankings, the
// unmasked top-k and the attention overview of each set. Everything that shows a derived value (hover, views, exports) reads
// it here; the computing is the caller's (RunQueries), done at most once per run and value.
import type { AttentionOverview, DerivedPredictions, LogitLensView, PredictionView } from '../protocol';
import type { AblationView } from '../protocol/ablation';
import type { RunRecord } from './runState';

/** Runs kept: the current one and a few before it (a run is dropped with what was derived from it). */
const MAX_RUNS = 4;

interface StoredRun {
  record: RunRecord;
  maskedAt: Map<number, PredictionView[]>;
  /** The request while it runs, then its answer. */
  unmasked?: Promise<PredictionView[][]> | PredictionView[][];
  /** By attention set, in the order they arrived. */
  overviews: Map<string, AttentionOverview>;
  /** The last head ablation shown on the run, for the exports to record. */
  ablation?: AblationView;
  /** The logit lens last computed for the run (its inspect's, or a request's), and whether the view has asked for one. */
  lens?: LogitLensView;
  lensAsked?: boolean;
}

export class RunStore {
  private readonly runs = new Map<number, StoredRun>();
  /** The run pinned as the comparison baseline (Pin Run as Baseline): kept past MAX_RUNS until another is pinned. */
  private pinnedId: number | undefined;

  /** Keeps a run; `unmasked` when its inspect ranked every position anyway, `lens` when it carried the logit lens. */
  add(record: RunRecord, unmasked?: PredictionView[][], lens?: LogitLensView): void {
    this.runs.set(record.runId, { record, maskedAt: new Map(), overviews: new Map(), unmasked, lens });
    for (const runId of this.runs.keys()) {
      if (this.runs.size <= MAX_RUNS) break;
      if (runId !== this.pinnedId) this.runs.delete(runId);
    }
  }

  get(runId: number): RunRecord | undefined {
    return this.runs.get(runId)?.record;
  }

  /** Pins a kept run as the comparison baseline; undefined unpins (the run before the current one is compared then). */
  pin(runId: number | undefined): void {
    this.pinnedId = runId !== undefined && this.runs.has(runId) ? runId : undefined;
  }

  get pinned(): RunRecord | undefined {
    return this.pinnedId === undefined ? undefined : this.get(this.pinnedId);
  }

  /** The newest kept run before this one. */
  before(runId: number): RunRecord | undefined {
    let found: RunRecord | undefined;
    for (const [id, stored] of this.runs) if (id < runId && (!found || id > found.runId)) found = stored.record;
    return found;
  }

  /** The overviews of a run's attention sets that have arrived. */
  overviews(runId: number): AttentionOverview[] {
    return [...(this.runs.get(runId)?.overviews.values() ?? [])];
  }

  setOverview(overview: AttentionOverview): boolean {
    const stored = this.runs.get(overview.runId);
    stored?.overviews.set(overview.set, overview);
    return stored !== undefined;
  }

  /** Keeps the ablation shown on a run; one of no heads (a Reset) forgets it. */
  setAblation(view: AblationView): void {
    const stored = this.runs.get(view.runId);
    if (stored) stored.ablation = view.ablated.length > 0 ? view : undefined;
  }

  /** The last head ablation shown on the run, if any. */
  ablation(runId: number): AblationView | undefined {
    return this.runs.get(runId)?.ablation;
  }

  /** What has been derived of a run's predictions so far (for predictionsAt). */
  predictions(runId: number): DerivedPredictions {
    const stored = this.runs.get(runId);
    if (!stored) return {};
    return { maskedAt: stored.maskedAt, unmasked: Array.isArray(stored.unmasked) ? stored.unmasked : undefined };
  }

  /** The masked-at ranking at a position: kept, or computed once (nothing is kept when compute fails). */
  async maskedAt(runId: number, position: number, compute: () => Promise<PredictionView[]>): Promise<PredictionView[]> {
    const stored = this.runs.get(runId);
    const known = stored?.maskedAt.get(position);
    if (known) return known;
    const top = await compute();
    stored?.maskedAt.set(position, top);
    return top;
  }

  /**
   * The logit lens at `positions` from what the run's inspect carried, when it covers them all (a view's window
   * inside the first one); marks the run's lens as asked for either way.
   */
  keptLens(runId: number, positions: readonly number[]): LogitLensView | undefined {
    const stored = this.runs.get(runId);
    if (!stored) return undefined;
    stored.lensAsked = true;
    const lens = stored.lens;
    const at = lens && positions.map((p) => lens.positions.indexOf(p));
    if (!lens || !at || at.some((i) => i < 0)) return undefined;
    return {
      positions: [...positions],
      final: at.map((i) => lens.final[i]),
      ...(lens.next ? { next: at.map((i) => lens.next![i]) } : {}),
      layers: lens.layers.map((row) => at.map((i) => row[i])),
    };
  }

  /** Keeps the logit lens a request computed for the run: narrower windows inside it are answered from it. */
  keepLens(runId: number, lens: LogitLensView): void {
    const stored = this.runs.get(runId);
    if (stored) stored.lens = lens;
  }

  /** Whether the view asked this run for its logit lens (the next run then carries it in its inspect). */
  lensAsked(runId: number): boolean {
    return this.runs.get(runId)?.lensAsked === true;
  }

  /** The unmasked top-k: kept, in flight, or asked now; a failure is not kept, so the next ask tries again. */
  unmasked(runId: number, compute: () => Promise<PredictionView[][]>): Promise<PredictionView[][]> {
    const stored = this.runs.get(runId);
    if (!stored) return compute();
    if (stored.unmasked) return Promise.resolve(stored.unmasked);
    const asked = compute();
    stored.unmasked = asked;
    asked.then(
      (top) => {
        if (stored.unmasked === asked) stored.unmasked = top;
      },
      () => {
        if (stored.unmasked === asked) stored.unmasked = undefined;
      },
    );
    return asked;
  }
}
