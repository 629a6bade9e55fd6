// One document's surprisal as the editor knows it: the tokens of the text last planned that have arrived (with
// their scores), the scores that are current for it, and where the pending part starts (scores from there on
// belong to text that has changed, or are not computed yet). Never a stale value shown as current: an edit cuts
// the current scores at its offset.
import type { ScanPlan, ScanToken, TokenScore } from '../core/surprisal/surprisalScan';

export class DocumentSurprisal {
  private tokens: ScanToken[] = [];
  private scores: (TokenScore | undefined)[] = [];
  /** Tokens of the text last planned (those past the scored ones arrive with their windows' scores). */
  private tokenCount = 0;
  /** Offset before which scores are current; undefined when every token has its current score. */
  private validUntil: number | undefined = 0;
  /** Windows run by the last scan (tests count them). */
  windowsRun = 0;
  windowsPlanned = 0;

  /** A new plan: tokens and scores before its first stale window's scored range are kept, the rest dropped. */
  planned(plan: ScanPlan): void {
    this.tokens.length = Math.min(this.tokens.length, plan.tokensFrom);
    this.scores.length = this.tokens.length;
    this.tokenCount = plan.tokenCount;
    this.windowsRun = 0;
    this.windowsPlanned = plan.windows.length - plan.firstStale;
    this.validUntil = plan.tokensFrom < plan.tokenCount ? plan.pendingFrom : undefined;
  }

  /** A window's scores, with the tokens they score; pending goes on from the end of its last token. */
  scored(scores: readonly TokenScore[]): void {
    for (const s of scores) {
      this.tokens[s.index] = s.token;
      this.scores[s.index] = s;
    }
    this.windowsRun++;
    const last = scores.at(-1);
    this.validUntil = last && last.index + 1 < this.tokenCount ? last.token.end : undefined;
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
}
