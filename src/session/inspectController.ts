// Runs inspections. Every run gets a runId; only the latest may publish, so fifty commands in a row show one
// result and superseded runs end silently. A run whose document changed while it ran is published as stale
// (never applied to the editor's new text); a run that a model switch overtook is dropped.
import * as vscode from 'vscode';
import { LensError } from '../core/types';
import type { InferenceEngine } from '../core/worker/inferenceEngine';
import type { LogitsRow } from '../core/engine/modelRunner';
import { readConfig } from '../config';
import type { ModelManager } from '../models/modelManager';
import type { AttentionLayer, PredictionView } from '../protocol';
import type { AttentionMaps } from '../core/types';
import { columnShowing } from '../editor/tokenReveal';
import { layerUnavailable, toOverview, toRunSummary } from './runSummary';
import { sameDocument, type RunEvent, type RunRecord, type RunTarget } from './runState';
import { trackRange } from './trackedRange';

export const STALE_MESSAGE = 'The text changed after this run: what is shown is the text as it was.';

export interface InspectRequest {
  text: string;
  /** Where the text lies in a document; absent for text that is not the document's. */
  document?: vscode.TextDocument;
  range?: vscode.Range;
  note?: string;
}

export class InspectController implements vscode.Disposable {
  private latestRunId = 0;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly events = new vscode.EventEmitter<RunEvent>();
  readonly onDidChange = this.events.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Targets of the runs in flight and of the current run: edits move them (a stale run re-runs on what they hold). */
  private readonly tracked = new Set<RunTarget>();
  current: RunRecord | undefined;
  lastStatus: { state: 'running' | 'idle' | 'error'; message: string } = { state: 'idle', message: '' };
  /** Counts for tests and the log: runs started, results published, runs dropped as superseded. */
  readonly stats = { started: 0, published: 0, superseded: 0, stale: 0 };

  constructor(
    private readonly engine: InferenceEngine,
    private readonly models: ModelManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0) return;
        const changes = e.contentChanges.map((c) => ({ offset: c.rangeOffset, length: c.rangeLength, inserted: c.text.length }));
        for (const target of this.tracked) {
          if (target.uri.toString() === e.document.uri.toString()) target.now = trackRange(target.now, changes);
        }
        if (sameDocument(this.current, e.document)) this.markStale();
      }),
    );
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.events.dispose();
  }

  /** Resolves when no run is in flight. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private setStatus(state: 'running' | 'idle' | 'error', message: string): void {
    this.lastStatus = { state, message };
    this.events.fire({ kind: 'status', state, message });
  }

  private markStale(): void {
    const run = this.current;
    if (!run || run.stale) return;
    run.stale = STALE_MESSAGE;
    this.stats.stale++;
    this.events.fire({ kind: 'stale', run });
  }

  /** Runs one inspection; resolves to the published record, or undefined when superseded or failed. */
  async inspect(request: InspectRequest): Promise<RunRecord | undefined> {
    const runId = ++this.latestRunId;
    this.stats.started++;
    this.inFlight++;
    try {
      return await this.run(runId, request);
    } finally {
      if (--this.inFlight === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    }
  }

  private async run(runId: number, request: InspectRequest): Promise<RunRecord | undefined> {
    const { document, range } = request;
    const target: RunTarget | undefined = document && range ? targetOf(document, range) : undefined;
    if (target) this.tracked.add(target);
    try {
      return await this.runTracked(runId, request, target);
    } finally {
      if (target && this.current?.target !== target) this.tracked.delete(target);
    }
  }

  private async runTracked(runId: number, request: InspectRequest, target: RunTarget | undefined): Promise<RunRecord | undefined> {
    const { document } = request;
    const startVersion = target?.version;
    this.setStatus('running', request.note ? `${request.note} — running…` : 'Running…');
    try {
      const state = await this.models.ensureLoaded();
      if (runId !== this.latestRunId) return this.superseded(runId);
      const epoch = this.models.epoch;
      const config = readConfig();
      const started = performance.now();
      const result = await this.engine.inspect(request.text, { attention: true, topK: config.topK, maxTokens: config.maxTokens });
      if (runId !== this.latestRunId) return this.superseded(runId);
      if (this.models.epoch !== epoch) {
        this.log.info(`run ${runId} dropped: the model changed while it ran`);
        this.setStatus('idle', 'The model changed while this ran; inspect again.');
        return undefined;
      }
      const run: RunRecord = {
        runId,
        result,
        summary: toRunSummary(runId, result),
        target,
        maskedAt: new Map(),
        note: request.note,
      };
      const t = result.timings;
      this.log.info(
        `run ${runId}: ${result.tokens.length} tokens with ${state.reply.info.id} on ${result.device.label}: ` +
          `tokenize ${t.tokenizeMs.toFixed(1)} ms, run ${t.runMs.toFixed(1)} ms, total ${(performance.now() - started).toFixed(1)} ms`,
      );
      if (result.truncation) this.log.warn(result.truncation.message);
      if (this.current?.target) this.tracked.delete(this.current.target);
      this.current = run;
      this.stats.published++;
      this.events.fire({ kind: 'result', run });
      this.fetchOverview(run);
      if (document && target && document.version !== startVersion) {
        // Edited while it ran: show what it computed, marked stale, and never map it onto the new text.
        this.markStale();
      } else {
        this.setStatus('idle', this.doneMessage(run));
      }
      return run;
    } catch (error) {
      if (error instanceof LensError && error.code === 'cancelled') return this.superseded(runId);
      if (runId !== this.latestRunId) return this.superseded(runId);
      this.fail(error);
      return undefined;
    }
  }

  /** The model view's overview follows the result: it is downsampled in the worker after the result is out. */
  private fetchOverview(run: RunRecord): void {
    const kept = run.result.attention;
    if (!kept) return;
    this.engine.attentionOverview(kept.run).then(
      (overview) => {
        if (this.current !== run) return;
        run.overview = toOverview(run.runId, overview);
        this.events.fire({ kind: 'overview', run });
      },
      (error: unknown) => this.log.debug(`run ${run.runId}: no overview (${(error as Error).message})`),
    );
  }

  /** One layer of the run's attention, fetched from the worker that keeps it. */
  async attentionLayer(run: RunRecord, layer: number): Promise<AttentionLayer> {
    const unavailable = layerUnavailable(run.result, layer);
    if (unavailable !== undefined) throw new Error(unavailable);
    const { run: kept, heads, tokens } = run.result.attention!;
    return { runId: run.runId, layer, heads, tokens, data: await this.engine.attentionLayer(kept, layer) };
  }

  /** Every layer of the run's attention (the JSON export), or undefined when the run has none. */
  async attentionMaps(run: RunRecord): Promise<AttentionMaps | undefined> {
    return run.result.attention ? this.engine.attentionMaps(run.result.attention.run) : undefined;
  }

  private superseded(runId: number): undefined {
    this.stats.superseded++;
    this.log.debug(`run ${runId} superseded`);
    return undefined;
  }

  /**
   * The status after a run: only what the views' facts line does not already say (the note, e.g. "No selection:
   * inspected line 4"); tokens, model, device, timings and truncation are each shown once, by the views.
   */
  private doneMessage(run: RunRecord): string {
    return run.note ?? '';
  }

  /**
   * The inference worker stopped (a crash, memory, a kill): the views say so. A run it took down also fails with
   * this message (fail() adds the notification); the next run restarts the worker with the model.
   */
  workerStopped(message: string): void {
    this.log.error(`worker-crashed: ${message}`);
    this.setStatus('error', message);
  }

  /** Shows an error as the user should read it: the message, never a stack (that goes to the log). */
  fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof LensError) this.log.error(`${error.code}: ${message}`);
    else this.log.error(error instanceof Error && error.stack ? error.stack : message);
    this.setStatus('error', message);
    void vscode.window.showErrorMessage(`Attention Lens: ${message}`);
  }

  /** Top-k at a token when it alone is masked (masked LMs), cached on the run; rejects for causal models. */
  async maskedAt(run: RunRecord, index: number): Promise<PredictionView[]> {
    const cached = run.maskedAt.get(index);
    if (cached) return cached;
    if (run.summary.model.kind !== 'masked') throw new LensError('masking a position needs a masked language model', 'model-unsupported');
    this.checkCanRun(run);
    const config = readConfig();
    const [answer] = await this.engine.maskedAt(run.summary.text, [index], config.topK, config.maxTokens);
    if (!answer) throw new LensError(`position ${index} cannot be masked (a special token or out of range)`, 'empty-input');
    run.maskedAt.set(index, answer.top);
    return answer.top;
  }

  /** A masked LM's top-k at every position of the run's text as it is: computed once per run, when first asked. */
  async unmasked(run: RunRecord): Promise<PredictionView[][]> {
    if (run.summary.model.kind !== 'masked') throw new LensError('unmasked predictions are a masked language model\'s', 'model-unsupported');
    if (!run.unmasked) {
      this.checkCanRun(run);
      const config = readConfig();
      const asked = this.engine.unmasked(run.summary.text, config.topK, config.maxTokens);
      // The answer replaces the request; a failure (a newer run superseded it) is not kept: the next ask tries again.
      asked.then(
        (top) => {
          if (run.unmasked === asked) run.unmasked = top;
        },
        () => {
          if (run.unmasked === asked) run.unmasked = undefined;
        },
      );
      run.unmasked = asked;
    }
    return run.unmasked;
  }

  /** The whole vocabulary's logits at a position of the run's text, for the sampling controls (see ModelRunner.logitsAt). */
  async logitsAt(run: RunRecord, position: number): Promise<LogitsRow> {
    this.checkCanRun(run);
    if (position >= run.summary.tokens.length) throw new LensError(`position ${position} is outside the run's ${run.summary.tokens.length} tokens`, 'empty-input');
    // The run's own token count as the cap gives the window it ran on, whatever the setting is now.
    return this.engine.logitsAt(run.summary.text, position, run.summary.tokens.length);
  }

  /** Runs on a result's text are for the current run, with the model that made it. */
  private checkCanRun(run: RunRecord): void {
    if (this.current !== run) throw new LensError('that run is no longer the current one', 'cancelled');
    if (this.models.current()?.reply.info.folder !== run.result.model.folder) throw new LensError('the model changed since this run; inspect again', 'cancelled');
  }
}

function targetOf(document: vscode.TextDocument, range: vscode.Range): RunTarget {
  const start = document.offsetAt(range.start);
  const column = columnShowing(document.uri) ?? vscode.window.activeTextEditor?.viewColumn ?? vscode.ViewColumn.One;
  return { uri: document.uri, version: document.version, baseOffset: start, range, column, now: { start, end: document.offsetAt(range.end) } };
}
