// Draws one document's surprisal: a background per colour level (theme colours contributed in package.json), the
// most surprising 1 % marked in the overview ruler, and everything not yet scored for the current text as pending.
import * as vscode from 'vscode';
import { LEVELS, levelOf, mostSurprising } from '../core/surprisal/surprisalScale';
import type { DocumentSurprisal } from './documentSurprisal';

/** The share of scored tokens marked in the overview ruler. */
export const RULER_FRACTION = 0.01;

export class SurprisalView implements vscode.Disposable {
  private readonly levels = Array.from({ length: LEVELS }, (_, i) =>
    vscode.window.createTextEditorDecorationType({ backgroundColor: new vscode.ThemeColor(`attentionLens.surprisal${i + 1}`) }),
  );
  private readonly ruler = vscode.window.createTextEditorDecorationType({
    overviewRulerColor: new vscode.ThemeColor('attentionLens.surprisalRuler'),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
  });
  private readonly pending = vscode.window.createTextEditorDecorationType({
    textDecoration: 'underline dotted',
    opacity: '0.75',
  });
  /** The ranges last drawn, per kind (the integration tests read them). */
  lastDrawn: { levels: vscode.Range[][]; ruler: vscode.Range[]; pending: vscode.Range[] } = { levels: [], ruler: [], pending: [] };

  draw(editor: vscode.TextEditor, state: DocumentSurprisal, scaleBits: number): void {
    const { document } = editor;
    const levels: vscode.Range[][] = this.levels.map(() => []);
    const range = (start: number, end: number) => new vscode.Range(document.positionAt(start), document.positionAt(end));
    const current = state.currentTokens();
    for (const { start, end, bits } of current) {
      if (bits === null || end <= start) continue;
      levels[levelOf(bits, scaleBits)].push(range(start, end));
    }
    const top = mostSurprising(
      current.map((c) => c.bits),
      RULER_FRACTION,
    );
    const ruler = top.map((i) => range(current[i].start, current[i].end));
    const pendingFrom = state.pendingFrom();
    const pending = pendingFrom === undefined ? [] : [range(pendingFrom, document.getText().length)];
    this.levels.forEach((type, i) => editor.setDecorations(type, levels[i]));
    editor.setDecorations(this.ruler, ruler);
    editor.setDecorations(this.pending, pending);
    this.lastDrawn = { levels, ruler, pending };
  }

  clear(editor: vscode.TextEditor): void {
    for (const type of [...this.levels, this.ruler, this.pending]) editor.setDecorations(type, []);
    this.lastDrawn = { levels: [], ruler: [], pending: [] };
  }

  dispose(): void {
    for (const type of [...this.levels, this.ruler, this.pending]) type.dispose();
  }
}
