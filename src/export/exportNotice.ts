// After an export is saved: a notification that names the file, with "Open" (in VS Code: an image preview, the
// report's source) and "Reveal" (the Explorer for a file in the workspace, else the operating system's file
// manager where VS Code has one: a browser-hosted VS Code has none, and then only "Open" is offered).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExportFormat } from '../protocol';

export interface ExportNotice {
  message: string;
  actions: { label: 'Open' | 'Reveal'; run(): Thenable<unknown> }[];
}

export async function exportNotice(uri: vscode.Uri, format: ExportFormat): Promise<ExportNotice> {
  const reveal =
    vscode.workspace.getWorkspaceFolder(uri) !== undefined
      ? 'revealInExplorer'
      : (await vscode.commands.getCommands(true)).includes('revealFileInOS')
        ? 'revealFileInOS'
        : undefined;
  const actions: ExportNotice['actions'] = [{ label: 'Open', run: () => vscode.commands.executeCommand('vscode.open', uri) }];
  if (reveal) actions.push({ label: 'Reveal', run: () => vscode.commands.executeCommand(reveal, uri) });
  return { message: `Attention Lens: exported ${format.toUpperCase()} to ${path.basename(uri.fsPath)}`, actions };
}

/** Shows the notice without waiting for it: the export is done whether or not the user answers. */
export function showExportNotice(notice: ExportNotice, log: vscode.LogOutputChannel): void {
  void vscode.window.showInformationMessage(notice.message, ...notice.actions.map((a) => a.label)).then((label) =>
    notice.actions
      .find((a) => a.label === label)
      ?.run()
      .then(undefined, (error: unknown) => log.warn(`${label} failed: ${(error as Error).message}`)),
  );
}
