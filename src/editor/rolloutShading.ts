// Attention rollout in the editor: for one query token, each input token's span shaded by how much that token
// draws from it (row q of R_l, src/core/analysis/rollout.ts), in a few steps of one theme-aware colour, each
// span's hover saying what the shading is. Cleared when the run changes or goes stale, and when asked.
import * as vscode from 'vscode';
import type { InspectController } from '../session/inspectController';
import { sameDocument, tokenRange, type RunRecord } from '../session/runState';

/** Shading steps: a weight at or above step/STEPS of the row's largest gets that step (the smallest are left plain). */
const STEPS = 6;

/** A step's background, darker (in light themes) or brighter (in dark ones) as the step grows. */
function stepStyle(step: number): vscode.DecorationRenderOptions {
  const alpha = (0.12 + (0.6 * step) / STEPS).toFixed(2);
  return {
    light: { backgroundColor: `rgba(214, 96, 0, ${alpha})` },
    dark: { backgroundColor: `rgba(255, 176, 64, ${alpha})` },
    borderRadius: '2px',
  };
}

export interface ShadedSpan {
  range: vscode.Range;
  token: number;
  weight: number;
  /** The span's hover: what the shading is. */
  what: string;
}

export class RolloutShading implements vscode.Disposable {
  private readonly steps = Array.from({ length: STEPS }, (_, i) => vscode.window.createTextEditorDecorationType(stepStyle(i + 1)));
  private readonly subscriptions: vscode.Disposable[] = [];
  /** The spans last shaded and their weights (tests compare them with the rollout row). */
  lastShaded: ShadedSpan[] = [];

  constructor(private readonly controller: InspectController) {
    this.subscriptions.push(
      controller.onDidChange((e) => {
        if (e.kind === 'result' || e.kind === 'stale') this.clear();
      }),
    );
  }

  /** Shades the run's text by row `query` of R_layer of `set`; null clears. Resolves to the tokens shaded. */
  async shade(run: RunRecord, at: { set: string; layer: number; query: number | null }): Promise<number> {
    if (at.query === null) {
      this.clear();
      return 0;
    }
    const view = run.summary.attentionSets.find((s) => s.name === at.set);
    if (view?.keys !== 'input') throw new Error(`the ${view?.label ?? at.set} set's keys are not the inspected text: nothing to shade`);
    const rollout = await this.controller.queries.rollout(run, at.set, at.layer);
    if (at.query >= rollout.queries) throw new Error(`token ${at.query} is outside the run's ${rollout.queries} tokens`);
    // The run may have changed or gone stale while the rollout was computed: its spans would then be wrong.
    if (this.controller.current !== run || run.stale) return 0;
    const row = rollout.data.subarray(at.query * rollout.keys, (at.query + 1) * rollout.keys);
    const query = run.summary.tokens[at.query];
    const top = row.reduce((m, w) => Math.max(m, w), 0);
    const editor = vscode.window.visibleTextEditors.find((e) => sameDocument(run, e.document));
    const byStep: vscode.DecorationOptions[][] = this.steps.map(() => []);
    const shaded: ShadedSpan[] = [];
    row.forEach((weight, token) => {
      const step = top > 0 ? Math.floor((weight / top) * STEPS) : 0;
      const range = editor && tokenRange(run, editor.document, token);
      if (!range || range.isEmpty || step < 1) return;
      const what = `Attention rollout, layer ${at.layer}: "${query.display}" (#${at.query}) draws ${weight.toFixed(4)} from this token`;
      byStep[Math.min(step, STEPS) - 1].push({ range, hoverMessage: new vscode.MarkdownString().appendText(what) });
      shaded.push({ range, token, weight, what });
    });
    this.clear();
    if (editor) this.steps.forEach((type, i) => editor.setDecorations(type, byStep[i]));
    this.lastShaded = shaded;
    return shaded.length;
  }

  clear(): void {
    this.lastShaded = [];
    for (const editor of vscode.window.visibleTextEditors) for (const type of this.steps) editor.setDecorations(type, []);
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    for (const type of this.steps) type.dispose();
  }
}
