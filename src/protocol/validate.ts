// Validation of what a webview sends: webview content is untrusted, nothing in it is used before it passes here.
import { isCount, isObject } from './checks';
import { FromWebviewType, type AnyRequestMessage, type FromWebviewMessage } from './messages';
import { isRequestMethod, REQUESTS, type ParamsValidator, type RequestMethod } from './requests';

// ---------------------------------------------------------------- validation of what a webview sends

export const MAX_EXPORT_BYTES = 64 * 1024 * 1024;
/** An export's name part: it becomes part of a file name, so no separators, dots first, or odd characters. */
export const EXPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9_+-]{0,79}$/;

/** A request through the table: a known method, and params its validator accepts (only their known fields kept). */
function parseRequest(m: Record<string, unknown>): { ok: true; message: AnyRequestMessage } | { ok: false; reason: string } {
  if (!isCount(m.requestId)) return { ok: false, reason: 'bad request id' };
  if (!isRequestMethod(m.method)) return { ok: false, reason: `unknown request method ${JSON.stringify(String(m.method)).slice(0, 40)}` };
  if (!isObject(m.params)) return { ok: false, reason: `bad ${m.method} params` };
  const validate = REQUESTS[m.method] as ParamsValidator<RequestMethod>;
  const params = validate(m.params);
  if ('rejected' in params) return { ok: false, reason: params.rejected };
  return { ok: true, message: { type: FromWebviewType.Request, requestId: m.requestId, method: m.method, params } as AnyRequestMessage };
}

/**
 * Checks a message from a webview against the protocol. Returns the typed message, or a reason it was
 * rejected. Webview content is untrusted: nothing in it is used before it passes here.
 */
export function parseFromWebview(raw: unknown): { ok: true; message: FromWebviewMessage } | { ok: false; reason: string } {
  if (!isObject(raw)) return { ok: false, reason: 'not an object' };
  const m = raw;
  switch (m.type) {
    case FromWebviewType.Ready:
      return { ok: true, message: { type: FromWebviewType.Ready } };
    case FromWebviewType.Request:
      return parseRequest(m);
    case FromWebviewType.RevealToken:
      if (!isCount(m.runId) || !isCount(m.index)) return { ok: false, reason: 'bad revealToken fields' };
      return { ok: true, message: { type: m.type, runId: m.runId, index: m.index } };
    case FromWebviewType.Rerun:
      if (!isCount(m.runId)) return { ok: false, reason: 'bad rerun fields' };
      return { ok: true, message: { type: m.type, runId: m.runId } };
    case FromWebviewType.Export:
      if (m.format !== 'png' && m.format !== 'svg' && m.format !== 'html' && m.format !== 'json')
        return { ok: false, reason: 'bad export format' };
      return { ok: true, message: { type: m.type, format: m.format } };
    case FromWebviewType.ExportRendered: {
      if (!isCount(m.requestId) || (m.format !== 'png' && m.format !== 'svg')) return { ok: false, reason: 'bad exportRendered fields' };
      const data = m.data;
      const size = typeof data === 'string' ? data.length : data instanceof Uint8Array ? data.byteLength : -1;
      if (size < 0 || size > MAX_EXPORT_BYTES) return { ok: false, reason: 'bad exportRendered data' };
      if (m.error !== undefined && typeof m.error !== 'string') return { ok: false, reason: 'bad exportRendered error' };
      if (m.name !== undefined && (typeof m.name !== 'string' || !EXPORT_NAME.test(m.name)))
        return { ok: false, reason: 'bad exportRendered name' };
      return {
        ok: true,
        message: {
          type: m.type,
          requestId: m.requestId,
          format: m.format,
          data: data as Uint8Array | string,
          name: m.name,
          error: m.error,
        },
      };
    }
    case FromWebviewType.SelectModel:
      return { ok: true, message: { type: m.type } };
    case FromWebviewType.ViewFocus:
      if (!isCount(m.layer) || !(m.head === 'mean' || isCount(m.head))) return { ok: false, reason: 'bad viewFocus fields' };
      return { ok: true, message: { type: m.type, layer: m.layer, head: m.head } };
    default:
      return { ok: false, reason: `unknown message type ${JSON.stringify(String(m.type)).slice(0, 40)}` };
  }
}
