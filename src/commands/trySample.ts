// Try on a Sample Sentence: the walkthrough's first step. A first run needs text and a selection; this opens an
// untitled document with a sentence whose attention is worth a look ("it" → "animal"), selects it and inspects it.
import * as vscode from 'vscode';
import { SAMPLE_TEXT } from './sampleText';

/** The inspected run's id, as Inspect Selection returns it (undefined when it failed or was cancelled). */
async function trySample(): Promise<number | undefined> {
  const document = await vscode.workspace.openTextDocument({ content: SAMPLE_TEXT, language: 'plaintext' });
  const editor = await vscode.window.showTextDocument(document, { preview: false, viewColumn: vscode.ViewColumn.One });
  const first = document.lineAt(0).range;
  editor.selection = new vscode.Selection(first.start, first.end);
  return vscode.commands.executeCommand<number | undefined>('attentionLens.inspectSelection');
}

export function registerTrySample(): vscode.Disposable {
  return vscode.commands.registerCommand('attentionLens.trySample', trySample);
}
