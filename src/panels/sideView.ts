// The side view: a WebviewView in the Attention Lens activity-bar container. It does not keep its context
// when hidden (that would hold a renderer process for nothing); its channel replays the current run each
// time the webview says Ready. It follows the editor's cursor over the inspected range with FocusToken.
import * as vscode from 'vscode';
import type { InspectController } from '../session/inspectController';
import { WebviewChannel, type ChannelHooks } from './webviewChannel';
import { setWebviewContent } from './webviewSetup';

export const SIDE_VIEW_ID = 'attentionLens.sideView';

export class SideViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private channelOf: WebviewChannel | undefined;
  private lastFocus: { runId: number; index: number } | undefined;
  private inspectorAt: { layer: number; head: number | 'mean' } | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly controller: InspectController,
    private readonly log: vscode.LogOutputChannel,
    private readonly hooks: ChannelHooks,
  ) {}

  get channel(): WebviewChannel | undefined {
    return this.channelOf;
  }

  get isVisible(): boolean {
    return this.view?.visible === true;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.channelOf?.dispose();
    this.view = view;
    const channel = new WebviewChannel('side view', view.webview, this.controller, this.log, this.hooks);
    this.channelOf = channel;
    if (this.lastFocus) channel.focusToken(this.lastFocus.runId, this.lastFocus.index);
    if (this.inspectorAt) channel.inspectorFocus(this.inspectorAt.layer, this.inspectorAt.head);
    setWebviewContent(view.webview, this.extensionUri, 'sidebar', 'Attention Lens');
    view.onDidChangeVisibility(() => {
      if (!view.visible) channel.unready();
    });
    view.onDidDispose(() => {
      channel.dispose();
      if (this.view === view) {
        this.view = undefined;
        this.channelOf = undefined;
      }
    });
  }

  /** The cursor is on this token of the current run (remembered for when the view appears). */
  focusToken(runId: number, index: number): void {
    if (this.lastFocus?.runId === runId && this.lastFocus.index === index) return;
    this.lastFocus = { runId, index };
    this.channelOf?.focusToken(runId, index);
  }

  /** The inspector shows this layer and head (remembered for when the view appears; it follows them if asked to). */
  inspectorFocus(layer: number, head: number | 'mean'): void {
    this.inspectorAt = { layer, head };
    this.channelOf?.inspectorFocus(layer, head);
  }

  /** Shows the side view (command and tests). */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${SIDE_VIEW_ID}.focus`);
  }

  dispose(): void {
    this.channelOf?.dispose();
  }
}
