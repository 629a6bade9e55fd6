// Makes a Hub model available as a local folder in the Hub's ONNX layout, downloading it once into a cache:
//   <cacheDir>/models--<owner>--<name>/<revision>/{config.json, tokenizer.json, …, onnx/<variant>.onnx[_data[_N]]}
// (an encoder–decoder export: onnx/encoder_model<suffix>.onnx and onnx/decoder_model[_merged]<suffix>.onnx instead).
// A marker `.complete.<variant>.json` (file sizes, commit) is written last, atomically; only a folder with a
// valid marker counts as cached, so an interrupted or corrupt download never looks complete. A cross-process
// lock keeps two windows from downloading the same model at once; the second waits and reuses the first's.
// Own code rather than transformers.js's Hub client: see downloadFile.ts.
import fsp from 'node:fs/promises';
import { checkExternalData } from '../model/modelFolder';
import { readModelGraph } from '../onnx/modelGraph';
import { LensError } from '../types';
import { acquireOrWait } from './cacheLock';
import { fetchRevisionInfo } from './hubApi';
import { HubFetch, type FetchOptions } from './hubFetch';
import { planGraphFiles, planNamedFiles, planned, planTextFiles, requireListed, TEXT_FILES } from './hubPlan';
import { cacheRevisionName, parseModelId, validateRevision, type HubModelId } from './modelId';
import { checkVariant, seq2seqVariantFiles, variantFile, variantGraphs, type OnnxVariant } from './onnxVariants';
import { resolveInside } from './safePath';
import { checkDownloadUrl } from './urlPolicy';

export { ONNX_VARIANTS, type OnnxVariant } from './onnxVariants';
export type { HubProgress } from './hubFetch';
export const DEFAULT_HUB_URL = 'https://huggingface.co';

export interface HubModelRef {
  modelId: string;
  revision?: string;
  cacheDir: string;
  /** Which graph, onnx/<variant>.onnx; validated against ONNX_VARIANTS before anything else. */
  onnxVariant?: string;
}

export interface EnsureHubModelOptions extends HubModelRef, FetchOptions {
  hubUrl?: string;
  /** Test seams and tuning. */
  lockStaleMs?: number;
  lockPollMs?: number;
}

interface Marker {
  modelId: string;
  revision: string;
  commit?: string;
  variant: OnnxVariant;
  /** The graphs downloaded: onnx/<variant>.onnx, or an encoder and a decoder (absent in markers written before). */
  graphs?: string[];
  files: Record<string, number>;
  completedAt: string;
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

/** The graphs a valid marker lists (every file it lists there with its size); undefined when there is none. */
async function cachedGraphs(r: Resolved): Promise<string[] | undefined> {
  let marker: Marker;
  try {
    marker = JSON.parse(await fsp.readFile(r.marker, 'utf8')) as Marker;
  } catch {
    return undefined;
  }
  if (marker.variant !== r.variant || typeof marker.files !== 'object' || marker.files === null) return undefined;
  for (const [rel, size] of Object.entries(marker.files)) {
    try {
      const st = await fsp.stat(resolveInside(r.folder, ...rel.split('/')));
      if (!st.isFile() || st.size !== size) return undefined;
    } catch {
      return undefined;
    }
  }
  const graphs = marker.graphs ?? [variantFile(r.variant)];
  const listed = Array.isArray(graphs) && graphs.length > 0 && graphs.every((g) => typeof g === 'string' && g in marker.files);
  return listed ? graphs : undefined;
}

const markerValid = async (r: Resolved): Promise<boolean> => (await cachedGraphs(r)) !== undefined;

/** Whether the model is fully cached (marker present and every listed file there with its size). No network. */
export async function isHubModelCached(ref: HubModelRef): Promise<boolean> {
  return markerValid(resolveRef(ref));
}

/**
 * The graphs of a fully cached model, as its folder's relative paths: onnx/<variant>.onnx, or an encoder–decoder's
 * encoder and decoder; undefined when it is not cached. No network.
 */
export async function cachedHubGraphs(ref: HubModelRef): Promise<string[] | undefined> {
  return cachedGraphs(resolveRef(ref));
}

async function readConfig(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8'));
  } catch {
    throw new LensError('config.json of the model is not valid JSON.', 'model-invalid');
  }
}

/** Without the model-info API: an encoder–decoder config's encoder, and its merged decoder if the Hub has one. */
async function probeGraphs(run: HubFetch, variant: OnnxVariant, config: unknown): Promise<string[]> {
  if ((config as { is_encoder_decoder?: unknown } | null)?.is_encoder_decoder !== true) return [variantFile(variant)];
  const { encoder, decoders } = seq2seqVariantFiles(variant);
  return [encoder, (await run.fetch(planned(decoders[0], true, undefined))) ? decoders[0] : decoders[1]];
}

async function download(r: Resolved, opts: EnsureHubModelOptions, hubUrl: string): Promise<void> {
  const info = await fetchRevisionInfo(hubUrl, r.model, r.revision, opts);
  const label = `${r.model.id} (${r.revision})`;
  const listed = info && variantGraphs(r.variant, (p) => info.files.has(p));
  requireListed(label, info, [...TEXT_FILES, ...(listed ?? [])]);
  const run = new HubFetch(r.folder, r.model, hubUrl, info?.commit ?? r.revision, opts);
  // config.json first: it says how many weight files the graph has, so the byte total is known after it.
  await run.fetch(planned('config.json', false, info), true);
  const config = await readConfig(run.local('config.json'));
  const graphs = listed ?? (await probeGraphs(run, r.variant, config));
  const files = [...planTextFiles(info), ...graphs.flatMap((graph) => planGraphFiles(label, graph, config, info))];
  run.planTotal(files);
  for (const f of files) await run.fetch(f);
  // Each graph has the last word on its weights: fetch any other file it names, then check that all are there.
  for (const graph of graphs) {
    const graphPath = run.local(graph);
    const { externalDataLocations } = (await readModelGraph(graphPath, graph)).graph;
    const named = planNamedFiles(label, graph, externalDataLocations, (p) => p in run.done, info);
    run.growTotal(named);
    for (const f of named) await run.fetch(f);
    await checkExternalData(graphPath, externalDataLocations);
  }
  run.finish(graphs[graphs.length - 1]);
  const marker: Marker = {
    modelId: r.model.id,
    revision: r.revision,
    commit: info?.commit,
    variant: r.variant,
    graphs,
    files: run.done,
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
