// The status bar item: the active model and the device that actually ran it; the tooltip says why the device
// differs from the one asked for, and which workspace settings were ignored for trust; a warning while the
// inference worker is stopped. Click: Select Model.
import * as vscode from 'vscode';
import { readConfig } from './config';
import type { ModelManager } from './models/modelManager';
import { modelName } from './models/modelNames';

export class LensStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('attentionLens.model', vscode.StatusBarAlignment.Right, 100);
  /** Why the inference worker stopped, until a run or a model load started it again. */
  private stopped: string | undefined;

  constructor(private readonly models: ModelManager) {
    this.item.name = 'Attention Lens Model';
    this.item.command = 'attentionLens.selectModel';
    this.update();
    this.item.show();
  }

  get text(): string {
    return this.item.text;
  }

  get tooltip(): string {
    const t = this.item.tooltip;
    return typeof t === 'string' ? t : (t?.value ?? '');
  }

  workerStopped(message: string): void {
    this.stopped = message;
    this.update();
  }

  workerRunning(): void {
    this.stopped = undefined;
    this.update();
  }

  update(): void {
    const config = readConfig();
    const loaded = this.models.current();
    const active = this.models.active(config);
    const lines: string[] = [];
    let name: string;
    let state: string;
    if (loaded && loaded.spec === active.spec) {
      const { info, device } = loaded.reply;
      name = modelName(loaded.spec);
      state = device.label;
      lines.push(
        `Attention Lens: ${info.id}`,
        `${info.architecture} (${info.familyLabel}), ${info.layers} layers × ${info.heads} heads, from ${info.source}`,
      );
      lines.push(`Device: ${device.label} (asked for: ${device.requested})`);
      if (device.fallbackReason) lines.push(`Not on the requested device: ${device.fallbackReason}`);
      if (!info.attention.available) lines.push(`Attention not available: ${info.attention.reason}`);
    } else {
      name = modelName(active.spec);
      state = 'not loaded';
      lines.push(
        `Attention Lens: ${modelName(active.spec)} ` +
          `(${active.origin === 'selected' ? 'selected' : `the ${config.activeModel} model setting`}), loads on the first inspection`,
      );
      if (this.models.lastError) lines.push(`Last error: ${this.models.lastError}`);
    }
    if (config.ignoredForTrust.length > 0) {
      lines.push(
        `Restricted mode: ignoring the workspace's values of ${config.ignoredForTrust.join(', ')} (this workspace is not trusted).`,
      );
    }
    if (this.stopped) lines.unshift(this.stopped);
    this.item.text = this.stopped ? `$(warning) ${name} · worker stopped` : `$(telescope) ${name} · ${state}`;
    this.item.backgroundColor = this.stopped ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    lines.push('Click to select a model.');
    this.item.tooltip = lines.join('\n');
  }

  dispose(): void {
    this.item.dispose();
  }
}
