// The Hub's model-info API, used to learn before downloading which files a revision holds, their sizes and the
// sha256 of LFS files, and the commit a branch points at. One small JSON request answers "does this model have
// external data (onnx/*.onnx_data)?", "is special_tokens_map.json there?" and "which ONNX variants exist?" for
// all files at once, gives an exact byte total for progress, and pins every file to one commit, where a HEAD per
// file would cost a round trip each and still not give the total up front.
// Names from the answer are only compared with our fixed list of wanted files; they are never used as paths.
import { LensError } from '../types';
import { fetchJson } from './httpRequest';
import { isCommitHash, type HubModelId } from './modelId';
import { joinUrl } from './urlPolicy';

export interface HubFileInfo {
  size?: number;
  /** sha256 (hex) of an LFS file. */
  sha256?: string;
}

export interface HubRevisionInfo {
  /** The commit the revision resolves to, when the API gave one. */
  commit?: string;
  files: Map<string, HubFileInfo>;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function nonNegInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** Parses the API's JSON; throws on a shape that is not a model-info answer. */
export function parseRevisionInfo(json: unknown, hostForMessages: string): HubRevisionInfo {
  const root = asRecord(json);
  const siblings = root?.siblings;
  if (!root || !Array.isArray(siblings)) {
    throw new LensError(`The model information from ${hostForMessages} is not in the Hub's format (no file list).`, 'download-failed');
  }
  const files = new Map<string, HubFileInfo>();
  for (const s of siblings) {
    const rec = asRecord(s);
    if (!rec || typeof rec.rfilename !== 'string') continue;
    const lfs = asRecord(rec.lfs);
    const sha = typeof lfs?.sha256 === 'string' && /^[0-9a-f]{64}$/.test(lfs.sha256) ? lfs.sha256 : undefined;
    files.set(rec.rfilename, { size: nonNegInt(lfs?.size) ?? nonNegInt(rec.size), sha256: sha });
  }
  const commit = typeof root.sha === 'string' && isCommitHash(root.sha) ? root.sha : undefined;
  return { commit, files };
}

/**
 * GET {hub}/api/models/{owner}/{name}/revision/{rev}?blobs=true. Resolves to undefined when the host has no
 * such API or says 404 (a plain mirror that only serves /resolve/): the caller then probes the files directly.
 */
export async function fetchRevisionInfo(
  hubUrl: string,
  model: HubModelId,
  revision: string,
  opts: { signal?: AbortSignal; idleTimeoutSeconds?: number },
): Promise<HubRevisionInfo | undefined> {
  const url = joinUrl(hubUrl, 'api', 'models', model.owner, model.name, 'revision', revision);
  url.search = '?blobs=true';
  const json = await fetchJson(url, { ...opts, file: `model information for ${model.id}` });
  if (json === undefined) return undefined;
  return parseRevisionInfo(json, url.host);
}
