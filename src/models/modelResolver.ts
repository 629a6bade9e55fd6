// Turns a model spec into a local folder for the engine: embedded and local folders directly, Hub ids through
// the cache, downloading with a cancellable notification that shows bytes. Enforces Workspace Trust for
// folders inside an untrusted workspace.
import * as vscode from 'vscode';
import { isHubModelCached, type HubProgress } from '../core/hub/hubModel';
import { classifyModelSpec, resolveModel, type ModelLocations, type ResolvedModel } from '../core/model/resolveModel';
import { LensError } from '../core/types';
import { formatBytes } from '../core/byteSize';
import { isInsideAny } from '../trustPolicy';

/** What a test (or anything besides the notification's Cancel button) can see and do with a download. */
export interface DownloadWatch {
  onProgress?: (spec: string, progress: HubProgress) => void;
  /** Aborts every download in flight, as the notification's Cancel button does. */
  cancelAll(): void;
}

function isInsideWorkspace(folder: string): boolean {
  return isInsideAny(
    folder,
    (vscode.workspace.workspaceFolders ?? []).map((wf) => wf.uri.fsPath),
  );
}

export class ModelResolver implements DownloadWatch {
  private readonly inFlight = new Set<AbortController>();
  onProgress?: (spec: string, progress: HubProgress) => void;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  cancelAll(): void {
    for (const controller of this.inFlight) controller.abort();
  }

  async resolve(spec: string, where: ModelLocations): Promise<ResolvedModel> {
    const kind = classifyModelSpec(spec, where.embeddedDir);
    if (kind.source === 'local' && !vscode.workspace.isTrusted && isInsideWorkspace(kind.folder)) {
      throw new LensError(
        `Not loading the model in ${kind.folder}: it lies inside this untrusted workspace. ` +
          'Trust the workspace (Manage Workspace Trust) to load models from it.',
        'untrusted',
      );
    }
    if (kind.source !== 'hub' || (await isHubModelCached({ modelId: kind.id, cacheDir: where.cacheDir, onnxVariant: kind.variant }))) {
      return resolveModel(spec, where);
    }
    return this.download(spec, kind.id, where);
  }

  private download(spec: string, id: string, where: ModelLocations): Promise<ResolvedModel> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    this.log.info(`downloading ${id} from ${where.hubUrl} into ${where.cacheDir}`);
    const started = Date.now();
    return Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Attention Lens: downloading ${id}`, cancellable: true },
        async (progress, token) => {
          const onCancel = token.onCancellationRequested(() => controller.abort());
          let reportedPercent = 0;
          try {
            return await resolveModel(spec, where, {
              signal: controller.signal,
              onProgress: (p) => {
                this.onProgress?.(spec, p);
                const of = p.total ? ` of ${formatBytes(p.total)}` : '';
                const percent = p.total ? Math.floor((100 * p.loaded) / p.total) : reportedPercent;
                progress.report({ message: `${p.file}: ${formatBytes(p.loaded)}${of}`, increment: percent - reportedPercent });
                reportedPercent = percent;
              },
            });
          } finally {
            onCancel.dispose();
          }
        },
      ),
    )
      .then(
        (resolved) => {
          this.log.info(`downloaded ${id} in ${Date.now() - started} ms`);
          return resolved;
        },
        (error: unknown) => {
          if (error instanceof LensError && error.code === 'cancelled') this.log.info(`download of ${id} cancelled`);
          else this.log.error(`download of ${id} failed: ${(error as Error).message}`);
          throw error;
        },
      )
      .finally(() => this.inFlight.delete(controller));
  }
}
