// Which model is active and whether it is loaded. The active model is the one picked with Select Model, or
// else the setting of the active kind; a settings change clears the pick so the setting takes effect. Loads
// are shared: fifty inspect commands during one load wait for that one load.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelLocations } from '../core/model/resolveModel';
import type { InferenceEngine } from '../core/worker/inferenceEngine';
import type { LoadedReply } from '../core/worker/workerRequests';
import type { DeviceRequest } from '../core/types';
import { readConfig, type LensConfig } from '../config';
import type { ModelResolver } from './modelResolver';

const SELECTED_KEY = 'attentionLens.selectedModel';
const RECENT_KEY = 'attentionLens.recentModels';
const MAX_RECENT = 8;

export interface ActiveModel {
  spec: string;
  /** Why this one: picked with Select Model, or named by a setting. */
  origin: 'selected' | 'setting';
}

export interface LoadedModelState {
  spec: string;
  device: DeviceRequest;
  reply: LoadedReply;
  /** Increases with every load: a run that started under another generation ran another model. */
  generation: number;
}

export class ModelManager implements vscode.Disposable {
  private loaded: LoadedModelState | undefined;
  private loadedKey = '';
  private loading: { key: string; promise: Promise<LoadedModelState> } | undefined;
  private generation = 0;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the active or loaded model changes (status bar, re-runs). */
  readonly onDidChange = this.changed.event;
  lastError: string | undefined;
  /** Increases when a load starts: a run that saw another epoch may have run on the model being replaced. */
  epoch = 0;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly engine: InferenceEngine,
    private readonly resolver: ModelResolver,
    readonly log: vscode.LogOutputChannel,
  ) {}

  dispose(): void {
    this.changed.dispose();
  }

  locations(config: LensConfig = readConfig()): ModelLocations {
    return {
      embeddedDir: path.join(this.context.extensionPath, 'models'),
      cacheDir: config.cacheFolder || path.join(this.context.globalStorageUri.fsPath, 'hub'),
      hubUrl: config.hubEndpoint,
    };
  }

  active(config: LensConfig = readConfig()): ActiveModel {
    const selected = this.context.globalState.get<string>(SELECTED_KEY);
    if (selected) return { spec: selected, origin: 'selected' };
    return { spec: config.activeModel === 'causal' ? config.causalModel : config.maskedModel, origin: 'setting' };
  }

  current(): LoadedModelState | undefined {
    return this.loaded;
  }

  isBusy(): boolean {
    return this.loading !== undefined;
  }

  recent(): string[] {
    return this.context.globalState.get<string[]>(RECENT_KEY, []);
  }

  /** A model-naming setting changed: forget the pick so the setting applies, and reload on next use. */
  async settingsChanged(keys: Set<string>): Promise<void> {
    if (['maskedModel', 'causalModel', 'activeModel'].some((k) => keys.has(k))) {
      await this.context.globalState.update(SELECTED_KEY, undefined);
    }
    this.changed.fire();
  }

  /** Forgets that the model is loaded so the next use loads it again (e.g. a new GPU provider was installed). */
  invalidate(): void {
    this.loadedKey = '';
    this.changed.fire();
  }

  /** Makes `spec` the active model and loads it (downloading first if needed). */
  async select(spec: string): Promise<LoadedModelState> {
    const state = await this.load(spec, readConfig());
    await this.context.globalState.update(SELECTED_KEY, spec);
    const recent = [spec, ...this.recent().filter((s) => s !== spec)].slice(0, MAX_RECENT);
    await this.context.globalState.update(RECENT_KEY, recent);
    this.changed.fire();
    return state;
  }

  /** The active model, loaded. */
  ensureLoaded(): Promise<LoadedModelState> {
    const config = readConfig();
    return this.load(this.active(config).spec, config);
  }

  private load(spec: string, config: LensConfig): Promise<LoadedModelState> {
    const key = `${spec}\u0000${config.device}\u0000${config.hubEndpoint}\u0000${config.cacheFolder}`;
    if (this.loaded && this.loadedKey === key) return Promise.resolve(this.loaded);
    if (this.loading?.key === key) return this.loading.promise;
    const promise = this.doLoad(spec, config).finally(() => {
      if (this.loading?.promise === promise) this.loading = undefined;
    });
    this.loading = { key, promise };
    return promise.then((state) => {
      this.loadedKey = key;
      return state;
    });
  }

  private async doLoad(spec: string, config: LensConfig): Promise<LoadedModelState> {
    // A failed resolve (download cancelled, folder missing) leaves the loaded model as it was.
    const resolved = await this.resolver.resolve(spec, this.locations(config)).catch((error: unknown) => {
      this.lastError = (error as Error).message;
      this.changed.fire();
      throw error;
    });
    this.epoch++;
    try {
      this.log.info(`loading model ${resolved.id} (${resolved.source}) from ${resolved.folder}, device ${config.device}`);
      const reply = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Attention Lens: loading ${resolved.id}` },
        () =>
          this.engine.load({
            id: resolved.id,
            source: resolved.source,
            folder: resolved.folder,
            onnxFile: resolved.onnxFile,
            device: config.device,
          }),
      );
      const { info, device } = reply;
      this.log.info(
        `loaded ${info.id}: ${info.architecture} (${info.familyLabel}), ${info.layers} layers × ${info.heads} heads, ` +
          `${info.tokenizerKind} tokenizer, ` +
          `${info.onnxFile} ${(info.onnxBytes / 1e6).toFixed(1)} MB on ${device.label} in ${reply.loadMs.toFixed(0)} ms` +
          (info.attention.available ? '' : `; attention not available: ${info.attention.reason}`),
      );
      if (device.fallbackReason)
        this.log.warn(`device: asked for ${device.requested}, running on ${device.label}: ${device.fallbackReason}`);
      this.loaded = { spec, device: config.device, reply, generation: ++this.generation };
      this.lastError = undefined;
      this.changed.fire();
      return this.loaded;
    } catch (error) {
      // The engine dropped the old model when the new one failed; nothing is loaded now.
      this.loaded = undefined;
      this.loadedKey = '';
      this.lastError = (error as Error).message;
      this.changed.fire();
      throw error;
    }
  }
}
