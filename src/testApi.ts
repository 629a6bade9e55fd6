// What activate() returns when the extension runs in development or test mode: a window onto the host's state
// for the integration tests (which run inside the same extension host). It reads; the only ways it acts are
// the ones a user has too (close the panel, cancel a download) or a webview has (send a message), plus the
// serializer's restore path and killing the worker as a crash would.
import * as vscode from 'vscode';
import type { HubProgress } from './core/hub/hubModel';
import type { ShadedSpan } from './editor/rolloutShading';
import type { ExportNotice } from './export/exportNotice';
import type { CompareExportFormat, ToCompareMessage, ToWebviewMessage, RunSummary } from './protocol';

export interface LensTestApi {
  /** Resolves when no inspection is in flight. */
  whenIdle(): Promise<void>;
  /** The run the views show now, if any. */
  lastResult(): { runId: number; summary: RunSummary; stale?: string; uri?: string; note?: string } | undefined;
  /** The status line the views show (state and message). */
  status(): { state: 'running' | 'idle' | 'error'; message: string };
  /** What the host posted to the inspector panel / the side view (newest last; empty when closed or never opened). */
  panelMessages(): ToWebviewMessage[];
  /** How many messages the host ever posted to the panel's current channel (panelMessages keeps only the last 400). */
  panelPostCount(): number;
  sideViewMessages(): ToWebviewMessage[];
  /** Resolve once the panel's / side view's webview has said Ready. */
  panelReady(): Promise<void>;
  sideViewReady(): Promise<void>;
  isPanelOpen(): boolean;
  /** Whether the inspector panel is open and visible (not covered by another tab in its group). */
  isPanelVisible(): boolean;
  /** The open view's webview options and HTML, as the extension set them (security tests). */
  webviewSetup(view: 'panel' | 'sideView'): { options: vscode.WebviewOptions; html: string; cspSource: string } | undefined;
  closePanel(): void;
  /** Feeds a raw message to a webview channel as if the webview had sent it (validation tests). */
  sendFromWebview(view: 'panel' | 'sideView', raw: unknown): Promise<void>;
  statusBar(): { text: string; tooltip: string };
  /** The token-boundary decoration ranges last drawn. */
  decorationRanges(): vscode.Range[];
  /** The attention-rollout shading last drawn: each shaded token's span and its weight in the rollout row. */
  rolloutShading(): ShadedSpan[];
  /** The loaded model, if any. */
  loadedModel(): { spec: string; id: string; family: string; device: string; generation: number } | undefined;
  stats(): {
    started: number;
    published: number;
    superseded: number;
    stale: number;
    /** Runs whose inspect carried the logit lens's window, and lens requests that took a run of their own. */
    lensCarried: number;
    lensRuns: number;
    droppedMessages: number;
    closedPanels: number;
  };
  /** Download progress events seen (newest last); cancelDownloads() is the notification's Cancel. */
  downloadProgress(): HubProgress[];
  cancelDownloads(): void;
  /** The Select Model picker while it is open (a test types into it through its value, as a user would). */
  modelPicker(): vscode.QuickPick<vscode.QuickPickItem> | undefined;
  /** Hands a new WebviewPanel of the inspector's type to the serializer, as VS Code does after a reload. */
  restorePanel(): Promise<void>;
  /** Kills the inference worker as a crash would. */
  killWorker(): Promise<void>;
  /** The notification shown after the last export: its text and its buttons (run() is the user's click). */
  lastExportNotice(): ExportNotice | undefined;
  /**
   * Show Surprisal: whether a document has it, its last scan's windows, what was drawn, the status bar item, and
   * how many top-k requests the hover has sent the worker (those answered from the kept ones are not counted).
   */
  surprisal: {
    isOn(uri: string): boolean;
    whenScanned(uri: string): Promise<void>;
    windows(uri: string): { run: number; planned: number; pendingFrom: number | undefined } | undefined;
    drawn(): { levels: vscode.Range[][]; ruler: vscode.Range[]; pending: vscode.Range[] };
    statusBar(): { text: string; tooltip: string };
    topKAsked(): number;
  };
  /** Compare Tokenizers: what the host posted to its view, its Ready, a message as its webview would send it. */
  compare: {
    messages(): ToCompareMessage[];
    ready(): Promise<void>;
    send(raw: unknown): Promise<void>;
    dropped(): number;
    /** Writes an export of the last comparison to `uri` (no dialog). */
    export(format: CompareExportFormat, uri: vscode.Uri): Promise<vscode.Uri | undefined>;
  };
  /** Open Run File: what the host posted to its panel, its Ready, a message as its webview would send it. */
  runFile: {
    messages(): ToWebviewMessage[];
    ready(): Promise<void>;
    send(raw: unknown): Promise<void>;
    dropped(): number;
  };
}
