// "Attention Lens: Show Surprisal": scans the active document with a causal model in the worker's background
// lane (src/core/surprisal), draws it as it arrives, keeps it live while typing (debounced; only the windows from
// the first changed token run again), and answers the hover and "Most Surprising". Cleared on toggle, on closing
// the document and when the model changes.
import * as vscode from 'vscode';
import { runScan } from '../core/surprisal/scanDriver';
import { NEEDS_CAUSAL } from '../core/surprisal/surprisalScan';
import { legend, mostSurprising } from '../core/surprisal/surprisalScale';
import { TopKAnswers } from '../core/surprisal/topKAnswers';
import type { Prediction } from '../core/types';
import type { InferenceEngine } from '../core/worker/inferenceEngine';
import type { ModelManager } from '../models/modelManager';
import { DocumentSurprisal } from './documentSurprisal';
import { readSurprisalConfig } from './surprisalConfig';
import { SurprisalView } from './surprisalView';

/** Quiet time after the last keystroke before the stale windows run again. */
const EDIT_DEBOUNCE_MS = 400;
/** Entries of "Most Surprising". */
const MOST_SURPRISING_SHOWN = 50;

interface Tracked {
  state: DocumentSurprisal;
  /** Set while a scan runs: the scan stops before its next window once this is true. */
  cancel?: { cancelled: boolean };
  running?: Promise<void>;
  debounce?: ReturnType<typeof setTimeout>;
}

export class SurprisalController implements vscode.Disposable {
  private readonly docs = new Map<string, Tracked>();
  private readonly view = new SurprisalView();
  /** The hover's top-k, asked for one token at a time (the scan's replies leave it out). */
  readonly topK: TopKAnswers;
  private readonly item = vscode.window.createStatusBarItem('attentionLens.surprisal', vscode.StatusBarAlignment.Right, 99);
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly engine: InferenceEngine,
    private readonly models: ModelManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.item.name = 'Attention Lens Surprisal';
    this.topK = new TopKAnswers(engine);
    this.subscriptions = [
      vscode.workspace.onDidChangeTextDocument((e) => this.edited(e)),
      vscode.workspace.onDidCloseTextDocument((d) => this.clear(d.uri.toString())),
      vscode.window.onDidChangeActiveTextEditor(() => this.redraw()),
      // Scores are the model's: another model makes every one of them wrong.
      models.onDidChange(() => this.clearAll()),
    ];
  }

  dispose(): void {
    this.clearAll();
    this.view.dispose();
    this.item.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  isOn(uri: string): boolean {
    return this.docs.has(uri);
  }

  /** The toggle: clears the active document's surprisal, or scans it. Resolves when the scan ends. */
  async toggle(): Promise<boolean> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Attention Lens: open a document to show its surprisal.');
      return false;
    }
    const key = editor.document.uri.toString();
    if (this.docs.has(key)) {
      this.clear(key);
      return false;
    }
    const loaded = await this.models.ensureLoaded();
    if (loaded.reply.info.task !== 'next-token') {
      void this.offerCausalModel();
      return false;
    }
    this.docs.set(key, { state: new DocumentSurprisal() });
    await this.scan(editor.document, true);
    return true;
  }

  /** Resolves when the document's scan (if any) has finished. */
  async whenScanned(uri: string): Promise<void> {
    for (let tracked = this.docs.get(uri); tracked?.running || tracked?.debounce; tracked = this.docs.get(uri)) {
      await (tracked.running ?? new Promise((resolve) => setTimeout(resolve, EDIT_DEBOUNCE_MS)));
    }
  }

  stateOf(uri: string): DocumentSurprisal | undefined {
    return this.docs.get(uri)?.state;
  }

  get drawn() {
    return this.view.lastDrawn;
  }

  get statusText(): { text: string; tooltip: string } {
    const t = this.item.tooltip;
    return { text: this.item.text, tooltip: typeof t === 'string' ? t : (t?.value ?? '') };
  }

  cancelActive(): void {
    const key = vscode.window.activeTextEditor?.document.uri.toString();
    const cancel = key ? this.docs.get(key)?.cancel : undefined;
    if (cancel) cancel.cancelled = true;
  }

  /**
   * The hover: the token's surprisal and probability (the values its colour shows) and the model's top-k there,
   * asked of the worker now. Nothing for a token whose score is not current, nor when the document changes (or
   * the hover is cancelled) while the top-k is on its way.
   */
  async hover(
    document: vscode.TextDocument,
    position: vscode.Position,
    cancel: vscode.CancellationToken,
  ): Promise<vscode.Hover | undefined> {
    const key = document.uri.toString();
    const state = this.docs.get(key)?.state;
    const at = state?.currentAt(document.offsetAt(position));
    if (!state || !at || at.bits === null || cancel.isCancellationRequested) return undefined;
    const version = document.version;
    const top = await this.topAt(key, state.generation, at.index, cancel);
    // An answer for an older text is not this one's, even where it arrived.
    if (cancel.isCancellationRequested || document.version !== version || this.docs.get(key)?.state !== state) return undefined;
    if (state.currentAt(at.start)?.index !== at.index) return undefined;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**Surprisal** ${at.bits.toFixed(2)} bits · p = ${formatProbability(at.probability!)}\n\n`);
    md.appendMarkdown(
      typeof top === 'string'
        ? `The model's top-k is not available: ${top}.`
        : `The model expected: ${top.map((p) => `\`${p.token}\` ${formatProbability(p.probability)}`).join(', ')}`,
    );
    return new vscode.Hover(md, new vscode.Range(document.positionAt(at.start), document.positionAt(at.end)));
  }

  /** The top-k before a token, or why not ('cancelled' once the hover is; the answer, when it comes, is kept). */
  private async topAt(key: string, generation: number, index: number, cancel: vscode.CancellationToken): Promise<Prediction[] | string> {
    let stop: vscode.Disposable | undefined;
    const cancelled = new Promise<string>((resolve) => (stop = cancel.onCancellationRequested(() => resolve('cancelled'))));
    try {
      return await Promise.race([this.topK.at(key, generation, index, readSurprisalConfig().topK), cancelled]);
    } catch (error) {
      return (error as Error).message;
    } finally {
      stop?.dispose();
    }
  }

  /** "Most Surprising": the active document's most surprising tokens; picking one selects it. */
  async showMostSurprising(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const state = editor && this.docs.get(editor.document.uri.toString())?.state;
    if (!editor || !state) {
      void vscode.window.showInformationMessage('Attention Lens: show surprisal first (Attention Lens: Show Surprisal).');
      return;
    }
    const current = state.currentTokens();
    const order = mostSurprising(
      current.map((c) => c.bits),
      1,
    ).slice(0, MOST_SURPRISING_SHOWN);
    const items = order.map((i) => {
      const token = current[i];
      const line = editor.document.positionAt(token.start).line;
      const text = editor.document.getText(
        new vscode.Range(editor.document.positionAt(token.start), editor.document.positionAt(token.end)),
      );
      return { label: `${token.bits!.toFixed(2)} bits  ${JSON.stringify(text)}`, description: `line ${line + 1}`, token };
    });
    const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Most surprising tokens (current scores)' });
    if (!picked) return;
    const range = new vscode.Range(editor.document.positionAt(picked.token.start), editor.document.positionAt(picked.token.end));
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async offerCausalModel(): Promise<void> {
    const pick = 'Pick a Causal Model';
    const answer = await vscode.window.showWarningMessage(`Attention Lens: ${NEEDS_CAUSAL}.`, pick);
    if (answer === pick) await vscode.commands.executeCommand('attentionLens.selectModel');
  }

  private edited(event: vscode.TextDocumentChangeEvent): void {
    const key = event.document.uri.toString();
    const tracked = this.docs.get(key);
    if (!tracked || event.contentChanges.length === 0) return;
    const first = Math.min(...event.contentChanges.map((c) => c.rangeOffset));
    tracked.state.edited(first);
    if (tracked.cancel) tracked.cancel.cancelled = true;
    this.redraw();
    if (tracked.debounce) clearTimeout(tracked.debounce);
    tracked.debounce = setTimeout(() => {
      tracked.debounce = undefined;
      void this.scan(event.document, false);
    }, EDIT_DEBOUNCE_MS);
  }

  /** Scans (or, after an edit, re-scans the stale windows of) a document; one scan per document at a time. */
  private async scan(document: vscode.TextDocument, fresh: boolean): Promise<void> {
    const key = document.uri.toString();
    const tracked = this.docs.get(key);
    if (!tracked) return;
    if (tracked.cancel) tracked.cancel.cancelled = true;
    await tracked.running?.catch(() => undefined);
    if (this.docs.get(key) !== tracked) return;
    const cancel = { cancelled: false };
    tracked.cancel = cancel;
    const config = readSurprisalConfig();
    const request = { key, text: document.getText(), window: config.window, stride: config.stride, fresh };
    const running = runScan(this.engine, request, {
      onPlan: (plan) => {
        tracked.state.planned(plan);
        this.topK.forget(key);
        this.progress(tracked.state);
        this.redraw();
      },
      onWindow: (_, scores) => {
        tracked.state.scored(scores);
        this.progress(tracked.state);
        this.redraw();
      },
      cancelled: () => cancel.cancelled || this.docs.get(key) !== tracked,
    }).then(
      () => undefined,
      (error: unknown) => {
        if ((error as { code?: string }).code === 'cancelled') return;
        this.clear(key);
        // An encoder–decoder also predicts next tokens, but of a target: the worker refuses it.
        if ((error as Error).message === NEEDS_CAUSAL) return void this.offerCausalModel();
        this.log.warn(`surprisal: ${(error as Error).message}`);
        void vscode.window.showErrorMessage(`Attention Lens: surprisal failed: ${(error as Error).message}`);
      },
    );
    tracked.running = running;
    await running;
    if (tracked.running === running) tracked.running = undefined;
    if (tracked.cancel === cancel) tracked.cancel = undefined;
    this.progress(tracked.state);
  }

  private progress(state: DocumentSurprisal): void {
    const config = readSurprisalConfig();
    const scanning = [...this.docs.values()].some((t) => t.state === state && t.cancel && !t.cancel.cancelled);
    if (scanning && state.windowsRun < state.windowsPlanned) {
      this.item.text = `$(sync~spin) Surprisal ${state.windowsRun}/${state.windowsPlanned} windows`;
      this.item.tooltip = 'Attention Lens is scoring the document in the background. Click to cancel.';
      this.item.command = 'attentionLens.cancelSurprisal';
    } else {
      this.item.text = `$(pulse) Surprisal ${legend(config.scaleBits)}`;
      const scale = `${legend(config.scaleBits)} (attentionLens.surprisal.scale)`;
      this.item.tooltip = `Surprisal colours, coolest to hottest: ${scale}. Click: Most Surprising.`;
      this.item.command = 'attentionLens.mostSurprising';
    }
    this.item.show();
  }

  private redraw(): void {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return;
    const state = this.docs.get(editor.document.uri.toString())?.state;
    if (state) this.view.draw(editor, state, readSurprisalConfig().scaleBits);
    else this.view.clear(editor);
  }

  private clear(key: string): void {
    const tracked = this.docs.get(key);
    if (!tracked) return;
    if (tracked.cancel) tracked.cancel.cancelled = true;
    if (tracked.debounce) clearTimeout(tracked.debounce);
    this.docs.delete(key);
    this.topK.forget(key);
    for (const editor of vscode.window.visibleTextEditors) if (editor.document.uri.toString() === key) this.view.clear(editor);
    if (this.docs.size === 0) this.item.hide();
  }

  private clearAll(): void {
    for (const key of [...this.docs.keys()]) this.clear(key);
  }
}

function formatProbability(p: number): string {
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}
