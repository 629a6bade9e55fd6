// Makes a Hub model available as a local folder in the Hub's ONNX layout, downloading it once into a cache:
//   <cacheDir>/models--<owner>--<name>/<revision>/{config.json, tokenizer.json, …, onnx/<variant>.onnx[_data]}
// A marker `.complete.<variant>.json` (file sizes, commit) is written last, atomically; only a folder with a
// valid marker counts as cached, so an interrupted or corrupt download never looks complete. A cross-process
// lock keeps two windows from downloading the same model at once; the second waits and reuses the first's.
// Own code rather than transformers.js's Hub client: see downloadFile.ts.
import fsp from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { LensError } from '../types';
import { acquireOrWait } from './cacheLock';
import { HttpStatusError } from './downloadErrors';
import { downloadFile } from './downloadFile';
import { fetchRevisionInfo, type HubRevisionInfo } from './hubApi';
import { cacheRevisionName, parseModelId, validateRevision, type HubModelId } from './modelId';
import { resolveInside } from './safePath';
import { throttle } from './throttle';
import { checkDownloadUrl, joinUrl } from './urlPolicy';

export type OnnxVariant = 'model' | 'model_quantized' | 'model_fp16';
export const ONNX_VARIANTS: readonly OnnxVariant[] = ['model', 'model_quantized', 'model_fp16'];
export const DEFAULT_HUB_URL = 'https://huggingface.co';

export interface HubProgress {
  /** The file being fetched, e.g. "onnx/model.onnx". */
  file: string;
  fileLoaded: number;
  fileTotal?: number;
  /** Bytes of all files so far, and in all (when every size is known). */
  loaded: number;
  total?: number;
}

export interface HubModelRef {
  modelId: string;
  revision?: string;
  cacheDir: string;
  onnxVariant?: OnnxVariant;
}

export interface EnsureHubModelOptions extends HubModelRef {
  hubUrl?: string;
  signal?: AbortSignal;
  onProgress?: (p: HubProgress) => void;
  /** Test seams and tuning. */
  openWriteStream?: (file: string, flags: 'w' | 'a') => Writable;
  idleTimeoutSeconds?: number;
  lockStaleMs?: number;
  lockPollMs?: number;
}

interface Marker {
  modelId: string;
  revision: string;
  commit?: string;
  variant: OnnxVariant;
  files: Record<string, number>;
  completedAt: string;
}

interface PlannedFile {
  path: string;
  optional: boolean;
  size?: number;
  sha256?: string;
}

const TEXT_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
const OPTIONAL_TEXT_FILES = ['special_tokens_map.json'];

function checkVariant(v: string): OnnxVariant {
  if (!(ONNX_VARIANTS as readonly string[]).includes(v)) {
    throw new LensError(`Unknown ONNX variant "${v}": use one of ${ONNX_VARIANTS.join(', ')}.`, 'model-invalid');
  }
  return v as OnnxVariant;
}

interface Resolved {
  model: HubModelId;
  revision: string;
  variant: OnnxVariant;
  folder: string;
  marker: string;
}

function resolveRef(ref: HubModelRef): Resolved {
  const model = parseModelId(ref.modelId);
  const revision = validateRevision(ref.revision ?? 'main');
  const variant = checkVariant(ref.onnxVariant ?? 'model');
  const folder = resolveInside(ref.cacheDir, `models--${model.owner}--${model.name}`, cacheRevisionName(revision));
  return { model, revision, variant, folder, marker: resolveInside(folder, `.complete.${variant}.json`) };
}

/** The local folder a model is (or would be) cached in. Validates the id and revision; touches nothing. */
export function hubModelFolder(ref: HubModelRef): string {
  return resolveRef(ref).folder;
}

async function markerValid(r: Resolved): Promise<boolean> {
  let marker: Marker;
  try {
    marker = JSON.parse(await fsp.readFile(r.marker, 'utf8')) as Marker;
  } catch {
    return false;
  }
  if (marker.variant !== r.variant || typeof marker.files !== 'object' || marker.files === null) return false;
  for (const [rel, size] of Object.entries(marker.files)) {
    try {
      const st = await fsp.stat(resolveInside(r.folder, ...rel.split('/')));
      if (!st.isFile() || st.size !== size) return false;
    } catch {
      return false;
    }
  }
  return Object.keys(marker.files).includes(`onnx/${r.variant}.onnx`);
}

/** Whether the model is fully cached (marker present and every listed file there with its size). No network. */
export async function isHubModelCached(ref: HubModelRef): Promise<boolean> {
  return markerValid(resolveRef(ref));
}

function plan(r: Resolved, info: HubRevisionInfo | undefined): PlannedFile[] {
  const onnx = `onnx/${r.variant}.onnx`;
  const wanted: PlannedFile[] = [
    ...TEXT_FILES.map((p) => ({ path: p, optional: false })),
    ...OPTIONAL_TEXT_FILES.map((p) => ({ path: p, optional: true })),
    { path: onnx, optional: false },
    // Without the API, external data is found by asking for it: a 404 means the model has none.
    { path: `${onnx}_data`, optional: true },
  ];
  if (!info) return wanted;
  const missing = wanted.filter((f) => !f.optional && !info.files.has(f.path)).map((f) => f.path);
  if (missing.length > 0) {
    const variants = [...info.files.keys()].filter((n) => /^onnx\/[^/]+\.onnx$/.test(n));
    const has = variants.length > 0 ? ` It has: ${variants.join(', ')}.` : ' It has no ONNX export in onnx/.';
    throw new LensError(`${r.model.id} (${r.revision}) lacks ${missing.join(', ')}.${has}`, 'model-unsupported');
  }
  return wanted.filter((f) => info.files.has(f.path)).map((f) => ({ ...f, ...info.files.get(f.path) }));
}

async function existingSize(file: string): Promise<number | undefined> {
  try {
    const st = await fsp.stat(file);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

async function download(r: Resolved, opts: EnsureHubModelOptions, hubUrl: string): Promise<void> {
  const info = await fetchRevisionInfo(hubUrl, r.model, r.revision, opts);
  const files = plan(r, info);
  // Every file from one commit, so a push during the download cannot mix two versions.
  const rev = info?.commit ?? r.revision;
  const sizes = files.map((f) => f.size);
  const total = sizes.every((s) => s !== undefined) ? sizes.reduce<number>((a, s) => a + (s ?? 0), 0) : undefined;
  const emit = throttle<HubProgress>(100, opts.onProgress);
  const done: Record<string, number> = {};
  let loadedBefore = 0;
  let last: HubProgress | undefined;
  for (const f of files) {
    const dest = resolveInside(r.folder, ...f.path.split('/'));
    const have = await existingSize(dest);
    // Files reach their final name only after being verified, so one of the right size is a finished one.
    if (have !== undefined && (f.size === undefined || have === f.size)) {
      done[f.path] = have;
      loadedBefore += have;
      continue;
    }
    const url = joinUrl(hubUrl, r.model.owner, r.model.name, 'resolve', rev, ...f.path.split('/'));
    try {
      const res = await downloadFile({
        url,
        dest,
        signal: opts.signal,
        expectedSize: f.size,
        expectedSha256: f.sha256,
        openWriteStream: opts.openWriteStream,
        idleTimeoutSeconds: opts.idleTimeoutSeconds,
        label: f.path,
        onProgress: (fileLoaded, fileTotal) => {
          last = { file: f.path, fileLoaded, fileTotal, loaded: loadedBefore + fileLoaded, total };
          emit(last);
        },
      });
      done[f.path] = res.bytes;
      loadedBefore += res.bytes;
    } catch (err) {
      if (f.optional && err instanceof HttpStatusError && err.status === 404) continue;
      throw err;
    }
  }
  emit(
    {
      file: last?.file ?? files[files.length - 1].path,
      fileLoaded: last?.fileTotal ?? 0,
      fileTotal: last?.fileTotal,
      loaded: loadedBefore,
      total: total ?? loadedBefore,
    },
    true,
  );
  const marker: Marker = {
    modelId: r.model.id,
    revision: r.revision,
    commit: info?.commit,
    variant: r.variant,
    files: done,
    completedAt: new Date().toISOString(),
  };
  const tmp = `${r.marker}.tmp-${process.pid}`;
  await fsp.writeFile(tmp, JSON.stringify(marker, null, 2));
  await fsp.rename(tmp, r.marker);
}

/**
 * Returns the local folder of a Hub model, downloading what is missing. A fully cached model costs no request.
 * Errors are LensErrors: 'model-invalid' (bad id, revision or variant, before any request), 'model-unsupported'
 * (the model lacks a required file), 'download-failed' (network, HTTP, disk, corrupt file), 'cancelled'.
 */
export async function ensureHubModel(opts: EnsureHubModelOptions): Promise<string> {
  const r = resolveRef(opts);
  const hubUrl = checkDownloadUrl(opts.hubUrl ?? DEFAULT_HUB_URL).toString();
  if (await markerValid(r)) return r.folder;
  await fsp.mkdir(r.folder, { recursive: true });
  const lock = await acquireOrWait(`${r.folder}.lock`, () => markerValid(r), {
    signal: opts.signal,
    staleMs: opts.lockStaleMs,
    pollMs: opts.lockPollMs,
  });
  if (lock === null) return r.folder; // another window finished it
  try {
    await download(r, opts, hubUrl);
  } finally {
    await lock.release();
  }
  return r.folder;
}
