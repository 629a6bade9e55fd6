// Enable GPU (CUDA): downloads onnxruntime's CUDA provider libraries (an installed VSIX never runs npm's
// postinstall that would fetch them), after saying what, from where, and what else CUDA needs. Then the next
// inspection reloads the model, and the status bar shows the device that really runs. Offered once when a
// model runs on the CPU beside a visible NVIDIA GPU; Remove GPU (CUDA) Provider undoes it.
import * as vscode from 'vscode';
import { cudaProviderStatus, installCudaProvider, NUGET_FEED_URL, uninstallCudaProvider } from '../core/gpu/cudaProvider';
import { detectNvidiaGpu } from '../core/gpu/nvidiaGpu';
import type { ProviderEnvironment } from '../core/engine/providers';
import { LensError } from '../core/types';
import type { InspectController } from '../session/inspectController';
import type { ModelManager } from '../models/modelManager';
import { formatBytes } from '../core/byteSize';
import { mayOfferCuda } from './cudaOfferPolicy';

const DECLINED_KEY = 'attentionLens.cudaOfferDeclined';
const ENABLE = 'Enable GPU (CUDA)';
const NEVER = "Don't Ask Again";

export interface GpuDeps {
  log: vscode.LogOutputChannel;
  controller: InspectController;
  models: ModelManager;
  environment: ProviderEnvironment;
}

export async function enableGpu(d: GpuDeps): Promise<boolean> {
  if (process.platform === 'win32' || process.platform === 'darwin') {
    const provider = process.platform === 'win32' ? 'DirectML' : 'CoreML';
    void vscode.window.showInformationMessage(
      `Attention Lens: on this platform the GPU runs through ${provider}, which ships with the extension. Set "attentionLens.device" to ` +
        `"auto" or "${process.platform === 'win32' ? 'dml' : 'coreml'}".`,
    );
    return false;
  }
  if (process.arch !== 'x64') {
    void vscode.window.showInformationMessage(
      `Attention Lens: onnxruntime publishes CUDA providers for Linux x64 only; this is Linux ${process.arch}.`,
    );
    return false;
  }
  const status = await cudaProviderStatus();
  if (status.installed && !status.versionMismatch) {
    d.environment.cudaInstalled = true;
    void vscode.window.showInformationMessage(
      `Attention Lens: the CUDA provider is already installed in ${status.targetDir} ("Remove GPU (CUDA) Provider" undoes it).`,
    );
    return true;
  }
  const gpu = await detectNvidiaGpu();
  d.log.info(`NVIDIA GPU: ${gpu.present ? 'present' : 'not found'} (${gpu.detail})`);
  const warning = gpu.present ? '' : ` No NVIDIA GPU was found (${gpu.detail}), so CUDA will likely not start.`;
  const answer = await vscode.window.showWarningMessage(
    `Download onnxruntime's CUDA provider (Microsoft.ML.OnnxRuntime.Gpu.Linux, a few hundred MB from ${new URL(NUGET_FEED_URL).host})? ` +
      `Running on CUDA also needs the CUDA 12 runtime and cuDNN 9 installed on this machine.${warning}`,
    { modal: true },
    'Download',
  );
  if (answer !== 'Download') return false;
  const controller = new AbortController();
  try {
    const manifest = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Attention Lens: installing the CUDA provider', cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        return installCudaProvider({
          signal: controller.signal,
          onProgress: (p) =>
            progress.report({
              message: `${p.phase}${p.loaded ? `: ${formatBytes(p.loaded)}${p.total ? ` of ${formatBytes(p.total)}` : ''}` : ''}`,
            }),
        });
      },
    );
    d.log.info(
      `CUDA provider ${manifest.version} installed: ${manifest.files.map((f) => f.name).join(', ')} (verified ` +
        `by ${manifest.verifiedBy.join(', ') || 'nothing'})`,
    );
    d.environment.cudaInstalled = true;
    d.models.invalidate();
    void vscode.window.showInformationMessage(
      'Attention Lens: CUDA provider installed. The next inspection loads the model on CUDA if it starts ' +
        '(the status bar shows the device that runs).',
    );
    return true;
  } catch (error) {
    if (error instanceof LensError && error.code === 'cancelled') return false;
    d.controller.fail(error);
    return false;
  }
}

/** Undoes Enable GPU (CUDA): removes exactly the files it installed, then the next inspection runs on the CPU. */
export async function removeGpu(d: GpuDeps): Promise<boolean> {
  const status = await cudaProviderStatus();
  if (!status.managed) {
    const detail = status.installed
      ? "the CUDA provider there was not installed by Attention Lens (npm's postinstall, or by hand), so it is left alone"
      : 'no CUDA provider is installed';
    void vscode.window.showInformationMessage(`Attention Lens: nothing to remove in ${status.targetDir}: ${detail}.`);
    return false;
  }
  const answer = await vscode.window.showWarningMessage(
    `Remove the CUDA provider ${status.version ?? ''} that Attention Lens installed in ${status.targetDir}? Models then run on the CPU.`,
    { modal: true },
    'Remove',
  );
  if (answer !== 'Remove') return false;
  try {
    const removed = await uninstallCudaProvider();
    d.log.info(`CUDA provider removed: ${removed.join(', ') || 'no files were left'}`);
    d.environment.cudaInstalled = false;
    d.models.invalidate();
    void vscode.window.showInformationMessage(
      'Attention Lens: CUDA provider removed. The next inspection loads the model on the CPU (a CUDA library already loaded stays in ' +
        'memory until the window reloads).',
    );
    return true;
  } catch (error) {
    d.controller.fail(error);
    return false;
  }
}

/** Offers Enable GPU (CUDA) once per window when a model ran on the CPU although an NVIDIA GPU is visible. */
export function offerCudaWhenUseful(d: GpuDeps & { context: vscode.ExtensionContext }): vscode.Disposable {
  let offered = false;
  return d.models.onDidChange(async () => {
    const loaded = d.models.current();
    if (!loaded) return;
    const facts = {
      platform: process.platform,
      arch: process.arch,
      requested: loaded.device,
      provider: loaded.reply.device.provider,
      cudaInstalled: d.environment.cudaInstalled,
      declined: d.context.globalState.get<boolean>(DECLINED_KEY, false),
      offeredThisWindow: offered,
    };
    if (!mayOfferCuda(facts)) return;
    offered = true;
    const gpu = await detectNvidiaGpu();
    d.log.info(`NVIDIA GPU: ${gpu.present ? 'present' : 'not found'} (${gpu.detail})`);
    if (!gpu.present) return;
    const which = gpu.gpus?.length ? gpu.gpus.join(', ') : 'an NVIDIA GPU';
    const choice = await vscode.window.showInformationMessage(
      `Attention Lens runs ${loaded.reply.info.id} on the CPU, ` +
        `but this machine has ${which}. Download onnxruntime's CUDA provider to run on it?`,
      ENABLE,
      NEVER,
    );
    if (choice === ENABLE) await enableGpu(d);
    else if (choice === NEVER) await d.context.globalState.update(DECLINED_KEY, true);
  });
}
