// Two runs compared: Compare with Previous Run (the current run against the one before it, in the inspector's
// Compare runs tab), Pin Run as Baseline (later runs are compared with this one) and Export Run Comparison (JSON).
import * as vscode from 'vscode';
import { comparisonReport } from '../export/comparisonReport';
import { exportNotice, showExportNotice } from '../export/exportNotice';
import { EXPORT_FILTERS } from '../export/exporter';
import { modelSlug } from '../export/fileName';
import type { CommandDeps, CommandOutcome } from './registerCommands';

function failed(d: CommandDeps, error: unknown): CommandOutcome {
  d.controller.fail(error);
  return { ok: false, error: (error as Error).message };
}

function currentRun(d: CommandDeps) {
  const run = d.controller.current;
  if (!run) throw new Error('Nothing to compare yet: inspect a selection first.');
  return run;
}

export function compareRunCommands(d: CommandDeps): vscode.Disposable[] {
  const comparer = d.controller.queries.comparer;
  return [
    vscode.commands.registerCommand('attentionLens.compareWithPrevious', (): CommandOutcome => {
      try {
        const run = currentRun(d);
        comparer.pin(run, false);
        // Says now, not only in the tab, when there is nothing to compare with or the runs' models differ.
        const { baseline } = comparer.compareTokens(run);
        d.inspector.show().showComparison(true);
        return { ok: true, detail: String(baseline.runId) };
      } catch (error) {
        return failed(d, error);
      }
    }),
    vscode.commands.registerCommand('attentionLens.pinBaseline', (): CommandOutcome => {
      try {
        const run = currentRun(d);
        comparer.pin(run, true);
        d.inspector.channel?.showComparison(false);
        vscode.window.setStatusBarMessage(`Attention Lens: run ${run.runId} is the baseline; inspect again to compare with it`, 5000);
        return { ok: true, detail: String(run.runId) };
      } catch (error) {
        return failed(d, error);
      }
    }),
    // args (host-side callers only): the file to write, instead of asking in a save dialog.
    vscode.commands.registerCommand('attentionLens.exportComparison', async (args?: { uri?: unknown }): Promise<CommandOutcome> => {
      try {
        const run = currentRun(d);
        const { comparison } = comparer.compareTokens(run);
        const json = comparisonReport(run, comparison, await comparer.headChanges(run));
        const name = `${modelSlug(run.summary.model.id)}_run-comparison.json`;
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const uri =
          args?.uri instanceof vscode.Uri
            ? args.uri
            : await vscode.window.showSaveDialog({
                title: 'Attention Lens: Export Run Comparison',
                defaultUri: folder && vscode.Uri.joinPath(folder, name),
                filters: EXPORT_FILTERS.json,
              });
        if (!uri) return { ok: false, cancelled: true };
        await vscode.workspace.fs.writeFile(uri, Buffer.from(json, 'utf8'));
        d.log.info(`exported the comparison of run ${run.runId} with run ${comparison.baseline.runId} to ${uri.fsPath}`);
        showExportNotice(await exportNotice(uri, 'json'), d.log);
        return { ok: true, detail: uri.toString() };
      } catch (error) {
        return failed(d, error);
      }
    }),
  ];
}
