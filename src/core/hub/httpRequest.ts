// One HTTP(S) request with the download policy applied: https only (http to loopback), redirects followed
// only to allowed URLs (the Hub sends LFS files to a CDN), a stall timeout on the socket, and AbortSignal
// cancellation. Built on node:http/https rather than fetch so the socket timeout and the raw headers of every
// redirect hop (the Hub's X-Linked-Size / X-Linked-Etag sit on the first one) are in reach.
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { LensError } from '../types';
import { checkDownloadUrl } from './urlPolicy';
import { StalledError, cancelledError, httpStatusError, toDownloadError } from './downloadErrors';

export interface HttpOptions {
  signal?: AbortSignal;
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Seconds without any data (connect included) after which the request fails. Default 30. */
  idleTimeoutSeconds?: number;
  maxRedirects?: number;
  /** For messages: the file being fetched, e.g. "onnx/model.onnx". */
  file?: string;
}

export interface HttpResponse {
  res: http.IncomingMessage;
  status: number;
  /** The URL that answered, after redirects. */
  url: URL;
  /** X-Linked-Size from any hop (the Hub's size of an LFS file). */
  linkedSize?: number;
  /** X-Linked-Etag from any hop, unquoted (the Hub's sha256 of an LFS file). */
  linkedEtag?: string;
}

const USER_AGENT = 'attention-lens (+vscode extension; own downloader)';

function header(res: http.IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function once(url: URL, opts: HttpOptions): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const seconds = opts.idleTimeoutSeconds ?? 30;
    const req = mod.request(url, {
      method: opts.method ?? 'GET',
      headers: { 'User-Agent': USER_AGENT, ...opts.headers },
      signal: opts.signal,
    });
    let response: http.IncomingMessage | undefined;
    // The socket timeout keeps running while the body streams, so it also catches a stall mid-file.
    req.setTimeout(seconds * 1000, () => {
      const err = new StalledError(seconds);
      response?.destroy(err);
      req.destroy(err);
    });
    req.on('response', (res) => {
      response = res;
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends the request, following up to maxRedirects redirects; rejects with a LensError on network failure. */
export async function httpRequest(raw: string | URL, opts: HttpOptions = {}): Promise<HttpResponse> {
  let url = checkDownloadUrl(raw);
  let linkedSize: number | undefined;
  let linkedEtag: string | undefined;
  const maxRedirects = opts.maxRedirects ?? 5;
  for (let hop = 0; ; hop++) {
    if (opts.signal?.aborted) throw cancelledError();
    let res: http.IncomingMessage;
    try {
      res = await once(url, opts);
    } catch (err) {
      throw toDownloadError(err, { url, file: opts.file }, opts.signal);
    }
    const size = header(res, 'x-linked-size');
    if (size !== undefined && /^\d+$/.test(size)) linkedSize = Number(size);
    const etag = header(res, 'x-linked-etag');
    if (etag !== undefined) linkedEtag = etag.replace(/^W\//, '').replace(/"/g, '');
    const status = res.statusCode ?? 0;
    const location = header(res, 'location');
    if ([301, 302, 303, 307, 308].includes(status) && location) {
      res.resume();
      if (hop >= maxRedirects) {
        throw new LensError(`Too many redirects while fetching ${opts.file ?? url.pathname} from ${url.host}.`, 'download-failed');
      }
      // Checked again: a redirect must not lead to plain HTTP on another host.
      url = checkDownloadUrl(new URL(location, url));
      continue;
    }
    return { res, status, url, linkedSize, linkedEtag };
  }
}

/** GETs a small JSON document. Returns undefined on 404 (callers decide what absence means). */
export async function fetchJson(raw: string | URL, opts: HttpOptions & { maxBytes?: number } = {}): Promise<unknown | undefined> {
  const r = await httpRequest(raw, { ...opts, headers: { Accept: 'application/json', 'Accept-Encoding': 'gzip', ...opts.headers } });
  const ctx = { url: r.url, file: opts.file };
  if (r.status === 404) {
    r.res.resume();
    return undefined;
  }
  if (r.status !== 200) {
    r.res.resume();
    throw httpStatusError(r.status, ctx);
  }
  const maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
  const gz = /gzip/i.test(header(r.res, 'content-encoding') ?? '');
  const source: NodeJS.ReadableStream = gz ? r.res.pipe(zlib.createGunzip()) : r.res;
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        r.res.destroy();
        throw new LensError(
          `The answer from ${r.url.host} for ${opts.file ?? r.url.pathname} is larger than ${maxBytes} bytes.`,
          'download-failed',
        );
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw toDownloadError(err, ctx, opts.signal);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new LensError(`The answer from ${r.url.host} for ${opts.file ?? r.url.pathname} is not valid JSON.`, 'download-failed');
  }
}
