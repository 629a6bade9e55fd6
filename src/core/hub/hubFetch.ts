// Fetches the files of one Hub download into the model's cache folder, one after another, with one progress
// stream over all of them. Each file reaches its final name only once verified (downloadFile.ts), so a file of
// the expected size on disk is a finished one and is kept: a broken download loses nothing already complete.
import type { Writable } from 'node:stream';
import { HttpStatusError } from './downloadErrors';
import { downloadFile } from './downloadFile';
import type { HubFileInfo } from './hubApi';
import type { HubModelId } from './modelId';
import { resolveInside } from './safePath';
import { throttle } from './throttle';
import { joinUrl } from './urlPolicy';
import { fileSize } from '../fileSize';

export interface HubProgress {
  /** The file being fetched, e.g. "onnx/model.onnx". */
  file: string;
  fileLoaded: number;
  fileTotal?: number;
  /** Bytes of all files so far, and in all (when every size is known). */
  loaded: number;
  total?: number;
}

export interface PlannedFile extends HubFileInfo {
  /** "/"-separated path inside the model folder. */
  path: string;
  /** A 404 means the model has no such file (probing without the model-info API). */
  optional: boolean;
}

export interface FetchOptions {
  signal?: AbortSignal;
  onProgress?: (p: HubProgress) => void;
  openWriteStream?: (file: string, flags: 'w' | 'a') => Writable;
  idleTimeoutSeconds?: number;
}

export class HubFetch {
  /** Bytes of every file present, by path: what the completion marker records. */
  readonly done: Record<string, number> = {};
  private loaded = 0;
  private total?: number;
  private last?: HubProgress;
  private readonly emit: (p: HubProgress, final?: boolean) => void;

  constructor(
    private readonly folder: string,
    private readonly model: HubModelId,
    private readonly hubUrl: string,
    /** The commit every file comes from, so a push during the download cannot mix two versions. */
    private readonly rev: string,
    private readonly opts: FetchOptions,
  ) {
    this.emit = throttle<HubProgress>(100, opts.onProgress);
  }

  /** The local path of a file of the model. */
  local(file: string): string {
    return resolveInside(this.folder, ...file.split('/'));
  }

  /** Sets the byte total from every file of the download (those fetched so far included); unknown sizes leave it open. */
  planTotal(files: PlannedFile[]): void {
    const fetched = Object.values(this.done).reduce((a, b) => a + b, 0);
    const sizes = files.filter((f) => !(f.path in this.done)).map((f) => f.size);
    this.total = sizes.every((s) => s !== undefined) ? sizes.reduce<number>((a, s) => a + (s ?? 0), fetched) : undefined;
  }

  /** Adds files found late (named by the graph itself) to a known total. */
  growTotal(files: PlannedFile[]): void {
    if (this.total === undefined) return;
    const sizes = files.map((f) => f.size);
    this.total = sizes.every((s) => s !== undefined) ? sizes.reduce<number>((a, s) => a + (s ?? 0), this.total) : undefined;
  }

  /**
   * Fetches one file unless it is already there complete. Returns false when an optional file is absent.
   * `quiet` reports no progress (a file fetched before the total is known).
   */
  async fetch(f: PlannedFile, quiet = false): Promise<boolean> {
    if (f.path in this.done) return true;
    const dest = this.local(f.path);
    const have = await fileSize(dest);
    if (have !== undefined && (f.size === undefined || have === f.size)) {
      this.done[f.path] = have;
      this.loaded += have;
      return true;
    }
    const url = joinUrl(this.hubUrl, this.model.owner, this.model.name, 'resolve', this.rev, ...f.path.split('/'));
    const before = this.loaded;
    try {
      const res = await downloadFile({
        url,
        dest,
        signal: this.opts.signal,
        expectedSize: f.size,
        expectedSha256: f.sha256,
        openWriteStream: this.opts.openWriteStream,
        idleTimeoutSeconds: this.opts.idleTimeoutSeconds,
        label: f.path,
        onProgress: (fileLoaded, fileTotal) => {
          if (quiet) return;
          this.last = { file: f.path, fileLoaded, fileTotal, loaded: before + fileLoaded, total: this.total };
          this.emit(this.last);
        },
      });
      this.done[f.path] = res.bytes;
      this.loaded += res.bytes;
      return true;
    } catch (err) {
      if (f.optional && err instanceof HttpStatusError && err.status === 404) return false;
      throw err;
    }
  }

  /** The last event, always delivered: everything loaded, of a total that is now exact. */
  finish(lastFile: string): void {
    const last = this.last;
    this.emit(
      {
        file: last?.file ?? lastFile,
        fileLoaded: last?.fileTotal ?? 0,
        fileTotal: last?.fileTotal,
        loaded: this.loaded,
        total: this.total ?? this.loaded,
      },
      true,
    );
  }
}
