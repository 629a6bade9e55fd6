// Attention rollout of the current run as the matrix shows it: R_l by set and layer, asked of the host once each
// (the worker computes the chain and keeps it), and the editor shading by the selected token's row, asked only when
// what is shaded changes. Everything is dropped when the run changes.
import { attentionSet, type AttentionLayer } from '../src/protocol';
import type { App } from './app';

/** Rollouts kept: a 512-token R is 1 MB. */
const MAX_KEPT = 8;

export class RolloutData {
  private runId = -1;
  private readonly layers = new Map<string, AttentionLayer | 'asked' | { failed: string }>();
  /** What the editor was last asked to shade ('' = nothing). */
  private shaded = '';

  constructor(private readonly app: App) {}

  /** R_layer of the set: here, asked for (undefined until it comes), or the host's reason it cannot be. */
  layer(set: string, layer: number): AttentionLayer | { failed: string } | undefined {
    this.followRun();
    const key = `${set}/${layer}`;
    const kept = this.layers.get(key);
    if (kept === 'asked') return undefined;
    if (kept) return kept;
    this.layers.set(key, 'asked');
    for (const old of this.layers.keys()) if (this.layers.size > MAX_KEPT) this.layers.delete(old);
    const runId = this.runId;
    this.app.host.request('rollout', { runId, set, layer }).then(
      (r) => this.keep(runId, key, r.runId === runId && r.set === set && r.layer === layer ? r : { failed: 'a reply for another layer' }),
      (error: Error) => this.keep(runId, key, { failed: error.message }),
    );
    return undefined;
  }

  /**
   * Shades the inspected text by row `query` of R_layer of the set (a set over the input's tokens), or clears it
   * (query null); asks the host only when that changes.
   */
  shade(set: string, layer: number, query: number | null): void {
    this.followRun();
    const s = this.app.data.summary;
    const overInput = s && attentionSet(s, set)?.keys === 'input';
    const want = query !== null && overInput ? `${this.runId}/${set}/${layer}/${query}` : '';
    if (want === this.shaded) return;
    this.shaded = want;
    const params = { runId: this.runId, set, layer, query: want ? query : null };
    // A failure is the rollout's too: the matrix shows that reason.
    this.app.host.request('shadeRollout', params).catch(() => undefined);
  }

  private keep(runId: number, key: string, value: AttentionLayer | { failed: string }): void {
    if (runId !== this.runId) return;
    this.layers.set(key, value);
    this.app.invalidate();
  }

  private followRun(): void {
    const runId = this.app.data.summary?.runId ?? -1;
    if (runId === this.runId) return;
    this.runId = runId;
    this.layers.clear();
    // The host clears the shading of a run that changed.
    this.shaded = '';
  }
}
