// Enable GPU (CUDA): downloads onnxruntime's CUDA provider libraries (an installed VSIX never runs npm's
// postinstall that would fetch them), after saying what, from where, and what else CUDA needs. Then the next
// inspection reloads the model, and the status bar shows the device that really runs.
import * as vscode from 'vscode';
import { cudaProviderStatus, installCudaProvider, NUGET_FEED_URL } from '../core/gpu/cudaProvider';
import { detectNvidiaGpu } from '../core/gpu/nvidiaGpu';
import type { ProviderEnvironment } from '../core/engine/providers';
import { LensError } from '../core/types';
import type { InspectController } from '../session/inspectController';
import type { ModelManager } from '../models/modelManager';
import { formatBytes } from '../models/modelResolver';

export interface GpuDeps {
  log: vscode.LogOutputChannel;
  controller: InspectController;
  models: ModelManager;
  environment: ProviderEnvironment;
}

export async function enableGpu(d: GpuDeps): Promise<boolean> {
  if (process.platform === 'win32' || process.platform === 'darwin') {
    const provider = process.platform === 'win32' ? 'DirectML' : 'CoreML';
    void vscode.window.showInformationMessage(`Attention Lens: on this platform the GPU runs through ${provider}, which ships with the extension. Set "attentionLens.device" to "auto" or "${process.platform === 'win32' ? 'dml' : 'coreml'}".`);
    return false;
  }
  if (process.arch !== 'x64') {
    void vscode.window.showInformationMessage(`Attention Lens: onnxruntime publishes CUDA providers for Linux x64 only; this is Linux ${process.arch}.`);
    return false;
  }
  const status = await cudaProviderStatus();
  if (status.installed && !status.versionMismatch) {
    d.environment.cudaInstalled = true;
    void vscode.window.showInformationMessage(`Attention Lens: the CUDA provider is already installed in ${status.targetDir}.`);
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
          onProgress: (p) => progress.report({ message: `${p.phase}${p.loaded ? `: ${formatBytes(p.loaded)}${p.total ? ` of ${formatBytes(p.total)}` : ''}` : ''}` }),
        });
      },
    );
    d.log.info(`CUDA provider ${manifest.version} installed: ${manifest.files.map((f) => f.name).join(', ')} (verified by ${manifest.verifiedBy.join(', ') || 'nothing'})`);
    d.environment.cudaInstalled = true;
    d.models.invalidate();
    void vscode.window.showInformationMessage('Attention Lens: CUDA provider installed. The next inspection loads the model on CUDA if it starts (the status bar shows the device that runs).');
    return true;
  } catch (error) {
    if (error instanceof LensError && error.code === 'cancelled') return false;
    d.controller.fail(error);
    return false;
  }
}
