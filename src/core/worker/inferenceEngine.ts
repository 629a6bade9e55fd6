// The inference engine as the extension host and the CLI see it: one worker thread, requests serialised and
// scheduled as the request table says (workerRequests.ts: a newer inspect cancels waiting runs, attention reads go
// ahead of them), and a worker that dies is replaced on the next request (reloading the last model) with a clear
// error for the requests it took down. Attention maps stay in the worker under their run's id (WorkerRuns):
// callers fetch the layers they show.
import * as path from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { ModelRequest } from '../engine/modelSession';
import type { ProviderEnvironment } from '../engine/providers';
import { LensError } from '../types';
import {
  WORKER_REQUESTS,
  type LoadedReply,
  type PayloadOf,
  type Schedule,
  type ReplyOf,
  type WorkerExit,
  type WorkerOp,
  type WorkerRequest,
  type WorkerResponse,
  type WorkerSetup,
} from './workerRequests';

/** How long dispose() and terminateWorker() wait for a busy thread to reach a point where it can exit. */
const STOP_GRACE_MS = 10_000;

/** Said after a worker that ran out of memory: a smaller run is what avoids it next time. */
const OUT_OF_MEMORY_ADVICE = ' Select less text or lower attentionLens.maxTokens.';

const laneOf = (p: Pending) => WORKER_REQUESTS[p.request.op].lane;

interface Pending {
  request: WorkerRequest;
  resolve: (value: unknown) => void;
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
  private lastRunId = 0;

  constructor(private readonly options: EngineOptions) {}

  /** Loads a model (replacing the current one); a replacement worker reloads it before its first run. */
  load(request: ModelRequest): Promise<LoadedReply> {
    this.lastLoad = request;
    return this.request('load', { request, env: this.options.environment });
  }

  /** A new run id, for callers that keep no ids of their own (the CLI, tools, tests); the host uses its own. */
  nextRunId(): number {
    return ++this.lastRunId;
  }

  /**
   * Sends one request of the table (workerRequests.ts) and resolves to its reply. Waiting requests it supersedes
   * are rejected with 'cancelled'; a request about attention waits behind the running request only.
   */
  request<K extends WorkerOp>(op: K, payload: PayloadOf<K>): Promise<ReplyOf<K>> {
    if (this.disposed) return Promise.reject(new LensError('the inference engine was shut down', 'cancelled'));
    const supersedes = WORKER_REQUESTS[op].supersedes;
    if (supersedes === 'runs') this.cancelWaiting((p) => laneOf(p) === 'run');
    if (supersedes === 'same') this.cancelWaiting((p) => p.request.op === op);
    return new Promise((resolve, reject) => {
      const request = { id: this.nextId++, op, payload } as WorkerRequest;
      const pending: Pending = { request, resolve: resolve as (value: unknown) => void, reject };
      const at = this.queuePosition(laneOf(pending));
      if (at < 0) this.waiting.push(pending);
      else this.waiting.splice(at, 0, pending);
      this.pump();
    });
  }

  /** Where a new request of `lane` waits: attention reads before runs, background windows after everything else. */
  private queuePosition(lane: Schedule['lane']): number {
    if (lane === 'background') return -1;
    const ahead = (p: Pending) => (lane === 'attention' ? laneOf(p) !== 'attention' : laneOf(p) === 'background');
    return this.waiting.findIndex(ahead);
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
    if (!this.workerHasModel && (laneOf(next) === 'run' || laneOf(next) === 'background') && this.lastLoad) {
      const reload: Pending = {
        request: { id: this.nextId++, op: 'load', payload: { request: this.lastLoad, env: this.options.environment } },
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
      error.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? this.workerDied(worker, 'it ran out of memory', OUT_OF_MEMORY_ADVICE)
        : this.workerDied(worker, `it failed: ${error.message}`),
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
