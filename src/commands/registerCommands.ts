// The attentionLens.* commands. Each catches its own errors and shows the message as it is (a command that
// throws would show VS Code's "command failed" wrapper instead); cancellations stay silent.
import * as vscode from 'vscode';
import type { ProviderEnvironment } from '../core/engine/providers';
import { LensError } from '../core/types';
import type { TokenDecorations } from '../editor/tokenDecorations';
import type { Exporter } from '../export/exporter';
import type { ModelManager } from '../models/modelManager';
import { pickModel } from '../models/modelPicker';
import type { InspectorPanel } from '../panels/inspectorPanel';
import type { SideViewProvider } from '../panels/sideView';
import type { ExportFormat } from '../protocol';
import type { InspectController } from '../session/inspectController';
import type { LensStatusBar } from '../statusBar';
import type { InspectCommands } from './inspectCommands';
import { compareRunCommands } from './compareCommands';
import { enableGpu, offerCudaWhenUseful, removeGpu } from './enableGpu';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  controller: InspectController;
  models: ModelManager;
  inspect: InspectCommands;
  inspector: InspectorPanel;
  sideView: SideViewProvider;
  exporter: Exporter;
  decorations: TokenDecorations;
  statusBar: LensStatusBar;
  environment: ProviderEnvironment;
  /** Hands the model picker to the test API while it is open. */
  onModelPicker?: (picker: vscode.QuickPick<vscode.QuickPickItem>) => void;
}

/** The outcome a command hands back to a programmatic caller (tests); users see messages instead. */
export type CommandOutcome = { ok: true; detail?: string } | { ok: false; cancelled?: boolean; error?: string };

function outcomeOf(error: unknown): CommandOutcome {
  if (error instanceof LensError && error.code === 'cancelled') return { ok: false, cancelled: true };
  return { ok: false, error: (error as Error).message };
}

const FORMATS: readonly ExportFormat[] = ['png', 'svg', 'html', 'json'];

export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const selectModel = async (args?: { spec?: unknown }): Promise<CommandOutcome> => {
    const spec = typeof args?.spec === 'string' ? args.spec : await pickModel(d.models, d.onModelPicker);
    if (!spec) return { ok: false, cancelled: true };
    try {
      const state = await d.models.select(spec);
      const { info, device } = state.reply;
      vscode.window.setStatusBarMessage(`Attention Lens: ${info.id} (${info.familyLabel}) on ${device.label}`, 5000);
      // Another model writes its own target: a given one is not carried over.
      void d.inspect.rerunCurrent(false);
      return { ok: true, detail: info.id };
    } catch (error) {
      const outcome = outcomeOf(error);
      if (!outcome.ok && !outcome.cancelled) d.controller.fail(error);
      return outcome;
    }
  };

  /** args (host-side callers only): format, and a file `uri` or a `folder` to write the default name into. */
  const exportCommand = async (args?: { format?: unknown; uri?: unknown; folder?: unknown }): Promise<CommandOutcome> => {
    const format = FORMATS.includes(args?.format as ExportFormat) ? (args!.format as ExportFormat) : await d.exporter.pickFormat();
    if (!format) return { ok: false, cancelled: true };
    try {
      const target =
        args?.uri instanceof vscode.Uri ? { file: args.uri } : args?.folder instanceof vscode.Uri ? { folder: args.folder } : undefined;
      const uri = await d.exporter.export(format, target);
      if (!uri) return { ok: false, cancelled: true };
      return { ok: true, detail: uri.toString() };
    } catch (error) {
      d.controller.fail(error);
      return outcomeOf(error);
    }
  };

  return [
    vscode.commands.registerCommand('attentionLens.inspectSelection', () => d.inspect.inspectSelection().then((run) => run?.runId)),
    vscode.commands.registerCommand('attentionLens.inspectPair', () => d.inspect.inspectSelection(true).then((run) => run?.runId)),
    vscode.commands.registerCommand('attentionLens.maskTokenAtCursor', () => d.inspect.maskTokenAtCursor().then((run) => run?.runId)),
    // args (host-side callers only): the target, instead of asking in an input box.
    vscode.commands.registerCommand('attentionLens.setTarget', (args?: { target?: unknown }) =>
      d.inspect.setTarget(typeof args?.target === 'string' ? args.target : undefined).then((run) => run?.runId),
    ),
    vscode.commands.registerCommand('attentionLens.selectModel', selectModel),
    vscode.commands.registerCommand('attentionLens.export', exportCommand),
    vscode.commands.registerCommand('attentionLens.showLog', () => d.log.show(true)),
    vscode.commands.registerCommand('attentionLens.showSideView', () => d.sideView.reveal()),
    vscode.commands.registerCommand('attentionLens.toggleTokenBoundaries', async () => {
      const on = await d.decorations.toggle();
      vscode.window.setStatusBarMessage(`Attention Lens: token boundaries ${on ? 'on' : 'off'}`, 3000);
      return on;
    }),
    vscode.commands.registerCommand('attentionLens.enableGpu', () => enableGpu(d)),
    vscode.commands.registerCommand('attentionLens.removeGpu', () => removeGpu(d)),
    offerCudaWhenUseful(d),
    ...compareRunCommands(d),
  ];
}
