// Two runs compared (Compare with Previous Run, Pin Run as Baseline): the current run against the pinned baseline, or
// else the run before it. Both must come from one model. Attention comes from the worker, which keeps the maps of
// the last two runs (workerRuns.ts): a baseline pinned further back is compared on its tokens, predictions and
// surprisal, and the reply says why its attention is not.
import {
  alignedMap,
  alignRuns,
  changeSize,
  comparePredictions,
  compareSurprisal,
  difference,
  predictionAlignment,
} from '../core/analysis/runDiff';
import { LensError } from '../core/types';
import { attentionSet, type AttentionComparison, type LayerHeads, type RunComparison, type TokenAlignment } from '../protocol';
import type { RunEngine } from './runEngine';
import type { RunRecord } from './runState';
import type { RunStore } from './runStore';

/** How much one head changed over the matched tokens (the JSON export's table). */
export interface HeadChange {
  set: string;
  layer: number;
  head: number;
  maxAbs: number;
  meanAbs: number;
}

export class RunComparer {
  constructor(
    private readonly engine: RunEngine,
    private readonly store: RunStore,
  ) {}

  /** Pins the run as the baseline (on) or unpins (off: the run before the current one is compared); returns the baseline's id. */
  pin(run: RunRecord, on: boolean): number | null {
    this.store.pin(on ? run.runId : undefined);
    return this.store.pinned?.runId ?? null;
  }

  /** The run `run` is compared against: the pinned one (unless it is `run` itself), else the run before it. */
  baselineOf(run: RunRecord): { baseline: RunRecord; pinned: boolean } {
    const pinned = this.store.pinned;
    if (pinned && pinned.runId !== run.runId) return { baseline: pinned, pinned: true };
    const before = this.store.before(run.runId);
    if (!before) {
      const why = pinned ? 'this run is the pinned baseline' : 'there is no run before this one';
      throw new LensError(`Nothing to compare with: ${why}. Inspect again (another selection, or this one after an edit).`, 'empty-input');
    }
    return { baseline: before, pinned: false };
  }

  /** The comparison of `run` with its baseline, with attention at one layer and head (or the mean) of one set. */
  async compare(run: RunRecord, at: { set: string; layer: number; head: number | 'mean' }): Promise<RunComparison> {
    const { baseline, comparison } = this.compareTokens(run);
    const runs = { input: comparison.input, target: comparison.target };
    const attention = await this.attention(baseline, run, runs, at).catch((error: unknown) => ({
      unavailable: (error as Error).message,
    }));
    return { ...comparison, attention };
  }

  /** Everything of the comparison but attention: the alignment, predictions and surprisal (the JSON export's body). */
  compareTokens(run: RunRecord): { baseline: RunRecord; comparison: Omit<RunComparison, 'attention'> } {
    const { baseline, pinned } = this.baselineOf(run);
    sameModel(baseline, run);
    const runs = alignRuns(baseline.summary, run.summary);
    const alignment = predictionAlignment(runs, run.summary);
    const comparison = {
      baseline: baseline.summary,
      pinned,
      ...runs,
      predictions: comparePredictions(baseline.summary, run.summary, alignment),
      surprisal: compareSurprisal(baseline.summary, run.summary, alignment),
    };
    return { baseline, comparison };
  }

  private async attention(
    baseline: RunRecord,
    run: RunRecord,
    runs: { input: TokenAlignment; target?: TokenAlignment },
    at: { set: string; layer: number; head: number | 'mean' },
  ): Promise<AttentionComparison> {
    const maps = await this.layers(baseline, run, runs, at.set, at.layer, at.head === 'mean' ? 'mean' : [at.head]);
    return maps.compare(at.head);
  }

  /** One layer of a set in both runs (whole, those heads or their mean), and how to compare a head of it over the matched tokens. */
  private async layers(
    baseline: RunRecord,
    run: RunRecord,
    runs: { input: TokenAlignment; target?: TokenAlignment },
    setName: string,
    layer: number,
    heads: LayerHeads | undefined,
  ): Promise<{ compare(head: number | 'mean'): AttentionComparison }> {
    const set = attentionSet(run.summary, setName);
    if (!set) throw new Error(run.summary.attentionUnavailable ?? `this run has no attention set "${setName}"`);
    const queries = runs[set.queries];
    const keys = runs[set.keys];
    if (!queries || !keys) throw new Error('the baseline has no target tokens');
    const [before, after] = await Promise.all([
      this.engine.layer(baseline.summary, baseline.source, setName, layer, heads),
      this.engine.layer(run.summary, run.source, setName, layer, heads),
    ]).catch((error: unknown) => {
      throw new Error(`the baseline's attention is not available (${(error as Error).message}); inspect it again to compare attention`);
    });
    const side = (s: 'baseline' | 'current', a: TokenAlignment) => a.pairs.map((p) => p[s]);
    return {
      compare: (head) => {
        const b = alignedMap(before, head, side('baseline', queries), side('baseline', keys));
        const c = alignedMap(after, head, side('current', queries), side('current', keys));
        const diff = difference(b, c);
        return { set: setName, layer, head, queryPairs: queries.pairs, keyPairs: keys.pairs, baseline: b, current: c, difference: diff };
      },
    };
  }

  /**
   * How much every head of every set changed over the matched tokens (the JSON export), a layer of both runs at a
   * time; the reason instead when the baseline's attention is no longer kept.
   */
  async headChanges(run: RunRecord): Promise<HeadChange[] | { unavailable: string }> {
    const { baseline, comparison } = this.compareTokens(run);
    const runs = { input: comparison.input, target: comparison.target };
    const changes: HeadChange[] = [];
    try {
      for (const set of run.summary.attentionSets) {
        for (let layer = 0; layer < set.layers; layer++) {
          const maps = await this.layers(baseline, run, runs, set.name, layer, undefined);
          for (let head = 0; head < set.heads; head++) {
            changes.push({ set: set.name, layer, head, ...changeSize(maps.compare(head).difference) });
          }
        }
      }
    } catch (error) {
      return { unavailable: (error as Error).message };
    }
    return changes;
  }
}

/** Both runs came from the same model file. */
function sameModel(baseline: RunRecord, run: RunRecord): void {
  if (baseline.source.modelFolder === run.source.modelFolder && baseline.source.onnxFile === run.source.onnxFile) return;
  const [a, b] = [baseline.summary.model.id, run.summary.model.id];
  throw new LensError(`Runs of two models cannot be compared: the baseline ran on ${a}, this run on ${b}.`, 'model-unsupported');
}
