// Which URLs the downloader may contact. Model files and native libraries come from the internet, so only
// HTTPS is allowed; plain HTTP only to this machine's loopback interface, which is what the tests' local server
// uses. The check runs before every request and again on every redirect.
import { isIP } from 'node:net';
import { LensError } from '../types';

/** True for localhost, 127.0.0.0/8 and ::1 (also the IPv4-mapped ::ffff:127.x form). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) {
    if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    return mapped !== null && mapped[1].startsWith('127.');
  }
  return false;
}

/** Parses a URL and throws LensError('download-failed') unless it is https, or http to a loopback host. */
export function checkDownloadUrl(raw: string | URL): URL {
  let url: URL;
  try {
    url = typeof raw === 'string' ? new URL(raw) : raw;
  } catch {
    throw new LensError(`"${String(raw)}" is not a valid URL.`, 'download-failed');
  }
  if (url.username || url.password) {
    throw new LensError(`Refusing ${url.host}: URLs with embedded credentials are not allowed.`, 'download-failed');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  if (url.protocol === 'http:') {
    throw new LensError(
      `Refusing to download from ${url.host} over plain HTTP: only HTTPS is allowed (HTTP only to this machine).`,
      'download-failed',
    );
  }
  throw new LensError(`Refusing the URL scheme "${url.protocol}" for ${url.host}: only HTTPS is allowed.`, 'download-failed');
}

/**
 * Joins a base URL (which may carry a path prefix, e.g. a mirror at https://host/hf) and path segments; each
 * segment is percent-encoded whole, so a "/" inside one (a revision such as "refs/pr/1") stays inside it.
 */
export function joinUrl(base: string, ...segments: string[]): URL {
  const root = checkDownloadUrl(base);
  const prefix = root.pathname.replace(/\/+$/, '');
  const tail = segments.map(encodeURIComponent).join('/');
  const url = new URL(root.toString());
  url.pathname = `${prefix}/${tail}`;
  url.search = '';
  url.hash = '';
  return url;
}
