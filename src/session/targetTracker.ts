// Where the inspected texts lie in their documents: the targets of the runs in flight and of the current run move
// with every edit (a stale run re-runs on what they hold), and an edit to a document is reported.
import * as vscode from 'vscode';
import { columnShowing } from '../editor/tokenReveal';
import type { RunTarget } from './runState';
import { trackRange } from './trackedRange';

export class TargetTracker implements vscode.Disposable {
  private readonly tracked = new Set<RunTarget>();
  private readonly subscription: vscode.Disposable;

  constructor(onEdited: (document: vscode.TextDocument) => void) {
    this.subscription = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length === 0) return;
      const changes = e.contentChanges.map((c) => ({ offset: c.rangeOffset, length: c.rangeLength, inserted: c.text.length }));
      for (const target of this.tracked) {
        if (target.uri.toString() === e.document.uri.toString()) target.now = trackRange(target.now, changes);
      }
      onEdited(e.document);
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.tracked.clear();
  }

  /** Starts tracking the range as the document reads now. */
  track(document: vscode.TextDocument, range: vscode.Range): RunTarget {
    const start = document.offsetAt(range.start);
    const column = columnShowing(document.uri) ?? vscode.window.activeTextEditor?.viewColumn ?? vscode.ViewColumn.One;
    const now = { start, end: document.offsetAt(range.end) };
    const target = { uri: document.uri, version: document.version, baseOffset: start, range, column, now };
    this.tracked.add(target);
    return target;
  }

  release(target: RunTarget | undefined): void {
    if (target) this.tracked.delete(target);
  }
}
