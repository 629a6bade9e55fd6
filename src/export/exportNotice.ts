// After an export is saved: a notification that names the file, with "Open" (in VS Code: an image preview, the
// report's source) and "Reveal" (the Explorer for a file in the workspace, else the operating system's).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExportFormat } from '../protocol';

export interface ExportNotice {
  message: string;
  actions: { label: 'Open' | 'Reveal'; run(): Thenable<unknown> }[];
}

export function exportNotice(uri: vscode.Uri, format: ExportFormat): ExportNotice {
  const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
  return {
    message: `Attention Lens: exported ${format.toUpperCase()} to ${path.basename(uri.fsPath)}`,
    actions: [
      { label: 'Open', run: () => vscode.commands.executeCommand('vscode.open', uri) },
      { label: 'Reveal', run: () => vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', uri) },
    ],
  };
}

/** Shows the notice without waiting for it: the export is done whether or not the user answers. */
export function showExportNotice(notice: ExportNotice, log: vscode.LogOutputChannel): void {
  void vscode.window.showInformationMessage(notice.message, ...notice.actions.map((a) => a.label)).then((label) =>
    notice.actions.find((a) => a.label === label)?.run().then(undefined, (error: unknown) => log.warn(`${label} failed: ${(error as Error).message}`)),
  );
}
