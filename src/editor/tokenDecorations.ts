// Token boundaries on the inspected range: alternating backgrounds with a thin left edge, one decoration per
// token span exactly as the tokenizer reported it. Shown while the setting is on and the run is not stale.
import * as vscode from 'vscode';
import { readConfig, SECTION } from '../config';
import type { InspectController } from '../session/inspectController';
import { sameDocument, tokenRange, type RunRecord } from '../session/runState';

export class TokenDecorations implements vscode.Disposable {
  private readonly even = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.wordHighlightBackground'),
    borderWidth: '0 0 0 1px',
    borderStyle: 'solid',
    borderColor: new vscode.ThemeColor('editorWhitespace.foreground'),
  });
  private readonly odd = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.wordHighlightStrongBackground'),
    borderWidth: '0 0 0 1px',
    borderStyle: 'solid',
    borderColor: new vscode.ThemeColor('editorWhitespace.foreground'),
  });
  private readonly subscriptions: vscode.Disposable[] = [];
  /** The ranges last drawn (tests compare them with the token spans). */
  lastRanges: vscode.Range[] = [];

  constructor(private readonly controller: InspectController) {
    this.subscriptions.push(
      controller.onDidChange((e) => {
        if (e.kind === 'result' || e.kind === 'stale') this.refresh();
      }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refresh()),
    );
  }

  /** Flips the setting (user level); the configuration listener redraws. */
  async toggle(): Promise<boolean> {
    const next = !readConfig().tokenBoundaries;
    await vscode.workspace.getConfiguration(SECTION).update('tokenBoundaries', next, vscode.ConfigurationTarget.Global);
    this.refresh();
    return next;
  }

  refresh(): void {
    const run = this.controller.current;
    const on = readConfig().tokenBoundaries;
    this.lastRanges = [];
    for (const editor of vscode.window.visibleTextEditors) {
      const ranges = on && run && !run.stale && sameDocument(run, editor.document) ? this.rangesFor(run, editor.document) : [];
      editor.setDecorations(
        this.even,
        ranges.filter((_, i) => i % 2 === 0),
      );
      editor.setDecorations(
        this.odd,
        ranges.filter((_, i) => i % 2 === 1),
      );
      if (ranges.length > 0) this.lastRanges = ranges;
    }
  }

  private rangesFor(run: RunRecord, document: vscode.TextDocument): vscode.Range[] {
    const ranges: vscode.Range[] = [];
    for (const token of run.summary.tokens) {
      const range = tokenRange(run, document, token.index);
      if (range && !range.isEmpty) ranges.push(range);
    }
    return ranges;
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.even.dispose();
    this.odd.dispose();
  }
}
