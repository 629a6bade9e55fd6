// Attention Lens: Open Run File…: a run file (schema/attention-lens-run.schema.json) shown in a panel of the
// inspector's webview, with every view its content allows. No model runs: the panel's requests are answered from the
// file (FileRun), and the summary line says the run was read from a file. The file is untrusted content whatever the
// workspace's trust: it is bounded in bytes, then read by the same checks as `attention-lens validate`, and the
// webview's messages are validated as the inspector's are.
import * as vscode from 'vscode';
import { FileRun } from '../core/runFile/fileRun';
import { MAX_RUN_FILE_BYTES, problemLines } from '../core/runFile/problems';
import { parseRunFile } from '../core/runFile/readRunFile';
import { adoptLensPanel, createLensPanel, WebviewReadiness } from '../panels/lensPanel';
import { FromWebviewType, parseFromWebview, ToWebviewType, type ToWebviewMessage } from '../protocol';

export const RUN_FILE_VIEW_TYPE = 'attentionLens.runFile';
/** Problems listed in the error notification; all of them go to the log. */
const SHOWN_PROBLEMS = 3;

export class RunFilePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private run: FileRun | undefined;
  private nextRunId = 1;
  private readonly readiness = new WebviewReadiness();
  /** What was posted, newest last, and messages rejected by validation (tests read both). */
  readonly sent: ToWebviewMessage[] = [];
  dropped = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Opens `uri` (or the file the user picks) in the panel; undefined, with the reason shown, when it is not a valid run file. */
  async open(uri?: vscode.Uri): Promise<FileRun | undefined> {
    const picked = uri ?? (await pickRunFile());
    if (!picked) return undefined;
    const name = picked.path.split('/').pop() ?? 'run file';
    try {
      const { size } = await vscode.workspace.fs.stat(picked);
      if (size > MAX_RUN_FILE_BYTES) throw new Error(`${name} is ${size} bytes; at most ${MAX_RUN_FILE_BYTES} are read`);
      const reading = parseRunFile(new TextDecoder().decode(await vscode.workspace.fs.readFile(picked)), name);
      if (!reading.ok) {
        const lines = problemLines(reading.problems, reading.unlisted);
        this.log.warn(`run file ${picked.toString()} refused:\n  ${lines.join('\n  ')}`);
        const more = lines.length > SHOWN_PROBLEMS ? ` (${lines.length - SHOWN_PROBLEMS} more in the log)` : '';
        throw new Error(`${name} is not a valid run file: ${lines.slice(0, SHOWN_PROBLEMS).join('; ')}${more}`);
      }
      this.run = new FileRun(reading.run, this.nextRunId++);
      this.log.info(`run file ${picked.toString()} opened: ${this.run.summary.tokens.length} tokens`);
    } catch (error) {
      void vscode.window.showErrorMessage(`Attention Lens: ${(error as Error).message}`);
      return undefined;
    }
    this.show(name);
    if (this.readiness.isReady) this.replay();
    return this.run;
  }

  private show(name: string): void {
    const title = `${name} (run file)`;
    if (this.panel) {
      this.panel.title = title;
      if (!this.panel.visible) this.panel.reveal();
      return;
    }
    const panel = createLensPanel(this.extensionUri, RUN_FILE_VIEW_TYPE, title, vscode.ViewColumn.Active);
    this.panel = panel;
    adoptLensPanel(panel, this.extensionUri, 'inspector', {
      receive: (raw) => void this.receive(raw),
      readiness: this.readiness,
      closed: () => {
        if (this.panel === panel) this.panel = undefined;
      },
    });
  }

  whenReady(): Promise<void> {
    return this.readiness.whenReady();
  }

  private post(message: ToWebviewMessage): void {
    if (!this.panel || !this.readiness.isReady) return;
    this.sent.push(message);
    void this.panel.webview.postMessage(message);
  }

  /** The run and its overviews (the summary line says where it came from); a failure shown before is cleared. */
  private replay(): void {
    const run = this.run;
    if (!run) return;
    this.post({ type: ToWebviewType.Result, summary: run.summary });
    for (const overview of run.overviews()) this.post({ type: ToWebviewType.Overview, overview });
    this.post({ type: ToWebviewType.Status, state: 'idle', message: '' });
  }

  /** A message from the webview: validated first (tests call this as the webview would). */
  async receive(raw: unknown): Promise<void> {
    const parsed = parseFromWebview(raw);
    if (!parsed.ok) {
      this.dropped++;
      this.log.warn(`run file view: message dropped (${parsed.reason})`);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case FromWebviewType.Ready:
        this.readiness.set();
        this.replay();
        break;
      case FromWebviewType.Request: {
        const { requestId, method, params } = message;
        const reply = { type: ToWebviewType.Reply, inReplyTo: requestId } as const;
        try {
          if (!this.run) throw new Error('no run file is open');
          this.post({ ...reply, result: await this.run.answer(method, params) });
        } catch (error) {
          this.post({ ...reply, error: (error as Error).message });
        }
        break;
      }
      case FromWebviewType.SelectModel:
        await vscode.commands.executeCommand('attentionLens.selectModel');
        break;
      case FromWebviewType.Export:
        void vscode.window.showInformationMessage('Attention Lens: this run is already a file; export from the inspector of a live run.');
        break;
      // No editor holds a run file's text, no model can re-run it, and no other view follows this panel.
      case FromWebviewType.RevealToken:
      case FromWebviewType.Rerun:
      case FromWebviewType.ExportRendered:
      case FromWebviewType.ViewFocus:
        break;
    }
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

async function pickRunFile(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Open Run File',
    filters: { 'Attention Lens run files': ['attention.json', 'json'] },
  });
  return picked?.[0];
}
