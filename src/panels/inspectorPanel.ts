// The inspector: one WebviewPanel beside the editor, created on the first run and reused after, restored by
// VS Code after a window reload through the serializer. Closing it mid-run is harmless: the channel is
// disposed with it and the run's result simply has no panel to go to.
import * as vscode from 'vscode';
import type { InspectController } from '../session/inspectController';
import { WebviewChannel, type ChannelHooks } from './webviewChannel';
import { adoptLensPanel, createLensPanel } from './lensPanel';

export const INSPECTOR_VIEW_TYPE = 'attentionLens.inspector';
const TITLE = 'Attention Lens';

export class InspectorPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private channelOf: WebviewChannel | undefined;
  private readonly closed = new vscode.EventEmitter<void>();
  /** Fires when the panel is closed. */
  readonly onDidClose = this.closed.event;
  /** Called after a panel is restored on reload (the extension re-runs the last inspection). */
  onRestored: (() => void) | undefined;
  /** Channels of closed panels, for tests that check nothing keeps running after a close. */
  disposedChannels = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly controller: InspectController,
    private readonly log: vscode.LogOutputChannel,
    private readonly hooks: ChannelHooks,
  ) {}

  get channel(): WebviewChannel | undefined {
    return this.channelOf;
  }

  /** The editor column the panel sits in (undefined while closed). */
  get column(): vscode.ViewColumn | undefined {
    return this.panel?.viewColumn;
  }

  get isVisible(): boolean {
    return this.panel?.visible ?? false;
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /**
   * Opens the panel beside the active editor, or reveals it, keeping the editor's focus. A panel in the editor's own
   * group would cover the text it inspects (and be covered by it again): it moves beside the editor instead.
   */
  show(): WebviewChannel {
    if (this.panel && this.channelOf) {
      const editorColumn = vscode.window.activeTextEditor?.viewColumn;
      if (editorColumn !== undefined && this.panel.viewColumn === editorColumn) this.panel.reveal(vscode.ViewColumn.Beside, true);
      else if (!this.panel.visible) this.panel.reveal(undefined, true);
      return this.channelOf;
    }
    return this.adopt(
      createLensPanel(this.extensionUri, INSPECTOR_VIEW_TYPE, TITLE, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }),
    );
  }

  /** The serializer's path: VS Code hands back a panel after a reload. */
  restore(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    this.adopt(panel);
    this.log.info('inspector panel restored after reload');
    this.onRestored?.();
  }

  close(): void {
    this.panel?.dispose();
  }

  private adopt(panel: vscode.WebviewPanel): WebviewChannel {
    // The channel listens to the webview's messages itself (the side view's channel does too).
    const channel = new WebviewChannel('inspector panel', panel.webview, this.controller, this.log, this.hooks);
    this.panel = panel;
    this.channelOf = channel;
    adoptLensPanel(panel, this.extensionUri, 'inspector', {
      hidden: () => channel.unready(),
      closed: () => {
        channel.dispose();
        this.disposedChannels++;
        if (this.panel === panel) {
          this.panel = undefined;
          this.channelOf = undefined;
        }
        this.closed.fire();
      },
    });
    return channel;
  }

  dispose(): void {
    this.panel?.dispose();
    this.closed.dispose();
  }
}

/** Registers the serializer: VS Code calls it for each inspector panel it restores. */
export function registerInspectorSerializer(inspector: InspectorPanel): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(INSPECTOR_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
      inspector.restore(panel);
    },
  });
}
