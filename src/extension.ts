// Wiring only: creates the engine, the model manager, the controller, the views, the hover and the status
// bar, registers the commands, and hands the test API back in development and test mode.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { detectProviderEnvironment } from './core/engine/providerEnvironment';
import type { ProviderEnvironment } from './core/engine/providers';
import type { HubProgress } from './core/hub/hubModel';
import { InferenceEngine } from './core/worker/inferenceEngine';
import { onDidChangeLensConfig, readConfig } from './config';
import { registerCommands } from './commands/registerCommands';
import { ComparePanel } from './compare/comparePanel';
import { RunFilePanel } from './runFile/runFilePanel';
import { InspectCommands } from './commands/inspectCommands';
import { registerTrySample } from './commands/trySample';
import { RolloutShading } from './editor/rolloutShading';
import { TokenDecorations } from './editor/tokenDecorations';
import { revealToken } from './editor/tokenReveal';
import { Exporter } from './export/exporter';
import { TokenHoverProvider } from './hover/tokenHover';
import { ModelManager } from './models/modelManager';
import { ModelResolver } from './models/modelResolver';
import { InspectorPanel, INSPECTOR_VIEW_TYPE, registerInspectorSerializer } from './panels/inspectorPanel';
import { SideViewProvider, SIDE_VIEW_ID } from './panels/sideView';
import type { ChannelHooks } from './panels/webviewChannel';
import { InspectController } from './session/inspectController';
import { tokenAtOffset, sameDocument } from './session/runState';
import { LensStatusBar } from './statusBar';
import { registerSurprisal } from './surprisal/registerSurprisal';
import { SurprisalController } from './surprisal/surprisalController';
import type { LensTestApi } from './testApi';

function providerEnvironment(log: vscode.LogOutputChannel): ProviderEnvironment {
  try {
    return detectProviderEnvironment();
  } catch (error) {
    log.warn(`could not inspect onnxruntime's providers (${(error as Error).message}); assuming CPU only`);
    return { platform: process.platform, cudaInstalled: false, tensorrtInstalled: false };
  }
}

export function activate(context: vscode.ExtensionContext): LensTestApi | undefined {
  const log = vscode.window.createOutputChannel('Attention Lens', { log: true });
  const environment = providerEnvironment(log);
  log.info(
    `activated: ${process.platform}-${process.arch}, Node ${process.versions.node}, CUDA ` +
      `provider ${environment.cudaInstalled ? 'installed' : 'not installed'}`,
  );
  const engine = new InferenceEngine({
    workerPath: path.join(context.extensionPath, 'dist', 'inferenceWorker.js'),
    environment,
    log: (message) => log.warn(message),
    // Whether or not a run was in flight, the panel and the status bar say so until the next run restarts it.
    onWorkerStopped: (message) => {
      controller.workerStopped(message);
      statusBar.workerStopped(message);
    },
  });
  const resolver = new ModelResolver(log);
  const models = new ModelManager(context, engine, resolver, log);
  const controller = new InspectController(engine, models, log);
  const shading = new RolloutShading(controller);

  let exporter: Exporter | undefined;
  let inspect: InspectCommands | undefined;
  /** The layer and head last chosen in the side view or the inspector (the hover's cross-attention reads it). */
  let chosenHead: { layer: number; head: number | 'mean' } | undefined;
  const hooks: ChannelHooks = {
    revealToken: (run, index) => {
      revealToken(run, index, inspector.column).then(undefined, (error: unknown) =>
        log.warn(`revealing token ${index}: ${(error as Error).message}`),
      );
    },
    rerun: (run) => void inspect?.rerunEdited(run),
    retarget: (run, target) => void inspect?.retarget(run, target),
    shadeRollout: (run, at) => shading.shade(run, at),
    export: (format) => {
      exporter?.export(format).then(undefined, (error: unknown) => controller.fail(error));
    },
    selectModel: () => vscode.commands.executeCommand('attentionLens.selectModel'),
    viewFocus: (from, layer, head) => {
      chosenHead = { layer, head };
      if (from === inspector.channel) sideView.inspectorFocus(layer, head);
    },
  };
  const inspector = new InspectorPanel(context.extensionUri, controller, log, hooks);
  const sideView = new SideViewProvider(context.extensionUri, controller, log, hooks);
  exporter = new Exporter(controller, () => (inspector.channel?.isReady ? inspector.channel : sideView.channel), log);
  inspect = new InspectCommands(context, controller, models, inspector);
  inspector.onRestored = () => void inspect?.rerunSaved();
  const statusBar = new LensStatusBar(models);
  const compare = new ComparePanel(context.extensionUri, engine, models, log);
  const runFiles = new RunFilePanel(context.extensionUri, log);
  const decorations = new TokenDecorations(controller);
  const surprisal = new SurprisalController(engine, models, log);
  const progress: HubProgress[] = [];
  let modelPicker: vscode.QuickPick<vscode.QuickPickItem> | undefined;
  resolver.onProgress = (_spec, p) => {
    progress.push(p);
    if (progress.length > 1000) progress.splice(0, progress.length - 1000);
  };

  context.subscriptions.push(
    log,
    { dispose: () => void engine.dispose() },
    models,
    controller,
    inspector,
    sideView,
    statusBar,
    decorations,
    shading,
    compare,
    vscode.commands.registerCommand('attentionLens.compareTokenizers', () => compare.compareActiveEditor().then((view) => view?.id)),
    runFiles,
    // From the explorer's context menu the file comes as the argument; from the palette the user picks one.
    vscode.commands.registerCommand('attentionLens.openRunFile', (uri?: vscode.Uri) =>
      runFiles.open(uri instanceof vscode.Uri ? uri : undefined).then((run) => run?.summary.runId),
    ),
    registerInspectorSerializer(inspector),
    registerTrySample(),
    vscode.window.registerWebviewViewProvider(SIDE_VIEW_ID, sideView),
    vscode.languages.registerHoverProvider(
      [{ scheme: 'file' }, { scheme: 'untitled' }],
      new TokenHoverProvider(controller, () => chosenHead),
    ),
    models.onDidChange(() => statusBar.workerRunning()),
    controller.onDidChange((event) => {
      if (event.kind === 'result') statusBar.workerRunning();
    }),
    onDidChangeLensConfig((keys) => {
      log.info(`settings changed: ${[...keys].join(', ')}`);
      void models.settingsChanged(keys);
      statusBar.update();
      if (keys.has('tokenBoundaries')) decorations.refresh();
      if ([...keys].some((k) => k !== 'tokenBoundaries')) void inspect.rerunCurrent();
    }),
    // The side view follows the cursor over the inspected range.
    vscode.window.onDidChangeTextEditorSelection((e) => {
      const run = controller.current;
      if (!run || run.stale || !sameDocument(run, e.textEditor.document)) return;
      const index = tokenAtOffset(run, e.textEditor.document.offsetAt(e.selections[0].active));
      if (index !== undefined) sideView.focusToken(run.runId, index);
    }),
    ...registerSurprisal(surprisal),
    ...registerCommands({
      context,
      log,
      controller,
      models,
      inspect,
      inspector,
      sideView,
      exporter,
      decorations,
      statusBar,
      environment,
      onModelPicker: (picker) => {
        modelPicker = picker;
        picker.onDidHide(() => (modelPicker = modelPicker === picker ? undefined : modelPicker));
      },
    }),
  );

  const ignored = readConfig().ignoredForTrust;
  if (ignored.length > 0) {
    log.warn(`restricted mode: ignoring workspace values of ${ignored.join(', ')}`);
    void vscode.window.showWarningMessage(
      `Attention Lens: this workspace is not trusted, so its settings ${ignored.join(', ')} are ignored (your own settings and the ` +
        `embedded models still work).`,
    );
  }

  if (context.extensionMode === vscode.ExtensionMode.Production) return undefined;
  const api: LensTestApi = {
    whenIdle: () => controller.whenIdle(),
    lastResult: () => {
      const run = controller.current;
      return run && { runId: run.runId, summary: run.summary, stale: run.stale, uri: run.target?.uri.toString(), note: run.note };
    },
    status: () => ({ ...controller.lastStatus }),
    panelMessages: () => [...(inspector.channel?.sent ?? [])],
    panelPostCount: () => inspector.channel?.postedCount ?? 0,
    sideViewMessages: () => [...(sideView.channel?.sent ?? [])],
    panelReady: () => inspector.show().whenReady(),
    sideViewReady: async () => {
      await sideView.reveal();
      for (let i = 0; i < 100 && !sideView.channel; i++) await new Promise((r) => setTimeout(r, 50));
      if (!sideView.channel) throw new Error('the side view did not resolve');
      await sideView.channel.whenReady();
    },
    isPanelOpen: () => inspector.isOpen,
    isPanelVisible: () => inspector.isVisible,
    webviewSetup: (view) => {
      const webview = (view === 'panel' ? inspector.channel : sideView.channel)?.webview;
      return webview && { options: webview.options, html: webview.html, cspSource: webview.cspSource };
    },
    closePanel: () => inspector.close(),
    sendFromWebview: async (view, raw) => {
      const channel = view === 'panel' ? inspector.channel : sideView.channel;
      if (!channel) throw new Error(`the ${view} is not open`);
      await channel.receive(raw);
    },
    statusBar: () => ({ text: statusBar.text, tooltip: statusBar.tooltip }),
    decorationRanges: () => [...decorations.lastRanges],
    rolloutShading: () => [...shading.lastShaded],
    loadedModel: () => {
      const m = models.current();
      return (
        m && { spec: m.spec, id: m.reply.info.id, family: m.reply.info.family, device: m.reply.device.label, generation: m.generation }
      );
    },
    stats: () => ({
      ...controller.stats,
      lensRuns: controller.queries.lensRuns,
      droppedMessages: (inspector.channel?.dropped ?? 0) + (sideView.channel?.dropped ?? 0),
      closedPanels: inspector.disposedChannels,
    }),
    lastExportNotice: () => exporter?.lastNotice,
    downloadProgress: () => [...progress],
    cancelDownloads: () => resolver.cancelAll(),
    modelPicker: () => modelPicker,
    restorePanel: async () => {
      inspector.close();
      const panel = vscode.window.createWebviewPanel(INSPECTOR_VIEW_TYPE, 'Attention Lens', {
        viewColumn: vscode.ViewColumn.Beside,
        preserveFocus: true,
      });
      inspector.restore(panel);
    },
    killWorker: () => engine.terminateWorker(),
    surprisal: {
      isOn: (uri) => surprisal.isOn(uri),
      whenScanned: (uri) => surprisal.whenScanned(uri),
      windows: (uri) => {
        const state = surprisal.stateOf(uri);
        return state && { run: state.windowsRun, planned: state.windowsPlanned, pendingFrom: state.pendingFrom() };
      },
      drawn: () => surprisal.drawn,
      statusBar: () => surprisal.statusText,
      topKAsked: () => surprisal.topK.asked,
    },
    compare: {
      messages: () => [...compare.sent],
      ready: () => compare.whenReady(),
      send: (raw) => compare.receive(raw),
      dropped: () => compare.dropped,
      export: (format, uri) => compare.export(format, uri),
    },
    runFile: {
      messages: () => [...runFiles.sent],
      ready: () => runFiles.whenReady(),
      send: (raw) => runFiles.receive(raw),
      dropped: () => runFiles.dropped,
    },
  };
  return api;
}

export function deactivate(): void {
  // Everything is in context.subscriptions; VS Code disposes it.
}
