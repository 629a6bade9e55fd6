// The surprisal scans a worker keeps, by document key: a few, so that switching between open files does not
// forget what each last scanned (an edit then re-runs only its stale windows). A new model clears them.
import { ModelRunner } from '../engine/modelRunner';
import type { Runner } from '../engine/runners';
import { LensError } from '../types';
import { NEEDS_CAUSAL, SurprisalScan } from './surprisalScan';

/** Documents whose last scan is kept; the oldest is forgotten past this (its next scan starts from window 0). */
const MAX_SCANS = 4;

export class SurprisalScans {
  private readonly scans = new Map<string, SurprisalScan>();

  /** The scan of `key`, made for the loaded model when there is none. */
  of(key: string, runner: Runner): SurprisalScan {
    let scan = this.scans.get(key);
    if (!scan) {
      // An encoder–decoder's runner scores a target, not a text: only one-graph models scan.
      if (!(runner instanceof ModelRunner)) throw new LensError(NEEDS_CAUSAL, 'model-unsupported');
      scan = new SurprisalScan(runner.model);
    }
    // Most recently used last, so the first key is the one to forget.
    this.scans.delete(key);
    this.scans.set(key, scan);
    for (const old of this.scans.keys()) if (this.scans.size > MAX_SCANS) this.scans.delete(old);
    return scan;
  }

  get(key: string): SurprisalScan {
    const scan = this.scans.get(key);
    if (!scan) throw new LensError('that surprisal scan is no longer kept; scan again', 'cancelled');
    return scan;
  }

  clear(): void {
    this.scans.clear();
  }
}
