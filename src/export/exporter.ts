// Export…: PNG and SVG are drawn by the webview (it has the view) and sent back as titled figures; HTML and JSON
// are written by the host from the run it keeps. The file is always chosen in a save dialog — a webview never
// names a path, only what its picture shows, which becomes part of the default name (the `target` parameter —
// a file, or a folder to write the default name into — exists only for host-side callers such as the tests).
// A notification then offers to open or reveal the file.
import * as vscode from 'vscode';
import type { ExportFormat, PredictionView } from '../protocol';
import type { WebviewChannel } from '../panels/webviewChannel';
import type { InspectController } from '../session/inspectController';
import type { RunRecord } from '../session/runState';
import { exportNotice, showExportNotice, type ExportNotice } from './exportNotice';
import { exportFileName } from './fileName';
import { htmlReport, jsonReport } from './reports';

/** The save dialog's file types of each format (Compare Tokenizers' exports use them too). */
export const EXPORT_FILTERS: Record<ExportFormat, Record<string, string[]>> = {
  png: { 'PNG image': ['png'] },
  svg: { 'SVG image': ['svg'] },
  html: { 'HTML report': ['html'] },
  json: { JSON: ['json'] },
};

export class Exporter {
  /** The notice of the last export (tests act on it as a user would). */
  lastNotice: ExportNotice | undefined;

  constructor(
    private readonly controller: InspectController,
    /** The webview that shows the run (the inspector panel, else the side view), if one is showing. */
    private readonly view: () => WebviewChannel | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async pickFormat(): Promise<ExportFormat | undefined> {
    const picked = await vscode.window.showQuickPick(
      [
        { label: 'PNG', description: 'the current view as an image', format: 'png' as const },
        { label: 'SVG', description: 'the current view as a vector image', format: 'svg' as const },
        { label: 'HTML', description: 'a self-contained report: text, tokens, predictions and the view', format: 'html' as const },
        { label: 'JSON', description: 'tokens, attention of every layer and head, and predictions', format: 'json' as const },
      ],
      { title: 'Attention Lens: Export', placeHolder: 'Export the current inspection as…' },
    );
    return picked?.format;
  }

  /** Writes the export; returns where, or undefined when the user cancelled the dialog. Throws with a readable message. */
  async export(format: ExportFormat, target?: { file: vscode.Uri } | { folder: vscode.Uri }): Promise<vscode.Uri | undefined> {
    const run = this.controller.current;
    if (!run) throw new Error('Nothing to export yet: inspect a selection first.');
    let bytes: Uint8Array;
    let shows: string | undefined;
    if (format === 'png' || format === 'svg') {
      ({ bytes, name: shows } = await this.renderInView(format));
    } else if (format === 'json') {
      const maps = await this.controller.queries.maps(run);
      const rollout = await this.controller.queries.rollouts(run);
      const { maskedAt } = this.controller.runs.predictions(run.runId);
      const ablation = this.controller.runs.ablation(run.runId);
      const logitLens = this.controller.queries.computedLens(run);
      bytes = Buffer.from(jsonReport(run, maps, maskedAt, await this.unmasked(run), { ablation, rollout, logitLens }), 'utf8');
    } else {
      // The picture is optional in the report: without a showing view the tables still say everything.
      const picture = await this.renderInView('svg').then(
        (svg) => ({ mime: 'image/svg+xml', base64: Buffer.from(svg.bytes).toString('base64') }),
        () => undefined,
      );
      bytes = Buffer.from(htmlReport(run, await this.unmasked(run), picture, this.controller.runs.ablation(run.runId)), 'utf8');
    }
    const name = exportFileName(run.summary.model.id, format, shows);
    const uri =
      target && 'file' in target ? target.file : target ? vscode.Uri.joinPath(target.folder, name) : await this.askWhere(format, name);
    if (!uri) return undefined;
    await vscode.workspace.fs.writeFile(uri, bytes);
    this.log.info(`exported run ${run.runId} as ${format.toUpperCase()} (${bytes.byteLength} bytes) to ${uri.fsPath}`);
    this.lastNotice = await exportNotice(uri, format);
    showExportNotice(this.lastNotice, this.log);
    return uri;
  }

  /** The top-k at every position, nothing masked (the reports' per-token column), where the run's model gives it. */
  private unmasked(run: RunRecord): Promise<PredictionView[][] | undefined> {
    return run.summary.capabilities.unmasked ? this.controller.queries.unmasked(run) : Promise.resolve(undefined);
  }

  /** The view's figure and the name of what it shows. */
  private async renderInView(format: 'png' | 'svg'): Promise<{ bytes: Uint8Array; name?: string }> {
    const channel = this.view();
    if (!channel?.isReady) throw new Error(`Open the inspector panel to export the view as ${format.toUpperCase()}.`);
    const rendered = await channel.render(format);
    if (rendered.error) throw new Error(`The view could not be rendered as ${format.toUpperCase()}: ${rendered.error}`);
    if (rendered.format !== format) throw new Error('The view answered with another format.');
    const data = rendered.data;
    if (format === 'png') {
      if (!(data instanceof Uint8Array) || data.byteLength < 8) throw new Error('The view sent no PNG image.');
      return { bytes: data, name: rendered.name };
    }
    if (typeof data !== 'string' || !data.trimStart().startsWith('<')) throw new Error('The view sent no SVG image.');
    return { bytes: Buffer.from(data, 'utf8'), name: rendered.name };
  }

  private askWhere(format: ExportFormat, name: string): Thenable<vscode.Uri | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    return vscode.window.showSaveDialog({
      title: `Attention Lens: Export ${format.toUpperCase()}`,
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: EXPORT_FILTERS[format],
    });
  }
}
