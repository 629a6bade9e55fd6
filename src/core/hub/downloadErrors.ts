// Turns network, HTTP and file-system failures of a download into one plain sentence for the user
// (LensError 'download-failed', or 'cancelled' when the user stopped it). No stack traces, no error codes alone.
import { LensError } from '../types';

/** Thrown inside the downloader when a connection sends nothing for too long. */
export class StalledError extends Error {
  readonly code = 'ESTALLED';
  constructor(readonly seconds: number) {
    super(`no data for ${seconds} s`);
  }
}

/** What the message names: the file (e.g. "onnx/model.onnx") and where it was going or coming from. */
export interface ErrorContext {
  url: URL;
  file?: string;
  dir?: string;
}

function errCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function isAbort(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  return (err as { name?: unknown }).name === 'AbortError' || errCode(err) === 'ABORT_ERR';
}

export function cancelledError(): LensError {
  return new LensError('Download cancelled.', 'cancelled');
}

/** A download that the server answered with an error status; `status` lets callers treat 404 as "absent". */
export class HttpStatusError extends LensError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message, 'download-failed');
  }
}

/** The user-facing error for a non-success HTTP status. */
export function httpStatusError(status: number, ctx: ErrorContext): HttpStatusError {
  const what = ctx.file ? `"${ctx.file}"` : ctx.url.pathname;
  const host = ctx.url.host;
  if (status === 404) {
    return new HttpStatusError(`Model or file not found: ${host} has no ${what} (HTTP 404). Check the model id and revision.`, status);
  }
  if (status === 401 || status === 403) {
    return new HttpStatusError(
      `Access denied to ${what} on ${host} (HTTP ${status}): the model may be private or gated, which is not supported.`,
      status,
    );
  }
  if (status === 429) return new HttpStatusError(`${host} is limiting requests (HTTP 429). Wait a minute and try again.`, status);
  if (status >= 500) {
    return new HttpStatusError(`The server ${host} failed (HTTP ${status}) while sending ${what}. Try again later.`, status);
  }
  return new HttpStatusError(`Unexpected answer from ${host} for ${what}: HTTP ${status}.`, status);
}

/** Maps any thrown value from a download to a LensError; LensErrors pass through unchanged. */
export function toDownloadError(err: unknown, ctx: ErrorContext, signal?: AbortSignal): LensError {
  if (err instanceof LensError) return err;
  if (signal?.aborted || isAbort(err)) return cancelledError();
  const host = ctx.url.host;
  const file = ctx.file ? `"${ctx.file}"` : 'the file';
  const code = errCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return new LensError(`Could not connect to ${host}: the server is down or not reachable (connection refused).`, 'download-failed');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new LensError(
        `Could not find the host ${ctx.url.hostname}: check the Hub address setting and the network connection.`,
        'download-failed',
      );
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_STREAM_PREMATURE_CLOSE':
    case 'ABORTED':
      return new LensError(
        `The connection to ${host} was dropped while downloading ${file}. Try again: the download resumes where it stopped.`,
        'download-failed',
      );
    case 'ESTALLED':
    case 'ETIMEDOUT':
      return new LensError(`The download of ${file} from ${host} stalled (${(err as Error).message}). Try again later.`, 'download-failed');
    case 'ENOSPC':
    case 'EDQUOT':
      return new LensError(
        `The disk is full: no space left to save ${file}${ctx.dir ? ` in ${ctx.dir}` : ''}. Free some space and try again.`,
        'download-failed',
      );
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new LensError(
        `Cannot write ${file}${ctx.dir ? ` to ${ctx.dir}` : ''}: permission denied or read-only file system.`,
        'download-failed',
      );
    default:
      break;
  }
  if (code && /^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS)/.test(code)) {
    return new LensError(`The HTTPS certificate of ${host} could not be verified (${code}).`, 'download-failed');
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/aborted|socket hang up|premature/i.test(message)) {
    return new LensError(
      `The connection to ${host} was dropped while downloading ${file}. Try again: the download resumes where it stopped.`,
      'download-failed',
    );
  }
  return new LensError(`Downloading ${file} from ${host} failed: ${message}`, 'download-failed');
}
