// What every panel of the extension's webviews (the inspector, Open Run File, Compare Tokenizers) does with its
// WebviewPanel: the lens icon, the webview's page, and the panel's events, and whether its webview has said Ready.
// A panel shown again after being hidden loses its webview (no retainContextWhenHidden): its page loads again and
// says Ready again, and until then nothing is posted to it.
import * as vscode from 'vscode';
import type { WebviewKind } from './webviewHtml';
import { setWebviewContent, webviewOptions } from './webviewSetup';

export interface PanelEvents {
  /** A message from the webview, not yet validated (omitted where a WebviewChannel listens itself). */
  receive?(raw: unknown): void;
  /** Reset when the panel opens, is hidden or closes (omitted where a WebviewChannel keeps its own). */
  readiness?: WebviewReadiness;
  /** The panel was hidden: its webview's context is gone. */
  hidden?(): void;
  closed(): void;
}

/** A new panel of the extension's webview. */
export function createLensPanel(
  extensionUri: vscode.Uri,
  viewType: string,
  title: string,
  show: vscode.ViewColumn | { viewColumn: vscode.ViewColumn; preserveFocus: boolean },
): vscode.WebviewPanel {
  return vscode.window.createWebviewPanel(viewType, title, show, webviewOptions(extensionUri));
}

/** Gives a panel (new, or handed back by VS Code after a reload) the lens icon and the webview `kind`, and wires its events. */
export function adoptLensPanel(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, kind: WebviewKind, events: PanelEvents): void {
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'lens.svg');
  events.readiness?.reset();
  setWebviewContent(panel.webview, extensionUri, kind, panel.title);
  const subscriptions = [
    panel.onDidChangeViewState(() => {
      if (panel.visible) return;
      events.readiness?.reset();
      events.hidden?.();
    }),
  ];
  const receive = events.receive?.bind(events);
  if (receive) subscriptions.push(panel.webview.onDidReceiveMessage((raw: unknown) => receive(raw)));
  panel.onDidDispose(() => {
    for (const s of subscriptions) s.dispose();
    events.readiness?.reset();
    events.closed();
  });
}

/** Whether a webview has said Ready since its page last loaded, and who waits for it to. */
export class WebviewReadiness {
  private ready = false;
  private waiters: (() => void)[] = [];

  get isReady(): boolean {
    return this.ready;
  }

  /** The webview said Ready: post to it from now on. */
  set(): void {
    this.ready = true;
    this.waiters.splice(0).forEach((resolve) => resolve());
  }

  /** The webview's page is gone or loading again (a new, hidden or closed panel). */
  reset(): void {
    this.ready = false;
  }

  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
