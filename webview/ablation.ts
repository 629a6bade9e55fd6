// Head ablation in the webview: the heads chosen (UiState.ablated, shift-click in the model view) and the mode, and
// the host's answer for the shown run, asked once per run, heads and mode (a toggle is one run in the worker).
import { headLabel, type AblationMode, type AblationView, type HeadRef } from '../src/protocol/ablation';
import type { RunSummary } from '../src/protocol';
import type { HostLink } from './host';

/** What the views show of the ablation: nothing chosen, the host's answer, its error, or a wait. */
export type AblationStatus =
  | { state: 'none' }
  | { state: 'unavailable'; reason: string }
  | { state: 'waiting'; heads: string[] }
  | { state: 'failed'; message: string }
  | { state: 'ready'; view: AblationView };

export const ablationKey = (runId: number, heads: readonly HeadRef[], mode: AblationMode): string =>
  `${runId}|${mode}|${heads.map(headLabel).join(',')}`;

export class AblationData {
  private key = '';
  private answer: AblationView | { failed: string } | 'asked' | undefined;

  constructor(
    private readonly host: HostLink,
    private readonly onChange: () => void,
  ) {}

  /**
   * The ablation of `summary` with these heads and mode: asked of the host the first time it is wanted. No heads
   * after some were asked for this run: the host is told (its exports then name no ablation).
   */
  status(summary: RunSummary | null, heads: readonly HeadRef[], mode: AblationMode): AblationStatus {
    if (summary && heads.length === 0 && this.key.startsWith(`${summary.runId}|`) && !this.key.endsWith('|')) {
      this.key = ablationKey(summary.runId, [], mode);
      this.answer = undefined;
      this.host.request('ablate', { runId: summary.runId, heads: [], mode }).catch(() => undefined);
    }
    if (!summary || heads.length === 0) return { state: 'none' };
    const can = summary.ablation;
    if (can?.available !== true) {
      return { state: 'unavailable', reason: can?.available === false ? can.reason : "this kind of model's graphs take no head gate" };
    }
    const key = ablationKey(summary.runId, heads, mode);
    if (key !== this.key) {
      this.key = key;
      this.answer = 'asked';
      const params = { runId: summary.runId, heads: heads.map((h) => ({ ...h })), mode };
      this.host.request('ablate', params).then(
        (view) => this.settle(key, view),
        (error: Error) => this.settle(key, { failed: error.message }),
      );
    }
    const answer = this.answer;
    if (answer === 'asked' || answer === undefined) return { state: 'waiting', heads: heads.map(headLabel) };
    return 'failed' in answer ? { state: 'failed', message: answer.failed } : { state: 'ready', view: answer };
  }

  private settle(key: string, answer: AblationView | { failed: string }): void {
    // A newer choice of heads, or a newer run, replaced this one while it ran.
    if (key !== this.key) return;
    this.answer = answer;
    this.onChange();
  }
}
