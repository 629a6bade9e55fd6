// Installs onnxruntime's CUDA execution provider for Linux x64 — the same files onnxruntime-node's npm
// postinstall would fetch (an installed VSIX never runs npm scripts): the NuGet package
// Microsoft.ML.OnnxRuntime.Gpu.Linux of onnxruntime-node's own version, from which only
//   runtimes/linux-x64/native/libonnxruntime_providers_{shared,cuda,tensorrt}.so
// are taken (matched by exact entry name) and placed next to libonnxruntime.so.1 (see ortLocation.ts).
// The package is downloaded with the verified, resumable downloader; each library is extracted to a temp
// file, checked (size, CRC) and renamed into place; a manifest records what was installed so that undo removes
// exactly those files. Running CUDA also needs the CUDA 12 runtime and cuDNN 9 on the system; this does not
// install those.
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { LensError } from '../types';
import { downloadFile } from '../hub/downloadFile';
import { resolveInside } from '../hub/safePath';
import { throttle } from '../hub/throttle';
import { resolveNugetPackage } from './nugetFeed';
import { ortLocation } from './ortLocation';
import { ZipError, extractEntry, readZipEntries, type ZipEntry } from './zipReader';
import { fileSize } from '../fileSize';

export const CUDA_PACKAGE_ID = 'Microsoft.ML.OnnxRuntime.Gpu.Linux';
/** The feed onnxruntime-node's install script uses (script/install-metadata.js). */
export const NUGET_FEED_URL = 'https://api.nuget.org/v3/index.json';
export const CUDA_MANIFEST = '.attention-lens-cuda.json';

export const CUDA_PROVIDER_FILES: readonly { name: string; entry: string; required: boolean }[] = [
  { name: 'libonnxruntime_providers_shared.so', entry: 'runtimes/linux-x64/native/libonnxruntime_providers_shared.so', required: true },
  { name: 'libonnxruntime_providers_cuda.so', entry: 'runtimes/linux-x64/native/libonnxruntime_providers_cuda.so', required: true },
  // TensorRT's provider only loads where TensorRT is installed; onnxruntime-node's script installs it too.
  {
    name: 'libonnxruntime_providers_tensorrt.so',
    entry: 'runtimes/linux-x64/native/libonnxruntime_providers_tensorrt.so',
    required: false,
  },
];
const ALLOWED = new Set(CUDA_PROVIDER_FILES.map((f) => f.name));

export interface CudaProgress {
  phase: 'resolve' | 'download' | 'extract' | 'done';
  loaded: number;
  total?: number;
}

export interface CudaInstallOptions {
  feedUrl?: string;
  /** Defaults to onnxruntime-node's version. */
  ortVersion?: string;
  /** Defaults to cudaLibraryDir(). Tests use a temp folder. */
  targetDir?: string;
  /** Where the .nupkg is kept while downloading (an interrupted download resumes). Default: the OS temp dir. */
  downloadDir?: string;
  signal?: AbortSignal;
  onProgress?: (p: CudaProgress) => void;
  /** A sha256 (hex) of the .nupkg the caller already knows, checked in addition to the feed's SHA-512. */
  expectedSha256?: string;
  openWriteStream?: (file: string, flags: 'w' | 'a') => Writable;
  idleTimeoutSeconds?: number;
}

export interface InstalledFile {
  name: string;
  size: number;
  sha256: string;
}

export interface CudaManifest {
  package: string;
  version: string;
  packageSha256: string;
  /** How the package was verified: against the feed's SHA-512, a caller's sha256, or its size alone. */
  verifiedBy: string[];
  files: InstalledFile[];
  installedAt: string;
}

export interface CudaProviderStatus {
  installed: boolean;
  /** Installed by Attention Lens (a manifest is present); false when the files came from elsewhere (npm). */
  managed: boolean;
  targetDir: string;
  version?: string;
  /** True when the installed files are for another onnxruntime-node version than the one bundled. */
  versionMismatch: boolean;
  files: { name: string; present: boolean; size?: number }[];
}

function defaultTarget(opts: { targetDir?: string }): string {
  return path.resolve(opts.targetDir ?? ortLocation(undefined, 'linux', 'x64').bindingDir);
}

async function readManifest(targetDir: string): Promise<CudaManifest | undefined> {
  try {
    const m = JSON.parse(await fsp.readFile(path.join(targetDir, CUDA_MANIFEST), 'utf8')) as CudaManifest;
    if (!Array.isArray(m.files) || typeof m.version !== 'string') return undefined;
    // The manifest is a file on disk: only names we install are ever acted on.
    m.files = m.files.filter((f) => typeof f?.name === 'string' && ALLOWED.has(f.name));
    return m;
  } catch {
    return undefined;
  }
}

function corrupt(why: string): LensError {
  return new LensError(`The downloaded CUDA package is corrupt (${why}). It was deleted; try again.`, 'download-failed');
}

/** Downloads, verifies and installs the CUDA provider libraries. Resolves to the manifest written. */
export async function installCudaProvider(opts: CudaInstallOptions = {}): Promise<CudaManifest> {
  if (opts.targetDir === undefined && (process.platform !== 'linux' || process.arch !== 'x64')) {
    throw new LensError(`The CUDA download is for Linux x64; this is ${process.platform} ${process.arch}.`, 'download-failed');
  }
  const targetDir = defaultTarget(opts);
  const version = opts.ortVersion ?? ortLocation().version;
  const emit = throttle<CudaProgress>(100, opts.onProgress);
  emit({ phase: 'resolve', loaded: 0 }, true);
  const ref = await resolveNugetPackage(opts.feedUrl ?? NUGET_FEED_URL, CUDA_PACKAGE_ID, version, opts);

  const downloadDir = path.resolve(opts.downloadDir ?? path.join(os.tmpdir(), 'attention-lens-cuda'));
  const nupkg = resolveInside(downloadDir, `${ref.id}.${ref.version}.nupkg`);
  const verifiedBy = [
    ref.sha512 ? 'sha512 from the feed' : '',
    opts.expectedSha256 ? 'sha256 given' : '',
    ref.size !== undefined ? 'size from the feed' : '',
  ].filter(Boolean);
  const dl = await downloadFile({
    url: ref.url,
    dest: nupkg,
    signal: opts.signal,
    expectedSize: ref.size,
    expectedSha512: ref.sha512,
    expectedSha256: opts.expectedSha256,
    openWriteStream: opts.openWriteStream,
    idleTimeoutSeconds: opts.idleTimeoutSeconds,
    label: `${CUDA_PACKAGE_ID} ${ref.version}`,
    onProgress: (loaded, total) => emit({ phase: 'download', loaded, total }),
  });
  emit({ phase: 'download', loaded: dl.bytes, total: dl.bytes }, true);

  const temps: string[] = [];
  try {
    let entries: ZipEntry[];
    try {
      entries = await readZipEntries(nupkg);
    } catch (err) {
      throw corrupt(err instanceof ZipError ? err.message : String(err));
    }
    const byName = new Map(entries.map((e) => [e.name, e]));
    const wanted = CUDA_PROVIDER_FILES.filter((f) => f.required || byName.has(f.entry));
    const missing = wanted.filter((f) => !byName.has(f.entry)).map((f) => f.entry);
    if (missing.length > 0) throw corrupt(`it lacks ${missing.join(', ')}`);
    const total = wanted.reduce((a, f) => a + (byName.get(f.entry)?.size ?? 0), 0);
    await fsp.mkdir(targetDir, { recursive: true });
    const installed: InstalledFile[] = [];
    let done = 0;
    for (const f of wanted) {
      const entry = byName.get(f.entry) as ZipEntry;
      const tmp = resolveInside(targetDir, `.${f.name}.${randomBytes(4).toString('hex')}.tmp`);
      temps.push(tmp);
      let sha256: string;
      try {
        sha256 = await extractEntry(nupkg, entry, tmp, opts.signal);
      } catch (err) {
        if (err instanceof ZipError) throw corrupt(err.message);
        throw err;
      }
      done += entry.size;
      emit({ phase: 'extract', loaded: done, total }, true); // one event per library: few, and each matters
      installed.push({ name: f.name, size: entry.size, sha256 });
    }
    // Everything extracted and checked: now swap the files in. A rename over a library that a running process
    // has loaded is safe on Linux (the old inode lives on until it is unloaded).
    for (let i = 0; i < installed.length; i++) await fsp.rename(temps[i], resolveInside(targetDir, installed[i].name));
    temps.length = 0;
    const manifest: CudaManifest = {
      package: CUDA_PACKAGE_ID,
      version: ref.version,
      packageSha256: dl.sha256,
      verifiedBy,
      files: installed,
      installedAt: new Date().toISOString(),
    };
    const mtmp = resolveInside(targetDir, `${CUDA_MANIFEST}.${process.pid}.tmp`);
    await fsp.writeFile(mtmp, JSON.stringify(manifest, null, 2));
    await fsp.rename(mtmp, resolveInside(targetDir, CUDA_MANIFEST));
    await fsp.rm(nupkg, { force: true });
    emit({ phase: 'done', loaded: total, total }, true);
    return manifest;
  } catch (err) {
    if (err instanceof LensError && err.code === 'download-failed') await fsp.rm(nupkg, { force: true });
    if (opts.signal?.aborted) throw new LensError('CUDA installation cancelled.', 'cancelled');
    throw err instanceof LensError
      ? err
      : new LensError(`Installing the CUDA provider failed: ${(err as Error).message}`, 'download-failed');
  } finally {
    for (const t of temps) await fsp.rm(t, { force: true });
  }
}

/** Removes exactly the files the manifest lists (and the manifest). Resolves to the names removed. */
export async function uninstallCudaProvider(opts: { targetDir?: string } = {}): Promise<string[]> {
  const targetDir = defaultTarget(opts);
  const manifest = await readManifest(targetDir);
  if (!manifest) return [];
  const removed: string[] = [];
  for (const f of manifest.files) {
    const file = resolveInside(targetDir, f.name);
    if ((await fileSize(file)) !== undefined) {
      await fsp.rm(file, { force: true });
      removed.push(f.name);
    }
  }
  await fsp.rm(path.join(targetDir, CUDA_MANIFEST), { force: true });
  return removed;
}

/** What is installed in targetDir (default: where onnxruntime loads providers from). No network. */
export async function cudaProviderStatus(opts: { targetDir?: string; ortVersion?: string } = {}): Promise<CudaProviderStatus> {
  const targetDir = defaultTarget(opts);
  const manifest = await readManifest(targetDir);
  const files = await Promise.all(
    CUDA_PROVIDER_FILES.map(async (f) => {
      const size = await fileSize(path.join(targetDir, f.name));
      return { name: f.name, present: size !== undefined, size };
    }),
  );
  const requiredPresent = CUDA_PROVIDER_FILES.every((f, i) => !f.required || files[i].present);
  const sizesMatch = manifest ? manifest.files.every((m) => files.find((f) => f.name === m.name)?.size === m.size) : true;
  let current: string | undefined = opts.ortVersion;
  if (current === undefined) {
    try {
      current = ortLocation().version;
    } catch {
      current = undefined;
    }
  }
  return {
    installed: requiredPresent && sizesMatch,
    managed: manifest !== undefined,
    targetDir,
    version: manifest?.version,
    versionMismatch: manifest !== undefined && current !== undefined && manifest.version !== current.toLowerCase(),
    files,
  };
}
