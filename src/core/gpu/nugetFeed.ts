// Finds a package on a NuGet v3 feed the way onnxruntime-node's own install script does (service index →
// PackageBaseAddress/3.0.0 → {id}/index.json → {id}/{ver}/{id}.{ver}.nupkg), and in addition looks up the
// package's published size and SHA-512 (registration leaf → catalog entry: packageSize, packageHash) so the
// download can be verified. Every URL taken from the feed's answers goes through the same HTTPS-only policy.
import { LensError } from '../types';
import { fetchJson } from '../hub/httpRequest';
import { checkDownloadUrl } from '../hub/urlPolicy';

export interface NugetPackageRef {
  id: string;
  version: string;
  url: URL;
  /** From the catalog, when the feed publishes it. */
  size?: number;
  /** SHA-512 (hex) from the catalog, when the feed publishes it. */
  sha512?: string;
}

interface Opts {
  signal?: AbortSignal;
  idleTimeoutSeconds?: number;
}

function rec(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function withSlash(u: string): string {
  return u.endsWith('/') ? u : `${u}/`;
}

function feedError(feedUrl: string, why: string): LensError {
  return new LensError(`The package feed ${feedUrl} ${why}.`, 'download-failed');
}

/** Resource URL of the first type in `types` that the service index lists. */
function resource(index: Record<string, unknown>, types: string[]): string | undefined {
  const list = Array.isArray(index.resources) ? index.resources : [];
  for (const t of types) {
    for (const r of list) {
      const o = rec(r);
      if (o && o['@type'] === t && typeof o['@id'] === 'string') return withSlash(o['@id']);
    }
  }
  return undefined;
}

async function packageHash(
  index: Record<string, unknown>,
  id: string,
  version: string,
  opts: Opts,
): Promise<{ size?: number; sha512?: string }> {
  // Plain first: the 3.6.0 registrations are gzip-compressed (handled, but not needed).
  const reg = resource(index, [
    'RegistrationsBaseUrl',
    'RegistrationsBaseUrl/3.0.0-rc',
    'RegistrationsBaseUrl/3.4.0',
    'RegistrationsBaseUrl/3.6.0',
  ]);
  if (!reg) return {};
  const leaf = rec(await fetchJson(checkDownloadUrl(`${reg}${id}/${version}.json`), { ...opts, file: `${id} ${version} registration` }));
  const catalogUrl = leaf?.catalogEntry;
  if (typeof catalogUrl !== 'string') return {};
  const entry = rec(await fetchJson(checkDownloadUrl(catalogUrl), { ...opts, file: `${id} ${version} catalog entry` }));
  if (!entry) return {};
  const size = typeof entry.packageSize === 'number' && Number.isSafeInteger(entry.packageSize) ? entry.packageSize : undefined;
  const algo = typeof entry.packageHashAlgorithm === 'string' ? entry.packageHashAlgorithm.toUpperCase() : '';
  const b64 = typeof entry.packageHash === 'string' ? entry.packageHash : '';
  const raw = Buffer.from(b64, 'base64');
  return { size, sha512: algo === 'SHA512' && raw.length === 64 ? raw.toString('hex') : undefined };
}

/** Resolves the .nupkg URL of `id` `version` on the feed whose service index is at feedUrl. */
export async function resolveNugetPackage(
  feedUrl: string,
  packageId: string,
  packageVersion: string,
  opts: Opts = {},
): Promise<NugetPackageRef> {
  const id = packageId.toLowerCase();
  const version = packageVersion.toLowerCase();
  if (!/^[a-z0-9._-]+$/.test(id) || !/^[0-9a-z.+-]+$/.test(version)) {
    throw new LensError(`Invalid package id or version: ${packageId} ${packageVersion}.`, 'download-failed');
  }
  const index = rec(await fetchJson(checkDownloadUrl(feedUrl), { ...opts, file: 'the feed index' }));
  if (!index) throw feedError(feedUrl, 'did not answer with a NuGet service index');
  const base = resource(index, ['PackageBaseAddress/3.0.0']);
  if (!base) throw feedError(feedUrl, 'lists no package download address (PackageBaseAddress/3.0.0)');
  const versions = rec(await fetchJson(checkDownloadUrl(`${base}${id}/index.json`), { ...opts, file: `${packageId} versions` }));
  const list = Array.isArray(versions?.versions) ? (versions?.versions as unknown[]) : [];
  if (!list.includes(version)) {
    throw feedError(feedUrl, `has no ${packageId} ${packageVersion} (the version onnxruntime-node needs)`);
  }
  const { size, sha512 } = await packageHash(index, id, version, opts);
  return { id, version, url: checkDownloadUrl(`${base}${id}/${version}/${id}.${version}.nupkg`), size, sha512 };
}
