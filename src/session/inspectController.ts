// Sequences inspections. Every run gets a runId; only the latest may publish, so fifty commands in a row show one
// result and superseded runs end silently. A run whose document changed while it ran is published as stale
// (never applied to the editor's new text); a run that a model switch overtook is dropped. What is derived from a
// published run lives in the RunStore; what may be asked about it goes through RunQueries.
import * as vscode from 'vscode';
import { LensError } from '../core/types';
import type { InferenceEngine } from '../core/worker/inferenceEngine';
import { readConfig } from '../config';
import type { ModelManager } from '../models/modelManager';
import { RunEngine } from './runEngine';
import { RunQueries } from './runQueries';
import { sameDocument, type RunEvent, type RunRecord, type RunTarget } from './runState';
import { RunStatus } from './runStatus';
import { RunStore } from './runStore';
import { TargetTracker } from './targetTracker';

export const STALE_MESSAGE = 'The text changed after this run: what is shown is the text as it was.';

export interface InspectRequest {
  text: string;
  /** Where the text lies in a document; absent for text that is not the document's. */
  document?: vscode.TextDocument;
  range?: vscode.Range;
  note?: string;
  /** An encoder–decoder model's target (teacher forcing); absent: the model generates one. */
  givenTarget?: string;
  /** Run it as a sentence pair (split at the tokenizer's separator or a blank line). */
  pair?: boolean;
}

export class InspectController implements vscode.Disposable {
  private latestRunId = 0;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly events = new vscode.EventEmitter<RunEvent>();
  readonly onDidChange = this.events.event;
  private readonly engine: RunEngine;
  private readonly targets: TargetTracker;
  readonly status: RunStatus;
  readonly runs = new RunStore();
  readonly queries: RunQueries;
  current: RunRecord | undefined;
  /** Counts for tests and the log: runs started, results published, runs dropped as superseded. */
  readonly stats = { started: 0, published: 0, superseded: 0, stale: 0, lensCarried: 0 };

  constructor(
    engine: InferenceEngine,
    private readonly models: ModelManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.engine = new RunEngine(engine);
    this.status = new RunStatus((event) => this.events.fire(event), log);
    this.queries = new RunQueries(this.engine, this.runs, (run) => this.checkCanRun(run));
    this.targets = new TargetTracker((document) => {
      if (sameDocument(this.current, document)) this.markStale();
    });
  }

  dispose(): void {
    this.targets.dispose();
    this.events.dispose();
  }

  get lastStatus(): RunStatus['last'] {
    return this.status.last;
  }

  /** Resolves when no run is in flight. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
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
    const { document, range } = request;
    const target = document && range ? this.targets.track(document, range) : undefined;
    try {
      return await this.run(runId, request, target);
    } finally {
      if (target && this.current?.target !== target) this.targets.release(target);
      if (--this.inFlight === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    }
  }

  private async run(runId: number, request: InspectRequest, target: RunTarget | undefined): Promise<RunRecord | undefined> {
    const { document } = request;
    const startVersion = target?.version;
    this.status.set('running', request.note ? `${request.note} — running…` : 'Running…');
    try {
      const state = await this.models.ensureLoaded();
      if (runId !== this.latestRunId) return this.superseded(runId);
      const epoch = this.models.epoch;
      const started = performance.now();
      // The view asked the run shown for its logit lens: it is open, so this run carries the lens of its first window.
      const lens = this.current !== undefined && this.runs.lensAsked(this.current.runId);
      const {
        summary,
        source,
        unmasked,
        lens: carried,
      } = await this.engine.inspect(runId, request.text, readConfig(), {
        pair: request.pair,
        target: request.givenTarget,
        lens,
      });
      if (runId !== this.latestRunId) return this.superseded(runId);
      if (this.models.epoch !== epoch) {
        this.log.info(`run ${runId} dropped: the model changed while it ran`);
        this.status.set('idle', 'The model changed while this ran; inspect again.');
        return undefined;
      }
      const run: RunRecord = { runId, summary, source, target, note: request.note, givenTarget: request.givenTarget };
      const t = summary.timings;
      this.log.info(
        `run ${runId}: ${summary.tokens.length} tokens with ${state.reply.info.id} on ${summary.device.label}: ` +
          `tokenize ${t.tokenizeMs.toFixed(1)} ms, run ${t.runMs.toFixed(1)} ms, total ${(performance.now() - started).toFixed(1)} ms`,
      );
      if (summary.truncation) this.log.warn(summary.truncation.message);
      this.targets.release(this.current?.target);
      this.runs.add(run, unmasked, carried);
      if (carried) this.stats.lensCarried++;
      this.current = run;
      this.stats.published++;
      this.events.fire({ kind: 'result', run });
      this.fetchOverview(run);
      if (document && target && document.version !== startVersion) {
        // Edited while it ran: show what it computed, marked stale, and never map it onto the new text.
        this.markStale();
      } else {
        // Only what the views' facts line does not already say (the note, e.g. "No selection: inspected line 4").
        this.status.set('idle', run.note ?? '');
      }
      return run;
    } catch (error) {
      if (error instanceof LensError && error.code === 'cancelled') return this.superseded(runId);
      if (runId !== this.latestRunId) return this.superseded(runId);
      this.fail(error);
      return undefined;
    }
  }

  /** The model view's overviews follow the result: each set's is downsampled in the worker after the result is out. */
  private fetchOverview(run: RunRecord): void {
    if (!run.source.keptAttention) return;
    for (const set of run.summary.attentionSets) {
      this.engine.overview(run.summary, set.name).then(
        (overview) => {
          if (this.current !== run || !this.runs.setOverview(overview)) return;
          this.events.fire({ kind: 'overview', run, overview });
        },
        (error: unknown) => this.log.debug(`run ${run.runId}: no overview of ${set.name} (${(error as Error).message})`),
      );
    }
  }

  private superseded(runId: number): undefined {
    this.stats.superseded++;
    this.log.debug(`run ${runId} superseded`);
    return undefined;
  }

  /** The inference worker stopped: the views say so (see RunStatus.workerStopped). */
  workerStopped(message: string): void {
    this.status.workerStopped(message);
  }

  /** Shows an error as the user should read it (see RunStatus.fail). */
  fail(error: unknown): void {
    this.status.fail(error);
  }

  /** Runs on a result's text are for the current run, with the model that made it. */
  private checkCanRun(run: RunRecord): void {
    if (this.current !== run) throw new LensError('that run is no longer the current one', 'cancelled');
    if (this.models.current()?.reply.info.folder !== run.source.modelFolder) {
      throw new LensError('the model changed since this run; inspect again', 'cancelled');
    }
  }
}
