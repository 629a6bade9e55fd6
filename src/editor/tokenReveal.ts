// A token picked in a view is selected in the editor that shows its document: the group that shows it now, or
// else the one the run came from — never the inspector's own group, where the document would cover the panel
// (and bringing the panel back would reload it). The focus stays in the view, so clicking on through tokens
// or walking them with the arrow keys goes on there.
import * as vscode from 'vscode';
import { tokenRange, type RunRecord, type RunTarget } from '../session/runState';

/** The column that shows the document now, if any. */
export function columnShowing(uri: vscode.Uri): vscode.ViewColumn | undefined {
  return vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString() && e.viewColumn !== undefined)
    ?.viewColumn;
}

function revealColumn(target: RunTarget, inspectorColumn: vscode.ViewColumn | undefined): vscode.ViewColumn {
  const column = columnShowing(target.uri) ?? target.column;
  return column === inspectorColumn ? vscode.ViewColumn.Beside : column;
}

/** Selects token `index` of the run in the editor; does nothing for a run with no editor text or a stale one. */
export async function revealToken(run: RunRecord, index: number, inspectorColumn: vscode.ViewColumn | undefined): Promise<void> {
  const target = run.target;
  if (!target || run.stale) return;
  const editor = await vscode.window.showTextDocument(target.uri, {
    viewColumn: revealColumn(target, inspectorColumn),
    preserveFocus: true,
    preview: false,
  });
  const range = tokenRange(run, editor.document, index);
  if (!range || editor.document.version !== target.version) return;
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
