// One webview's side of the protocol, for the inspector panel and the side view alike. The host posts nothing
// before the webview says Ready, and replays the current run when it does (a view hidden and shown again, or a
// restored panel, starts empty). Every incoming message is validated first; bad ones are logged and dropped.
import * as vscode from 'vscode';
import {
  FromWebviewType,
  ToWebviewType,
  parseFromWebview,
  type ExportFormat,
  type ExportRenderedMessage,
  type FromWebviewMessage,
  type Params,
  type RequestMessage,
  type RequestMethod,
  type Result,
  type ToWebviewMessage,
} from '../protocol';
import type { InspectController } from '../session/inspectController';
import type { RunEvent, RunRecord } from '../session/runState';
import { WebviewReadiness } from './lensPanel';
import { requestHandlers, type RequestActions, type RequestHandlers } from './requestHandlers';

export interface ChannelHooks extends RequestActions {
  revealToken(run: RunRecord, index: number): void;
  /** Inspects the run's text again as the document reads now. */
  rerun(run: RunRecord): void;
  export(format: ExportFormat): void;
  /** Runs the model picker; settles when it closes. */
  selectModel(): Thenable<unknown>;
  /** This webview now shows this layer and head. */
  viewFocus(from: WebviewChannel, layer: number, head: number | 'mean'): void;
}

const RENDER_TIMEOUT_MS = 20_000;
const KEEP_SENT = 400;

export class WebviewChannel implements vscode.Disposable {
  private readonly readiness = new WebviewReadiness();
  private disposed = false;
  private nextRenderId = 1;
  private readonly renders = new Map<number, (message: ExportRenderedMessage) => void>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private focused: { runId: number; index: number } | undefined;
  private inspectorAt: { layer: number; head: number | 'mean' } | undefined;
  /** Compare with Previous Run asked before the webview was ready: it opens the tab after the replay. */
  private comparisonAsked = false;
  /** What was posted, newest last, at most KEEP_SENT (tests read it through the test API). */
  readonly sent: ToWebviewMessage[] = [];
  /** How many messages were ever posted: a mark that stays put when `sent` drops its oldest. */
  postedCount = 0;
  /** Messages rejected by validation. */
  dropped = 0;
  private readonly handlers: RequestHandlers;

  constructor(
    readonly name: string,
    readonly webview: vscode.Webview,
    private readonly controller: InspectController,
    private readonly log: vscode.LogOutputChannel,
    private readonly hooks: ChannelHooks,
  ) {
    this.handlers = requestHandlers(controller.queries, hooks);
    this.subscriptions.push(
      webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      controller.onDidChange((event) => this.onRunEvent(event)),
    );
  }

  dispose(): void {
    this.disposed = true;
    this.readiness.reset();
    for (const d of this.subscriptions) d.dispose();
    for (const resolve of this.renders.values())
      resolve({ type: FromWebviewType.ExportRendered, requestId: 0, format: 'png', data: '', error: 'the view was closed' });
    this.renders.clear();
  }

  /** The webview's context is gone (a hidden view): post nothing until it says Ready again. */
  unready(): void {
    this.readiness.reset();
  }

  get isReady(): boolean {
    return this.readiness.isReady;
  }

  whenReady(): Promise<void> {
    return this.readiness.whenReady();
  }

  private post(message: ToWebviewMessage): void {
    if (!this.readiness.isReady || this.disposed) return;
    this.sent.push(message);
    this.postedCount++;
    if (this.sent.length > KEEP_SENT) this.sent.splice(0, this.sent.length - KEEP_SENT);
    // A webview that was disposed between the check and the post rejects; nothing to do then.
    this.webview.postMessage(message).then(undefined, () => undefined);
  }

  private onRunEvent(event: RunEvent): void {
    if (event.kind === 'result') this.postRun(event.run);
    else if (event.kind === 'overview') this.post({ type: ToWebviewType.Overview, overview: event.overview });
    else if (event.kind === 'stale') this.post({ type: ToWebviewType.Stale, runId: event.run.runId, message: event.run.stale ?? '' });
    else this.post({ type: ToWebviewType.Status, state: event.state, message: event.message });
  }

  private postRun(run: RunRecord): void {
    this.post({ type: ToWebviewType.Result, summary: run.summary });
    for (const overview of this.controller.runs.overviews(run.runId)) this.post({ type: ToWebviewType.Overview, overview });
  }

  /** The editor cursor is on this token of the current run. */
  focusToken(runId: number, index: number): void {
    this.focused = { runId, index };
    this.post({ type: ToWebviewType.FocusToken, runId, index });
  }

  /** The inspector shows this layer and head (posted to the side view, which may follow it). */
  inspectorFocus(layer: number, head: number | 'mean'): void {
    this.inspectorAt = { layer, head };
    this.post({ type: ToWebviewType.InspectorFocus, layer, head });
  }

  /** The comparison baseline changed; `show` opens the Compare runs tab. */
  showComparison(show: boolean): void {
    // A panel that is only now opening hears it once it says Ready (replay).
    if (!this.readiness.isReady) this.comparisonAsked = show;
    this.post({ type: ToWebviewType.Baseline, show });
  }

  private replay(): void {
    const run = this.controller.current;
    if (run) {
      this.postRun(run);
      if (run.stale) this.post({ type: ToWebviewType.Stale, runId: run.runId, message: run.stale });
      if (this.focused?.runId === run.runId) this.post({ type: ToWebviewType.FocusToken, runId: run.runId, index: this.focused.index });
    }
    if (this.inspectorAt) this.post({ type: ToWebviewType.InspectorFocus, ...this.inspectorAt });
    if (this.comparisonAsked) this.post({ type: ToWebviewType.Baseline, show: true });
    this.comparisonAsked = false;
    const status = this.controller.lastStatus;
    if (status.message || status.state !== 'idle') this.post({ type: ToWebviewType.Status, state: status.state, message: status.message });
  }

  /** Asks the webview to render its current view (PNG bytes or SVG text). */
  render(format: 'png' | 'svg'): Promise<ExportRenderedMessage> {
    if (!this.readiness.isReady) return Promise.reject(new Error(`the ${this.name} is not showing`));
    const requestId = this.nextRenderId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.renders.delete(requestId);
        reject(new Error(`the ${this.name} did not render the ${format.toUpperCase()} in time`));
      }, RENDER_TIMEOUT_MS);
      this.renders.set(requestId, (message) => {
        clearTimeout(timer);
        this.renders.delete(requestId);
        resolve(message);
      });
      this.post({ type: ToWebviewType.RenderExport, requestId, format });
    });
  }

  /** Handles one raw message from the webview (public so tests can send malformed ones). */
  async receive(raw: unknown): Promise<void> {
    const parsed = parseFromWebview(raw);
    if (!parsed.ok) {
      this.dropped++;
      this.log.warn(`dropped a message from the ${this.name}: ${parsed.reason}`);
      return;
    }
    try {
      await this.handle(parsed.message);
    } catch (error) {
      this.log.error(`the ${this.name}'s ${parsed.message.type} failed: ${(error as Error).message}`);
    }
  }

  private async handle(message: FromWebviewMessage): Promise<void> {
    switch (message.type) {
      case FromWebviewType.Ready:
        this.log.debug(`the ${this.name} is ready`);
        this.readiness.set();
        this.replay();
        return;
      case FromWebviewType.Request:
        return this.answer(message);
      case FromWebviewType.RevealToken: {
        const run = this.controller.current;
        if (run && run.runId === message.runId && !run.stale) this.hooks.revealToken(run, message.index);
        else this.log.debug(`not revealing token ${message.index} of run ${message.runId}: ${run?.stale ?? 'no longer the current run'}`);
        return;
      }
      case FromWebviewType.Rerun: {
        const run = this.controller.current;
        if (run && run.runId === message.runId) this.hooks.rerun(run);
        return;
      }
      case FromWebviewType.Export:
        this.hooks.export(message.format);
        return;
      case FromWebviewType.ExportRendered:
        this.renders.get(message.requestId)?.(message);
        return;
      case FromWebviewType.SelectModel:
        await this.hooks.selectModel();
        return;
      case FromWebviewType.ViewFocus:
        this.hooks.viewFocus(this, message.layer, message.head);
        return;
    }
  }

  /** Answers a request about the current run with a Reply carrying the result or the error's message. */
  private async answer<M extends RequestMethod>(message: RequestMessage<M>): Promise<void> {
    const run = this.controller.current;
    try {
      if (!run || run.runId !== message.params.runId) throw new Error('that run is no longer the one shown');
      const handle = this.handlers[message.method] as (run: RunRecord, params: Params<M>) => Promise<Result<M>>;
      const result = await handle(run, message.params);
      this.post({ type: ToWebviewType.Reply, inReplyTo: message.requestId, result });
    } catch (error) {
      this.post({ type: ToWebviewType.Reply, inReplyTo: message.requestId, error: (error as Error).message });
    }
  }
}
