// The runs the worker knows, by the host's run id: each run's text (what later requests about it run on) and,
// within a bound, its attention sets (what their maps are computed from, see AttentionSource). Only what a view
// asks for crosses to the caller's thread: at 1024 tokens all of GPT-2's maps are 604 MB, and receiving them
// stalled the extension host's event loop while its garbage collector caught up.
import { LensError, type AttentionSource } from '../types';
import { attentionNotKept, runNotKept } from './workerRequests';

/** Runs whose text is kept, newest last: enough for a side-by-side comparison and a few stale views. */
const MAX_RUNS = 8;
/** Runs whose attention maps are kept, newest last: two runs can be shown side by side. */
export const MAX_RUNS_WITH_MAPS = 2;
/**
 * Bytes of attention the older kept runs may hold: a second run's tensors are kept only while they fit, so a long
 * run never holds twice what its maps need (a Qwen2.5-0.5B-shaped model keeps about 350 MB at 2,048 tokens).
 */
const OLDER_MAPS_BYTES = 128 * 1024 * 1024;

/** An encoder–decoder run's target: given (teacher forcing), or written by the model within maxNewTokens. */
export interface RunDecoding {
  target?: string;
  maxNewTokens?: number;
}

export interface WorkerRun {
  text: string;
  maxTokens?: number;
  /** The text ran as a sentence pair: later requests about it do too. */
  pair: boolean;
  /** What later requests about an encoder–decoder run need to run its target again. */
  decoding?: RunDecoding;
  sets?: AttentionSource[];
}

const bytesOf = (sets: AttentionSource[] | undefined) => (sets ?? []).reduce((sum, set) => sum + set.keptBytes, 0);

export class WorkerRuns {
  private readonly runs = new Map<number, WorkerRun>();

  /** Starts keeping a run's text; the oldest runs beyond MAX_RUNS are let go. */
  add(id: number, text: string, maxTokens: number | undefined, how: { pair?: boolean; decoding?: RunDecoding } = {}): void {
    this.runs.delete(id);
    this.runs.set(id, { text, maxTokens, pair: how.pair ?? false, ...(how.decoding ? { decoding: how.decoding } : {}) });
    for (const old of this.runs.keys()) {
      if (this.runs.size <= MAX_RUNS) break;
      this.runs.delete(old);
    }
  }

  get(id: number): WorkerRun {
    const run = this.runs.get(id);
    if (!run) throw runNotKept();
    return run;
  }

  /**
   * Called just before a run that returns attention: older runs' maps are let go until at most
   * MAX_RUNS_WITH_MAPS − 1 remain within OLDER_MAPS_BYTES, so that a long run's maps are never held twice.
   */
  makeRoomForMaps(): void {
    const withMaps = [...this.runs.values()].filter((run) => run.sets).reverse();
    let bytes = 0;
    withMaps.forEach((run, newer) => {
      bytes += bytesOf(run.sets);
      if (newer >= MAX_RUNS_WITH_MAPS - 1 || bytes > OLDER_MAPS_BYTES) run.sets = undefined;
    });
  }

  keepMaps(id: number, sets: AttentionSource[]): void {
    this.get(id).sets = sets;
  }

  /** A kept run's attention sets. */
  setsOf(id: number): AttentionSource[] {
    const sets = this.runs.get(id)?.sets;
    if (!sets) throw attentionNotKept();
    return sets;
  }

  /** One kept set of a run. */
  set(id: number, name: string): AttentionSource {
    const set = this.setsOf(id).find((s) => s.set === name);
    if (!set) throw new LensError(`this run has no attention set named ${JSON.stringify(name)}`, 'model-unsupported');
    return set;
  }

  clear(): void {
    this.runs.clear();
  }

  /** Runs whose maps are kept, and their bytes (WorkerHealth). */
  holdings(): { keptRuns: number; keptBytes: number } {
    const withMaps = [...this.runs.values()].filter((run) => run.sets);
    return { keptRuns: withMaps.length, keptBytes: withMaps.reduce((sum, run) => sum + bytesOf(run.sets), 0) };
  }
}
