// The one message protocol between the extension host and the webviews (inspector panel and side view).
// Imported by both sides, so it imports nothing: no vscode, no Node, no DOM.
// Tensors travel as typed arrays (structured clone), never as nested JSON arrays; full attention is
// fetched one layer at a time when a view needs it.

// ---------------------------------------------------------------- shared shapes

/** What the webview needs of a token (a subset of the core's Token). */
export interface TokenView {
  index: number;
  id: number;
  piece: string;
  display: string;
  start: number;
  end: number;
  special: boolean;
  continuation: boolean;
  partialChar: boolean;
}

export interface PredictionView {
  id: number;
  token: string;
  probability: number;
}

/** Everything about one run except the full attention tensors. */
export interface RunSummary {
  /** Increases with every run in this window; replies and layers carry it so stale data is dropped. */
  runId: number;
  text: string;
  model: {
    id: string;
    /** Where it came from: 'embedded' is one of the tiny models this project trained (the panel says so). */
    source: 'embedded' | 'local' | 'hub';
    kind: 'masked' | 'causal';
    architecture: string;
    tokenizerKind: string;
    layers: number;
    heads: number;
    maxPositions: number;
    /** Ids in the model's output layer: the length of a logits row (RequestLogits). */
    vocabSize: number;
    maskToken?: string;
  };
  device: { provider: string; label: string; fallbackReason?: string };
  tokens: TokenView[];
  /** totalTokens is exact, or a lower bound when totalExact is false (counting stops in very long selections). */
  truncation?: { totalTokens: number; totalExact: boolean; keptTokens: number; keptUntil: number; message: string };
  predictions:
    // The unmasked top-k at every position is asked for when shown (RequestUnmasked): a run ranks only the masks.
    | { kind: 'masked'; masks: { position: number; top: PredictionView[] }[] }
    | { kind: 'causal'; next: PredictionView[][]; actual: (number | null)[] };
  /** Null when this model's graph exposes no attention; the string says why. */
  attentionUnavailable: string | null;
  timings: { loadMs?: number; tokenizeMs: number; runMs: number; totalMs: number };
}

/**
 * Every head of every layer, downsampled to side × side by the largest weight of each block of the full
 * map (for the model view's thumbnails). data is [layers, heads, side, side].
 */
export interface AttentionOverview {
  runId: number;
  side: number;
  data: Float32Array;
}

/** One layer at full resolution: data is [heads, tokens, tokens], rows sum to 1. */
export interface AttentionLayer {
  runId: number;
  layer: number;
  heads: number;
  tokens: number;
  data: Float32Array;
}

export type ExportFormat = 'png' | 'svg' | 'html' | 'json';

// ---------------------------------------------------------------- host → webview

export enum ToWebviewType {
  /** A run finished: tokens, predictions and facts (attention follows separately). */
  Result = 'result',
  /** Downsampled attention of every head, sent right after Result when attention is available. */
  Overview = 'overview',
  /** A reply to a request the webview made. */
  Reply = 'reply',
  /** Busy / idle / error state for the status line. */
  Status = 'status',
  /** The document changed under the shown result: it no longer matches the editor text. */
  Stale = 'stale',
  /** The editor cursor moved onto a token (the side view follows it). */
  FocusToken = 'focusToken',
  /** The webview should render an export of its current view and send it back (ExportRendered). */
  RenderExport = 'renderExport',
  /** The inspector now shows this layer and head (the side view follows it when asked to). */
  InspectorFocus = 'inspectorFocus',
}

export interface ResultMessage {
  type: ToWebviewType.Result;
  summary: RunSummary;
}
export interface OverviewMessage {
  type: ToWebviewType.Overview;
  overview: AttentionOverview;
}
export interface ReplyMessage {
  type: ToWebviewType.Reply;
  inReplyTo: number;
  /** Exactly one of result / error is set. */
  result?: ReplyPayload;
  error?: string;
}
export type ReplyPayload =
  | { kind: 'layer'; layer: AttentionLayer }
  | { kind: 'maskedAt'; runId: number; position: number; top: PredictionView[] }
  | { kind: 'unmasked'; runId: number; atPosition: PredictionView[][] }
  // top: the best ids (up to 100) with their text, which the webview cannot name without the tokenizer.
  | { kind: 'logits'; runId: number; position: number; logits: Float32Array; top: PredictionView[] }
  | { kind: 'done' };
export interface StatusMessage {
  type: ToWebviewType.Status;
  state: 'running' | 'idle' | 'error';
  message: string;
}
export interface StaleMessage {
  type: ToWebviewType.Stale;
  runId: number;
  message: string;
}
export interface FocusTokenMessage {
  type: ToWebviewType.FocusToken;
  runId: number;
  index: number;
}
export interface RenderExportMessage {
  type: ToWebviewType.RenderExport;
  requestId: number;
  format: 'png' | 'svg';
}

export interface InspectorFocusMessage {
  type: ToWebviewType.InspectorFocus;
  layer: number;
  head: number | 'mean';
}

export type ToWebviewMessage =
  | ResultMessage
  | OverviewMessage
  | ReplyMessage
  | StatusMessage
  | StaleMessage
  | FocusTokenMessage
  | RenderExportMessage
  | InspectorFocusMessage;

// ---------------------------------------------------------------- webview → host

export enum FromWebviewType {
  /** The webview has loaded and listens: the host (re)sends its current state. */
  Ready = 'ready',
  /** Ask for one layer at full resolution (reply: kind 'layer'). */
  RequestLayer = 'requestLayer',
  /** Ask for the top-k at a position when it alone is masked (masked LMs; reply: kind 'maskedAt'). */
  RequestMaskedAt = 'requestMaskedAt',
  /** Ask for a masked LM's top-k at every position of the text as it is (reply: kind 'unmasked'). */
  RequestUnmasked = 'requestUnmasked',
  /**
   * Ask for the logits over the whole vocabulary at a position of the text as it is (reply: kind 'logits',
   * vocabSize floats): a causal LM's for the next token, a masked LM's at that token. The sampling controls apply
   * temperature, top-k and top-p to it.
   */
  RequestLogits = 'requestLogits',
  /** The user picked a token: reveal and select its span in the editor. */
  RevealToken = 'revealToken',
  /** Inspect the run's text again as the document reads now (the one-click re-run of a stale run). */
  Rerun = 'rerun',
  /** The user asked to export (the host opens a save dialog; the webview never names a path). */
  Export = 'export',
  /** The rendered image the host asked for with RenderExport. */
  ExportRendered = 'exportRendered',
  /** The user asked for another model (the host opens the model picker). */
  SelectModel = 'selectModel',
  /** The inspector's layer or head changed (the host passes it on to the side view). */
  ViewFocus = 'viewFocus',
}

export interface ReadyMessage {
  type: FromWebviewType.Ready;
}
export interface RequestLayerMessage {
  type: FromWebviewType.RequestLayer;
  requestId: number;
  runId: number;
  layer: number;
}
export interface RequestMaskedAtMessage {
  type: FromWebviewType.RequestMaskedAt;
  requestId: number;
  runId: number;
  position: number;
}
export interface RequestUnmaskedMessage {
  type: FromWebviewType.RequestUnmasked;
  requestId: number;
  runId: number;
}
export interface RequestLogitsMessage {
  type: FromWebviewType.RequestLogits;
  requestId: number;
  runId: number;
  position: number;
}
export interface RevealTokenMessage {
  type: FromWebviewType.RevealToken;
  runId: number;
  index: number;
}
export interface RerunMessage {
  type: FromWebviewType.Rerun;
  runId: number;
}
export interface ExportMessage {
  type: FromWebviewType.Export;
  format: ExportFormat;
}
export interface ExportRenderedMessage {
  type: FromWebviewType.ExportRendered;
  requestId: number;
  format: 'png' | 'svg';
  /** PNG bytes, or SVG text; empty with error set when rendering failed. */
  data: Uint8Array | string;
  /** What the picture shows, for the file name, e.g. "head-view_L3" (EXPORT_NAME's characters only). */
  name?: string;
  error?: string;
}
export interface SelectModelMessage {
  type: FromWebviewType.SelectModel;
}
export interface ViewFocusMessage {
  type: FromWebviewType.ViewFocus;
  layer: number;
  head: number | 'mean';
}

export type FromWebviewMessage =
  | ReadyMessage
  | RequestLayerMessage
  | RequestMaskedAtMessage
  | RequestUnmaskedMessage
  | RequestLogitsMessage
  | RevealTokenMessage
  | RerunMessage
  | ExportMessage
  | ExportRenderedMessage
  | SelectModelMessage
  | ViewFocusMessage;

// ---------------------------------------------------------------- validation of what a webview sends

const MAX_EXPORT_BYTES = 64 * 1024 * 1024;
/** An export's name part: it becomes part of a file name, so no separators, dots first, or odd characters. */
export const EXPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9_+-]{0,79}$/;

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
      if (!isCount(m.requestId) || !isCount(m.runId) || !isCount(m.layer)) return { ok: false, reason: 'bad requestLayer fields' };
      return { ok: true, message: { type: m.type, requestId: m.requestId, runId: m.runId, layer: m.layer } };
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
        message: { type: m.type, requestId: m.requestId, format: m.format, data: data as Uint8Array | string, name: m.name, error: m.error },
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
