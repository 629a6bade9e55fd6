// Validation of what a webview sends: webview content is untrusted, nothing in it is used before it passes here.
import { FromWebviewType, type FromWebviewMessage } from './messages';

// ---------------------------------------------------------------- validation of what a webview sends

const MAX_EXPORT_BYTES = 64 * 1024 * 1024;
/** An export's name part: it becomes part of a file name, so no separators, dots first, or odd characters. */
export const EXPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9_+-]{0,79}$/;
/** An attention set's name as a request may carry it; whether the run has that set is the host's to check. */
export const SET_NAME = /^[a-z][a-z0-9-]{0,31}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
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
    case FromWebviewType.RequestLayer:
      if (!isCount(m.requestId) || !isCount(m.runId) || !isCount(m.layer) || typeof m.set !== 'string' || !SET_NAME.test(m.set)) {
        return { ok: false, reason: 'bad requestLayer fields' };
      }
      return { ok: true, message: { type: m.type, requestId: m.requestId, runId: m.runId, set: m.set, layer: m.layer } };
    case FromWebviewType.RequestMaskedAt:
      if (!isCount(m.requestId) || !isCount(m.runId) || !isCount(m.position)) return { ok: false, reason: 'bad requestMaskedAt fields' };
      return { ok: true, message: { type: m.type, requestId: m.requestId, runId: m.runId, position: m.position } };
    case FromWebviewType.RequestUnmasked:
      if (!isCount(m.requestId) || !isCount(m.runId)) return { ok: false, reason: 'bad requestUnmasked fields' };
      return { ok: true, message: { type: m.type, requestId: m.requestId, runId: m.runId } };
    case FromWebviewType.RequestLogits:
      if (!isCount(m.requestId) || !isCount(m.runId) || !isCount(m.position)) return { ok: false, reason: 'bad requestLogits fields' };
      return { ok: true, message: { type: m.type, requestId: m.requestId, runId: m.runId, position: m.position } };
    case FromWebviewType.RevealToken:
      if (!isCount(m.runId) || !isCount(m.index)) return { ok: false, reason: 'bad revealToken fields' };
      return { ok: true, message: { type: m.type, runId: m.runId, index: m.index } };
    case FromWebviewType.Rerun:
      if (!isCount(m.runId)) return { ok: false, reason: 'bad rerun fields' };
      return { ok: true, message: { type: m.type, runId: m.runId } };
    case FromWebviewType.Export:
      if (m.format !== 'png' && m.format !== 'svg' && m.format !== 'html' && m.format !== 'json') return { ok: false, reason: 'bad export format' };
      return { ok: true, message: { type: m.type, format: m.format } };
    case FromWebviewType.ExportRendered: {
      if (!isCount(m.requestId) || (m.format !== 'png' && m.format !== 'svg')) return { ok: false, reason: 'bad exportRendered fields' };
      const data = m.data;
      const size = typeof data === 'string' ? data.length : data instanceof Uint8Array ? data.byteLength : -1;
      if (size < 0 || size > MAX_EXPORT_BYTES) return { ok: false, reason: 'bad exportRendered data' };
      if (m.error !== undefined && typeof m.error !== 'string') return { ok: false, reason: 'bad exportRendered error' };
      if (m.name !== undefined && (typeof m.name !== 'string' || !EXPORT_NAME.test(m.name))) return { ok: false, reason: 'bad exportRendered name' };
      return {
        ok: true,
        message: { type: m.type, requestId: m.requestId, format: m.format, data: data as Uint8Array | string, name: m.name as string | undefined, error: m.error as string | undefined },
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
