// The inference engine as the extension host and the CLI see it: one worker thread, requests serialised,
// a newer inspect cancels older ones that have not started, and a worker that dies is replaced on the next
// request (reloading the last model) with a clear error for the requests it took down. Attention maps stay
// in the worker, the latest run's until the next run with attention starts: callers fetch the layers they show.
import * as path from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { InspectOptions, LogitsRow } from '../engine/modelRunner';
import type { OverviewData } from '../engine/overview';
import type { ModelRequest } from '../engine/modelSession';
import type { ProviderEnvironment } from '../engine/providers';
import { LensError, type AttentionMaps, type MaskedAtPosition, type Prediction } from '../types';
import { attentionNotKept, type LoadedReply, type WorkerExit, type WorkerHealth, type WorkerInspectResult, type WorkerRequest, type WorkerResponse, type WorkerSetup, type WorkerValue } from './workerMessages';

/** How long dispose() and terminateWorker() wait for a busy thread to reach a point where it can exit. */
const STOP_GRACE_MS = 10_000;

/** Said after a worker that ran out of memory: a smaller run is what avoids it next time. */
const OUT_OF_MEMORY_ADVICE = ' Select less text or lower attentionLens.maxTokens.';

type Op = WorkerRequest['op'];
type Payload<K extends Op> = Omit<Extract<WorkerRequest, { op: K }>, 'id'>;

/** Requests about kept attention: quick, they need no model, and they go ahead of waiting runs. */
const ATTENTION_OPS: ReadonlySet<Op> = new Set<Op>(['overview', 'layer', 'maps']);
const isAttentionOp = (p: Pending) => ATTENTION_OPS.has(p.request.op);
/** Requests that run the loaded model on a text. */
const MODEL_RUN_OPS: ReadonlySet<Op> = new Set<Op>(['inspect', 'maskedAt', 'unmasked', 'logits']);

interface Pending {
  request: WorkerRequest;
  resolve: (value: WorkerValue) => void;
  reject: (error: Error) => void;
}

export interface EngineOptions {
  /** The worker script; default: inferenceWorker.js beside this module (the bundle or the tsc output). */
  workerPath?: string;
  environment: ProviderEnvironment;
  log?: (message: string) => void;
  /** Told why the worker stopped, whether or not a request was running (the status bar, the panel). */
  onWorkerStopped?: (message: string) => void;
  /** Memory runs may plan with instead of what is free (tests of the memory check). */
  availableMemoryBytes?: number;
  /** Limits of the worker's JavaScript heap (tests make it run out quickly). */
  resourceLimits?: ResourceLimits;
}

export class InferenceEngine {
  private worker: Worker | undefined;
  private readonly waiting: Pending[] = [];
  private running: Pending | undefined;
  private nextId = 1;
  private lastLoad: ModelRequest | undefined;
  private workerHasModel = false;
  private disposed = false;
  private readonly exits = new WeakMap<Worker, Promise<void>>();
  /** The latest run whose attention the current worker returned (a replacement worker keeps none). */
  private keptRun: number | undefined;

  constructor(private readonly options: EngineOptions) {}

  /** Loads a model (replacing the current one). */
  async load(request: ModelRequest): Promise<LoadedReply> {
    this.lastLoad = request;
    this.cancelWaiting((p) => !isAttentionOp(p));
    const reply = (await this.enqueue('load', { op: 'load', request, env: this.options.environment })) as LoadedReply;
    return reply;
  }

  /** Inspects text with the loaded model. A later inspect rejects this one with 'cancelled' if it has not started. */
  async inspect(text: string, options: InspectOptions): Promise<WorkerInspectResult> {
    this.cancelWaiting((p) => MODEL_RUN_OPS.has(p.request.op));
    const result = (await this.enqueue('inspect', { op: 'inspect', text, options })) as WorkerInspectResult;
    if (result.attention) this.keptRun = result.attention.run;
    return result;
  }

  /** The kept run's attention downsampled for the model view (block maxima, every head at most overviewSide()²). */
  attentionOverview(run: number): Promise<OverviewData> {
    if (run !== this.keptRun) return Promise.reject(attentionNotKept());
    return this.enqueue('overview', { op: 'overview', run }) as Promise<OverviewData>;
  }

  /** One layer of the kept run's attention, [heads, query, key]. */
  attentionLayer(run: number, layer: number): Promise<Float32Array> {
    if (run !== this.keptRun) return Promise.reject(attentionNotKept());
    return this.enqueue('layer', { op: 'layer', run, layer }) as Promise<Float32Array>;
  }

  /** Every layer of the kept run's attention, in the layout it is kept in (exports, the CLI). */
  attentionMaps(run: number): Promise<AttentionMaps> {
    if (run !== this.keptRun) return Promise.reject(attentionNotKept());
    return this.enqueue('maps', { op: 'maps', run }) as Promise<AttentionMaps>;
  }

  async maskedAt(text: string, positions: number[], topK: number, maxTokens?: number): Promise<MaskedAtPosition[]> {
    this.cancelWaiting((p) => p.request.op === 'maskedAt');
    return (await this.enqueue('maskedAt', { op: 'maskedAt', text, positions, topK, maxTokens })) as MaskedAtPosition[];
  }

  /** A masked LM's top-k at every position of the text as it is (see ModelRunner.unmasked). */
  async unmasked(text: string, topK: number, maxTokens?: number): Promise<Prediction[][]> {
    this.cancelWaiting((p) => p.request.op === 'unmasked');
    return (await this.enqueue('unmasked', { op: 'unmasked', text, topK, maxTokens })) as Prediction[][];
  }

  /** The whole vocabulary's logits at one position of the text as it is (see ModelRunner.logitsAt). */
  async logitsAt(text: string, position: number, maxTokens?: number): Promise<LogitsRow> {
    return (await this.enqueue('logits', { op: 'logits', text, position, maxTokens })) as LogitsRow;
  }

  /** What the worker holds now (see WorkerHealth); `settle` collects garbage first where gc is exposed. */
  health(settle = false): Promise<WorkerHealth> {
    return this.enqueue('health', { op: 'health', settle }) as Promise<WorkerHealth>;
  }

  /** Ends the worker (and with it the session); pending requests, the running one included, are rejected. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.cancelWaiting(() => true);
    const running = this.running;
    this.running = undefined;
    running?.reject(new LensError('the inference engine was shut down', 'cancelled'));
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await this.stopWorker(worker);
  }

  /**
   * Kills the worker as a crash would (tests, and the "restart" path after a hung run): the running request
   * fails now with 'worker-crashed' and the next request starts a fresh worker. The old thread is asked to
   * exit rather than terminate()d: terminating a thread inside an onnxruntime call aborts the whole process.
   */
  async terminateWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.workerDied(worker, 'it was stopped');
    await this.stopWorker(worker);
  }

  /**
   * Resolves when the thread has exited. It stays ref'd meanwhile: a process that exits while the thread is
   * inside a native call aborts the same way. A thread still busy after STOP_GRACE_MS is unref'd and left.
   */
  private stopWorker(worker: Worker): Promise<void> {
    const exited = this.exits.get(worker) ?? Promise.resolve();
    worker.postMessage({ op: 'exit' } satisfies WorkerExit);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        worker.unref();
        resolve();
      }, STOP_GRACE_MS);
      timer.unref();
      void exited.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private enqueue<K extends Op>(_op: K, payload: Payload<K>): Promise<WorkerValue> {
    if (this.disposed) return Promise.reject(new LensError('the inference engine was shut down', 'cancelled'));
    return new Promise((resolve, reject) => {
      const pending: Pending = { request: { ...payload, id: this.nextId++ } as WorkerRequest, resolve, reject };
      // Attention requests wait behind the running request only, not behind waiting runs.
      const at = isAttentionOp(pending) ? this.waiting.findIndex((p) => !isAttentionOp(p)) : -1;
      if (at < 0) this.waiting.push(pending);
      else this.waiting.splice(at, 0, pending);
      this.pump();
    });
  }

  private cancelWaiting(match: (p: Pending) => boolean): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (!match(this.waiting[i])) continue;
      const [cancelled] = this.waiting.splice(i, 1);
      cancelled.reject(new LensError('superseded by a newer request', 'cancelled'));
    }
  }

  private pump(): void {
    if (this.running || this.waiting.length === 0) return;
    const next = this.waiting.shift()!;
    this.running = next;
    const worker = this.ensureWorker();
    // A replacement worker has no model: reload the last one first, transparently (attention requests need none).
    if (!this.workerHasModel && MODEL_RUN_OPS.has(next.request.op) && this.lastLoad) {
      const reload: Pending = {
        request: { id: this.nextId++, op: 'load', request: this.lastLoad, env: this.options.environment },
        resolve: () => {
          this.running = undefined;
          this.waiting.unshift(next);
          this.pump();
        },
        reject: (error) => next.reject(error),
      };
      this.running = reload;
      worker.postMessage(reload.request);
      return;
    }
    worker.postMessage(next.request);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const file = this.options.workerPath ?? path.join(__dirname, 'inferenceWorker.js');
    const setup: WorkerSetup = { availableMemoryBytes: this.options.availableMemoryBytes };
    const worker = new Worker(file, { workerData: setup, resourceLimits: this.options.resourceLimits });
    this.exits.set(worker, new Promise((resolve) => worker.once('exit', () => resolve())));
    this.workerHasModel = false;
    worker.on('message', (response: WorkerResponse) => this.settle(response));
    worker.on('error', (error: Error & { code?: string }) =>
      error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? this.workerDied(worker, 'it ran out of memory', OUT_OF_MEMORY_ADVICE) : this.workerDied(worker, `it failed: ${error.message}`),
    );
    worker.on('exit', (code) => this.workerDied(worker, `it exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  private settle(response: WorkerResponse): void {
    const current = this.running;
    if (!current || current.request.id !== response.id) return;
    this.running = undefined;
    if (response.ok) {
      if (current.request.op === 'load') this.workerHasModel = true;
      if (current.request.op === 'unload') this.workerHasModel = false;
      current.resolve(response.value);
    } else {
      if (current.request.op === 'load') this.workerHasModel = false;
      current.reject(new LensError(response.error.message, response.error.code ?? 'model-invalid'));
    }
    this.pump();
  }

  private workerDied(worker: Worker, how: string, advice = ''): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.workerHasModel = false;
    this.keptRun = undefined;
    const current = this.running;
    this.running = undefined;
    if (this.disposed) return;
    this.options.log?.(`inference worker stopped: ${how}`);
    const message = `The inference worker stopped (${how}); it restarts on the next run.${advice}`;
    this.options.onWorkerStopped?.(message);
    current?.reject(new LensError(message, 'worker-crashed'));
    this.pump();
  }
}
