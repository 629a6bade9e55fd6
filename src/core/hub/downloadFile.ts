// Downloads one file to disk so that a complete-looking file only ever exists once it is complete and
// verified: bytes go to `dest + '.part'`, are fsynced, checked (size, sha256/sha512) and only then renamed to
// `dest`. An interrupted download leaves the .part behind and the next attempt resumes it with a Range request
// when the server answers 206 and a published hash (given, or the Hub's X-Linked-Etag) can check the joined
// file; otherwise it starts clean.
//
// This is our own code rather than transformers.js's Hub downloader because we need byte progress, AbortSignal
// cancellation, resume, atomic completion, size and hash checks and an HTTPS-only policy, none of which its
// fetch-and-cache path offers.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { LensError } from '../types';
import { httpRequest, type HttpResponse } from './httpRequest';
import { cancelledError, httpStatusError, toDownloadError } from './downloadErrors';

export interface DownloadFileOptions {
  url: string | URL;
  dest: string;
  signal?: AbortSignal;
  /** Called for every chunk with bytes on disk so far (resumed bytes included) and the total when known. */
  onProgress?: (loaded: number, total: number | undefined) => void;
  /** Expected size in bytes; otherwise the Hub's X-Linked-Size is used when present. */
  expectedSize?: number;
  /** Expected sha256 (hex); otherwise the Hub's X-Linked-Etag is used when it is a sha256. */
  expectedSha256?: string;
  /** Expected sha512 (hex), e.g. a NuGet package hash. */
  expectedSha512?: string;
  /** Seam for tests (disk full): opens the .part for writing. Defaults to fs.createWriteStream. */
  openWriteStream?: (file: string, flags: 'w' | 'a') => Writable;
  idleTimeoutSeconds?: number;
  /** Name used in messages, e.g. "onnx/model.onnx". Defaults to the file name of dest. */
  label?: string;
}

export interface DownloadResult {
  bytes: number;
  sha256: string;
  /** Bytes that came from an earlier interrupted attempt. */
  resumedFrom: number;
}

const WRITE_BATCH = 1024 * 1024;
const isSha256 = (v: string | undefined): v is string => v !== undefined && /^[0-9a-f]{64}$/.test(v);

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return 0;
  }
}

async function hashExisting(file: string, hashes: Hash[]): Promise<void> {
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) for (const h of hashes) h.update(chunk);
}

async function fsyncFile(file: string): Promise<void> {
  const fh = await fsp.open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Best effort: makes the rename itself durable. Not all platforms allow opening a directory. */
async function fsyncDir(dir: string): Promise<void> {
  try {
    const fh = await fsp.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* not supported here (e.g. Windows) */
  }
}

/** Parses "bytes start-end/total". */
function parseContentRange(value: string | undefined): { start: number; total?: number } | undefined {
  const m = value ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim()) : null;
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

export async function downloadFile(opts: DownloadFileOptions): Promise<DownloadResult> {
  const dest = path.resolve(opts.dest);
  const part = `${dest}.part`;
  const dir = path.dirname(dest);
  const label = opts.label ?? path.basename(dest);
  if (opts.signal?.aborted) throw cancelledError();
  await fsp.mkdir(dir, { recursive: true });

  let offset = await sizeOf(part);
  let r: HttpResponse = await request(opts, offset, label);
  let contentRange = parseContentRange(header(r, 'content-range'));
  if (offset > 0 && (r.status === 416 || (r.status === 206 && contentRange?.start !== offset))) {
    // The .part does not fit what the server has now: start clean.
    r.res.resume();
    await fsp.rm(part, { force: true });
    offset = 0;
    r = await request(opts, 0, label);
    contentRange = parseContentRange(header(r, 'content-range'));
  }
  if (offset > 0 && r.status === 206 && !opts.expectedSha256 && !opts.expectedSha512 && !isSha256(r.linkedEtag)) {
    // Nothing to verify the joined bytes against (the file may have changed since the .part was written):
    // resume only what a published hash can check, and fetch anything else whole.
    r.res.destroy();
    await fsp.rm(part, { force: true });
    offset = 0;
    r = await request(opts, 0, label);
    contentRange = parseContentRange(header(r, 'content-range'));
  }
  const ctx = { url: r.url, file: label, dir };
  if (r.status !== 200 && r.status !== 206) {
    r.res.resume();
    throw httpStatusError(r.status, ctx);
  }
  const encoding = header(r, 'content-encoding');
  if (encoding && encoding !== 'identity') {
    r.res.resume();
    throw new LensError(`${r.url.host} sent ${label} compressed (${encoding}) although asked not to.`, 'download-failed');
  }
  if (r.status === 200) offset = 0; // The server ignored the Range: rewrite from the start.
  const length = header(r, 'content-length');
  let total = r.status === 206 ? contentRange?.total : length !== undefined ? Number(length) : undefined;
  const expectedSize = opts.expectedSize ?? r.linkedSize;
  if (expectedSize !== undefined && total !== undefined && total !== expectedSize) {
    r.res.resume();
    await fsp.rm(part, { force: true });
    throw new LensError(
      `${label} from ${r.url.host} has the wrong size: the server sends ${total} bytes, ${expectedSize} were expected. Nothing was kept.`,
      'download-failed',
    );
  }
  total ??= expectedSize;
  const linkedSha = isSha256(r.linkedEtag) ? r.linkedEtag : undefined;
  const expectedSha256 = opts.expectedSha256?.toLowerCase() ?? linkedSha;

  const sha256 = createHash('sha256');
  const sha512 = opts.expectedSha512 ? createHash('sha512') : undefined;
  const hashes = sha512 ? [sha256, sha512] : [sha256];
  if (offset > 0) await hashExisting(part, hashes);

  let loaded = offset;
  const open = opts.openWriteStream ?? ((file: string, flags: 'w' | 'a') => fs.createWriteStream(file, { flags }));
  const out = open(part, offset > 0 ? 'a' : 'w');
  out.on('error', () => undefined); // errors arrive through the write/end callbacks below
  // Received bytes are batched into ~1 MiB writes (one write per socket chunk is slow), and whatever is pending
  // is still written when the connection drops, so everything received is kept for resuming. (A pipeline would
  // destroy the file stream with its buffered writes on a source error.)
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const buf = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await writeChunk(out, buf);
  };
  try {
    for await (const chunk of r.res as AsyncIterable<Buffer>) {
      if (opts.signal?.aborted) throw cancelledError();
      if (total !== undefined && loaded + chunk.length > total) {
        throw new LensError(
          `${label} from ${r.url.host} is larger than the ${total} bytes announced. Nothing was kept.`,
          'download-failed',
        );
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      loaded += chunk.length;
      for (const h of hashes) h.update(chunk);
      if (pendingBytes >= WRITE_BATCH) await flush();
      opts.onProgress?.(loaded, total);
    }
    await flush();
    await endStream(out);
  } catch (err) {
    r.res.destroy();
    const code = (err as { code?: unknown }).code;
    const diskFull = code === 'ENOSPC' || code === 'EDQUOT';
    if (diskFull) out.destroy();
    else
      await flush()
        .then(() => endStream(out))
        .catch(() => out.destroy());
    const lensErr = toDownloadError(err, ctx, opts.signal);
    // Keep a partial file for resuming after a drop or a cancel; drop it when it is wrong or the disk is full.
    if ((err instanceof LensError && err.code !== 'cancelled') || diskFull) await fsp.rm(part, { force: true });
    throw lensErr;
  }
  if (total !== undefined && loaded !== total) {
    // The body ended early without a socket error (e.g. a proxy closed it cleanly). Keep it for resuming.
    throw new LensError(
      `${label} from ${r.url.host} was cut short: ${loaded} of ${total} bytes arrived. Try again: the download resumes where it stopped.`,
      'download-failed',
    );
  }
  await fsyncFile(part);
  const onDisk = await sizeOf(part);
  if (onDisk !== loaded) {
    await fsp.rm(part, { force: true });
    throw new LensError(`${label}: ${onDisk} bytes on disk but ${loaded} were received. Nothing was kept.`, 'download-failed');
  }
  const digest = sha256.digest('hex');
  const bad =
    (expectedSha256 !== undefined && digest !== expectedSha256) ||
    (sha512 !== undefined && sha512.digest('hex') !== opts.expectedSha512?.toLowerCase());
  if (bad) {
    await fsp.rm(part, { force: true });
    throw new LensError(
      `${label} from ${r.url.host} is corrupt: its checksum does not match the one the server published. Nothing was kept; try again.`,
      'download-failed',
    );
  }
  await fsp.rename(part, dest);
  await fsyncDir(dir);
  return { bytes: loaded, sha256: digest, resumedFrom: offset };
}

function writeChunk(out: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

function endStream(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.destroyed) return reject(new Error('file stream closed'));
    out.once('error', reject);
    out.end(() => resolve());
  });
}

function header(r: HttpResponse, name: string): string | undefined {
  const v = r.res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function request(opts: DownloadFileOptions, offset: number, label: string): Promise<HttpResponse> {
  const headers: Record<string, string> = { 'Accept-Encoding': 'identity' };
  if (offset > 0) headers.Range = `bytes=${offset}-`;
  return httpRequest(opts.url, { signal: opts.signal, headers, idleTimeoutSeconds: opts.idleTimeoutSeconds, file: label });
}
