// One document's surprisal as the editor knows it: the tokens of the text last planned, the scores that are
// current for it, and where the pending part starts (scores from there on belong to text that has changed, or
// are not computed yet). Never a stale value shown as current: an edit cuts the current scores at its offset.
import type { ScanPlan, ScanToken, TokenScore } from '../core/surprisal/surprisalScan';

export class DocumentSurprisal {
  private tokens: ScanToken[] = [];
  private scores: (TokenScore | undefined)[] = [];
  /** Offset before which scores are current; undefined when every token has its current score. */
  private validUntil: number | undefined = 0;
  /** Windows run by the last scan (tests count them). */
  windowsRun = 0;
  windowsPlanned = 0;

  /** A new plan: tokens and scores before its first stale window's scored range are kept, the rest replaced. */
  planned(plan: ScanPlan): void {
    const keepBefore = plan.tokensFrom;
    this.tokens = [...this.tokens.slice(0, keepBefore), ...plan.tokens];
    this.scores = this.tokens.map((_, i) => (i < keepBefore ? this.scores[i] : undefined));
    this.windowsRun = 0;
    this.windowsPlanned = plan.windows.length - plan.firstStale;
    this.validUntil = this.offsetOf(keepBefore);
  }

  scored(scores: readonly TokenScore[]): void {
    for (const s of scores) this.scores[s.index] = s;
    this.windowsRun++;
    const last = scores.at(-1);
    this.validUntil = last && last.index + 1 < this.tokens.length ? this.offsetOf(last.index + 1) : undefined;
  }

  /** The text changed from `offset` on: nothing there is current until the next plan scores it. */
  edited(offset: number): void {
    this.validUntil = Math.min(this.validUntil ?? Infinity, offset);
  }

  /** Where pending starts, or undefined when everything is current. */
  pendingFrom(): number | undefined {
    return this.validUntil;
  }

  /** Scored tokens whose scores are current (end before the pending part). */
  currentTokens(): { token: ScanToken; score: TokenScore }[] {
    const until = this.validUntil ?? Infinity;
    const out: { token: ScanToken; score: TokenScore }[] = [];
    for (let i = 0; i < this.tokens.length; i++) {
      const score = this.scores[i];
      if (score && this.tokens[i].end <= until) out.push({ token: this.tokens[i], score });
    }
    return out;
  }

  /** The token at `index`, if its score is current. */
  currentAt(index: number): { token: ScanToken; score: TokenScore } | undefined {
    const token = this.tokens[index];
    const score = this.scores[index];
    if (!token || !score || token.end > (this.validUntil ?? Infinity)) return undefined;
    return { token, score };
  }

  get allTokens(): readonly ScanToken[] {
    return this.tokens;
  }

  private offsetOf(index: number): number {
    const token = this.tokens[index];
    return token ? token.start : (this.tokens.at(-1)?.end ?? 0);
  }
}
