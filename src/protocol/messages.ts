// The messages between the extension host and the webviews (inspector panel and side view).
// Tensors travel as typed arrays (structured clone), never as nested JSON arrays; full attention is
// fetched one layer at a time when a view needs it.
import type { Params, RequestMethod, Result } from './requests';
import type { AttentionOverview, ExportFormat, RunSummary } from './shapes';

// ---------------------------------------------------------------- host → webview

export enum ToWebviewType {
  /** A run finished: tokens, predictions and facts (attention follows separately). */
  Result = 'result',
  /** Downsampled attention of every head of one set, one message per set, sent after Result when attention is available. */
  Overview = 'overview',
  /** A reply to a request the webview made (RequestMessage). */
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
  /** The comparison baseline changed (Pin Run as Baseline, Compare with Previous Run): the Compare runs tab asks again. */
  Baseline = 'baseline',
}

export interface ResultMessage {
  type: ToWebviewType.Result;
  summary: RunSummary;
}
export interface OverviewMessage {
  type: ToWebviewType.Overview;
  overview: AttentionOverview;
}
/** The answer to one RequestMessage: exactly one of result / error is set. */
export interface ReplyMessage<M extends RequestMethod = RequestMethod> {
  type: ToWebviewType.Reply;
  inReplyTo: number;
  result?: Result<M>;
  error?: string;
}
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

export interface BaselineMessage {
  type: ToWebviewType.Baseline;
  /** Open the Compare runs tab (Compare with Previous Run). */
  show: boolean;
}

export type ToWebviewMessage =
  | ResultMessage
  | OverviewMessage
  | ReplyMessage
  | StatusMessage
  | StaleMessage
  | FocusTokenMessage
  | RenderExportMessage
  | InspectorFocusMessage
  | BaselineMessage;

// ---------------------------------------------------------------- webview → host

export enum FromWebviewType {
  /** The webview has loaded and listens: the host (re)sends its current state. */
  Ready = 'ready',
  /** A request of the request table (requests.ts), answered by a Reply with the same id. */
  Request = 'request',
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
  /** A view's layer or head changed (the host passes the inspector's on to the side view; the hover reads the latest). */
  ViewFocus = 'viewFocus',
}

export interface ReadyMessage {
  type: FromWebviewType.Ready;
}
/** One request of the table in requests.ts; the host answers with a ReplyMessage whose inReplyTo is requestId. */
export interface RequestMessage<M extends RequestMethod = RequestMethod> {
  type: FromWebviewType.Request;
  requestId: number;
  method: M;
  params: Params<M>;
}
/** Any one request, its method and params matched. */
export type AnyRequestMessage = { [M in RequestMethod]: RequestMessage<M> }[RequestMethod];
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
  | AnyRequestMessage
  | RevealTokenMessage
  | RerunMessage
  | ExportMessage
  | ExportRenderedMessage
  | SelectModelMessage
  | ViewFocusMessage;
