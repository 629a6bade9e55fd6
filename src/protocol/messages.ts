// The messages between the extension host and the webviews (inspector panel and side view).
// Tensors travel as typed arrays (structured clone), never as nested JSON arrays; full attention is
// fetched one layer at a time when a view needs it.
import type { AttentionLayer, AttentionOverview, ExportFormat, PredictionView, RunSummary } from './shapes';

// ---------------------------------------------------------------- host → webview

export enum ToWebviewType {
  /** A run finished: tokens, predictions and facts (attention follows separately). */
  Result = 'result',
  /** Downsampled attention of every head of one set, one message per set, sent after Result when attention is available. */
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
  /** Ask for one layer of one attention set at full resolution (reply: kind 'layer'). */
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
  /** An attention set of the run (the host checks it is one of the run's). */
  set: string;
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
