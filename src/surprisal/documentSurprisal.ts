// One document's surprisal as the editor knows it: the windows' scores that have arrived for the text last planned
// (typed arrays per window: each token's span, bits and probability, nothing else), the scores that are current
// for it, and where the pending part starts (scores from there on belong to text that has changed, or are not
// computed yet). Never a stale value shown as current: an edit cuts the current scores at its offset.
import type { ScanPlan } from '../core/surprisal/surprisalScan';
import { tokenAt } from '../core/surprisal/surprisalScale';
import { valueOrNull, type WindowScores } from '../core/surprisal/windowScores';

/** A scored token whose score is current: its span, bits (null with nothing before it) and probability. */
export interface CurrentToken {
  index: number;
  start: number;
  end: number;
  bits: number | null;
  probability: number | null;
}

export class DocumentSurprisal {
  /** Scores of tokens [0, scoredCount), window by window in order. */
  private windows: WindowScores[] = [];
  /** Tokens of the text last planned (those past the scored ones arrive with their windows' scores). */
  private tokenCount = 0;
  /** Offset before which scores are current; undefined when every token has its current score. */
  private validUntil: number | undefined = 0;
  /** The worker's generation of the last plan: the tokens kept and scored are that plan's (surprisalTop names it). */
  generation = 0;
  /** Windows run by the last scan (tests count them). */
  windowsRun = 0;
  windowsPlanned = 0;

  /** A new plan: scores before its first stale window's scored range are kept, the rest dropped. */
  planned(plan: ScanPlan): void {
    this.keepUntil(plan.tokensFrom);
    this.tokenCount = plan.tokenCount;
    this.generation = plan.generation;
    this.windowsRun = 0;
    this.windowsPlanned = plan.windows.length - plan.firstStale;
    this.validUntil = plan.tokensFrom < plan.tokenCount ? plan.pendingFrom : undefined;
  }

  /** A window's scores; pending goes on from the end of its last token. */
  scored(scores: WindowScores): void {
    this.keepUntil(scores.from);
    this.windows.push(scores);
    this.windowsRun++;
    const count = scores.bits.length;
    this.validUntil = count > 0 && scores.from + count < this.tokenCount ? scores.ends[count - 1] : undefined;
  }

  /** The text changed from `offset` on: nothing there is current until the next plan scores it. */
  edited(offset: number): void {
    this.validUntil = Math.min(this.validUntil ?? Infinity, offset);
  }

  /** Where pending starts, or undefined when everything is current. */
  pendingFrom(): number | undefined {
    return this.validUntil;
  }

  /** Scored tokens whose scores are current (end before the pending part), in order. */
  currentTokens(): CurrentToken[] {
    const until = this.validUntil ?? Infinity;
    const out: CurrentToken[] = [];
    for (const w of this.windows) {
      for (let j = 0; j < w.bits.length && w.ends[j] <= until; j++) out.push(tokenOf(w, j));
    }
    return out;
  }

  /** The token whose span holds `offset`, if its score is current. */
  currentAt(offset: number): CurrentToken | undefined {
    // The first window whose last token ends after the offset is the one that can hold it (spans are in order).
    let lo = 0;
    let hi = this.windows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const w = this.windows[mid];
      if (w.ends[w.ends.length - 1] > offset) hi = mid;
      else lo = mid + 1;
    }
    const w = this.windows[lo];
    const j = w && tokenAt(w.starts, w.ends, offset);
    if (j === undefined || w.ends[j] > (this.validUntil ?? Infinity)) return undefined;
    return tokenOf(w, j);
  }

  /** How many tokens have scores (current or not): the host's holdings grow with this, 24 bytes a token. */
  get scoredCount(): number {
    const last = this.windows.at(-1);
    return last ? last.from + last.bits.length : 0;
  }

  /** Drops the scores of tokens from `count` on (a window straddling it keeps its first part). */
  private keepUntil(count: number): void {
    while (this.windows.length > 0 && this.windows[this.windows.length - 1].from >= count) this.windows.pop();
    const last = this.windows.at(-1);
    if (!last || last.from + last.bits.length <= count) return;
    const n = count - last.from;
    this.windows[this.windows.length - 1] = {
      from: last.from,
      starts: last.starts.subarray(0, n),
      ends: last.ends.subarray(0, n),
      bits: last.bits.subarray(0, n),
      probabilities: last.probabilities.subarray(0, n),
    };
  }
}

function tokenOf(w: WindowScores, j: number): CurrentToken {
  return {
    index: w.from + j,
    start: w.starts[j],
    end: w.ends[j],
    bits: valueOrNull(w.bits[j]),
    probability: valueOrNull(w.probabilities[j]),
  };
}
