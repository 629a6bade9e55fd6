// Compare Tokenizers: a webview panel beside the editor that shows the selection (or the whole file) as several
// tokenizers cut it, aligned on its characters. The worker tokenizes (no model runs): a whole file would block the
// extension host. The panel replays the last comparison when its webview says ready; every message from it is
// validated (src/protocol/compare.ts). JSON and HTML exports are written from the comparison the host keeps; PNG and
// SVG are drawn by the view (it has the fonts and the layout) on the host's renderExport, as the inspector's are.
import * as vscode from 'vscode';
import type { TokenizerComparison } from '../core/tokenize/compareTokenizers';
import { LensError } from '../core/types';
import type { InferenceEngine } from '../core/worker/inferenceEngine';
import { exportNotice, showExportNotice } from '../export/exportNotice';
import { EXPORT_FILTERS } from '../export/exporter';
import { modelSlug } from '../export/fileName';
import type { ModelManager } from '../models/modelManager';
import { adoptLensPanel, createLensPanel, WebviewReadiness } from '../panels/lensPanel';
import { parseFromCompareWebview, type CompareExportFormat, type ComparisonView, type ToCompareMessage } from '../protocol';
import { compareHtml, compareJson } from './compareReport';
import { comparisonView } from './comparisonView';
import { tokenizerSources } from './tokenizerSources';

export const COMPARE_VIEW_TYPE = 'attentionLens.compareTokenizers';
const TITLE = 'Compare Tokenizers';
/** A file longer than this is compared on its beginning (and the view says so). */
export const MAX_COMPARED_CHARS = 1_000_000;
/** How long the view may take to draw an exported picture. */
const RENDER_TIMEOUT_MS = 30_000;

/** What was compared: the text's place in its document, for revealing a token's span. */
interface Compared {
  uri: vscode.Uri;
  /** Document offset of the compared text's first character. */
  base: number;
  length: number;
  full: TokenizerComparison;
  view: ComparisonView;
}

export class ComparePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly readiness = new WebviewReadiness();
  private compared: Compared | undefined;
  private nextId = 1;
  private nextRenderId = 1;
  /** Pictures asked of the view, by request id. */
  private readonly renders = new Map<number, (data: Uint8Array | string, error?: string) => void>();
  /** What was posted, newest last, and messages rejected by validation (tests read both). */
  readonly sent: ToCompareMessage[] = [];
  dropped = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly engine: InferenceEngine,
    private readonly models: ModelManager,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Compares the active editor's selection, or its whole file when nothing is selected. */
  async compareActiveEditor(): Promise<ComparisonView | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showErrorMessage('Attention Lens: open a file (and select text) to compare tokenizers.');
      return undefined;
    }
    const { document, selection } = editor;
    const whole = selection.isEmpty;
    const range = whole ? new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)) : selection;
    const base = document.offsetAt(range.start);
    let text = document.getText(range);
    const name = document.uri.path.split('/').pop() ?? 'document';
    let source = whole ? `${name} (whole file)` : `selection of ${name}`;
    if (text.length > MAX_COMPARED_CHARS) {
      text = text.slice(0, MAX_COMPARED_CHARS);
      source += `, its first ${MAX_COMPARED_CHARS.toLocaleString('en-US')} characters`;
    }
    this.show();
    if (text.trim().length === 0) return this.fail(new LensError('Nothing to compare: the text is empty.', 'empty-input'));
    const loaded = this.models.current()?.reply.info;
    const sources = tokenizerSources(loaded && { name: loaded.id, folder: loaded.folder }, this.models.recent(), this.models.locations());
    this.post({ type: 'status', state: 'running', message: `Tokenizing with ${sources.length} tokenizers…` });
    try {
      const full = await this.engine.request('compareTokenizers', { tokenizers: sources, text });
      const view = comparisonView(this.nextId++, source, text, full);
      this.compared = { uri: document.uri, base, length: text.length, full, view };
      this.log.info(`compared ${sources.map((s) => s.name).join(', ')} on ${text.length} characters of ${name}`);
      this.post({ type: 'comparison', comparison: view });
      this.post({ type: 'status', state: 'idle', message: '' });
      return view;
    } catch (error) {
      if (error instanceof LensError && error.code === 'cancelled') return undefined;
      return this.fail(error);
    }
  }

  private fail(error: unknown): undefined {
    const message = (error as Error).message;
    this.log.warn(`compare tokenizers: ${message}`);
    this.post({ type: 'status', state: 'error', message });
    return undefined;
  }

  /** Opens the panel beside the editor, or reveals it, keeping the editor's focus. */
  show(): void {
    if (this.panel) {
      if (!this.panel.visible) this.panel.reveal(undefined, true);
      return;
    }
    const panel = createLensPanel(this.extensionUri, COMPARE_VIEW_TYPE, TITLE, {
      viewColumn: vscode.ViewColumn.Beside,
      preserveFocus: true,
    });
    this.panel = panel;
    adoptLensPanel(panel, this.extensionUri, 'compare', {
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

  /** A message from the webview: validated first (tests call this as the webview would). */
  async receive(raw: unknown): Promise<void> {
    const parsed = parseFromCompareWebview(raw);
    if (!parsed.ok) {
      this.dropped++;
      this.log.warn(`compare view: message dropped (${parsed.reason})`);
      return;
    }
    const message = parsed.message;
    if (message.type === 'ready') {
      this.readiness.set();
      if (this.compared) this.post({ type: 'comparison', comparison: this.compared.view });
    } else if (message.type === 'revealSpan') {
      await this.reveal(message.start, message.end);
    } else if (message.type === 'exportRendered') {
      this.renders.get(message.requestId)?.(message.data, message.error);
    } else {
      await this.export(message.format).catch((error: unknown) => this.fail(error));
    }
  }

  private async reveal(start: number, end: number): Promise<void> {
    const compared = this.compared;
    if (!compared || end > compared.length) return;
    const document = await vscode.workspace.openTextDocument(compared.uri);
    const selection = new vscode.Selection(document.positionAt(compared.base + start), document.positionAt(compared.base + end));
    // The editor group that shows the document, never the panel's own.
    const shown = vscode.window.visibleTextEditors.find((e) => e.document === document);
    const editor = await vscode.window.showTextDocument(document, { viewColumn: shown?.viewColumn, preserveFocus: true, selection });
    editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** Writes an export of the last comparison; `target` is for host-side callers (tests), users get a save dialog. */
  async export(format: CompareExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const compared = this.compared;
    if (!compared) throw new Error('Nothing to export yet: compare tokenizers on a selection first.');
    const name = `${modelSlug(compared.uri.path)}_tokenizers.${format}`;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri =
      target ??
      (await vscode.window.showSaveDialog({
        title: `Attention Lens: Export the comparison as ${format.toUpperCase()}`,
        defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
        filters: EXPORT_FILTERS[format],
      }));
    if (!uri) return undefined;
    const body =
      format === 'json'
        ? compareJson(compared.view.source, compared.full)
        : format === 'html'
          ? compareHtml(compared.view)
          : await this.render(format);
    await vscode.workspace.fs.writeFile(uri, typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
    this.log.info(`exported the tokenizer comparison as ${format.toUpperCase()} to ${uri.fsPath}`);
    showExportNotice(await exportNotice(uri, format), this.log);
    return uri;
  }

  /** The view's picture of the comparison it shows (the view draws it: it has the fonts and the layout). */
  private render(format: 'png' | 'svg'): Promise<Uint8Array | string> {
    if (!this.panel || !this.readiness.isReady)
      return Promise.reject(new Error(`Show the Compare Tokenizers view to export it as ${format.toUpperCase()}.`));
    const requestId = this.nextRenderId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.renders.delete(requestId);
        reject(new Error(`The Compare Tokenizers view did not draw the ${format.toUpperCase()} in time.`));
      }, RENDER_TIMEOUT_MS);
      this.renders.set(requestId, (data, error) => {
        clearTimeout(timer);
        this.renders.delete(requestId);
        const png = data instanceof Uint8Array && data.byteLength > 8 && data[1] === 0x50 && data[2] === 0x4e && data[3] === 0x47;
        const svg = typeof data === 'string' && data.trimStart().startsWith('<svg');
        if (error) reject(new Error(`The comparison could not be drawn as ${format.toUpperCase()}: ${error}`));
        else if ((format === 'png' && !png) || (format === 'svg' && !svg))
          reject(new Error(`The view sent no ${format.toUpperCase()} image.`));
        else resolve(data);
      });
      this.post({ type: 'renderExport', requestId, format });
    });
  }

  private post(message: ToCompareMessage): void {
    this.sent.push(message);
    if (this.sent.length > 100) this.sent.splice(0, this.sent.length - 100);
    if (this.panel && this.readiness.isReady) void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
