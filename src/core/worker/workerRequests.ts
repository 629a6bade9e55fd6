// The one request table between the engine client (extension host, CLI) and the inference worker thread: each
// request's payload, its reply, and how the engine schedules it. A new request is one entry here and one handler
// in inferenceWorker.ts; InferenceEngine.request() does the rest. Payloads need no validator on this hop: both
// ends are this code in one process, and what a webview sends was validated at the host (src/protocol).
import type { AblationSpec, AblationView } from '../../protocol/ablation';
import type { LayerHeads } from '../../protocol/headMean';
import type { QueryKeyReading } from '../analysis/queryKey';
import type { InspectOptions, LogitsRow } from '../engine/modelRunner';
import type { ModelRequest } from '../engine/modelSession';
import type { OverviewData } from '../engine/overview';
import type { ProviderEnvironment } from '../engine/providers';
import type { TokenizerComparison } from '../tokenize/compareTokenizers';
import type { ScanPlan } from '../surprisal/surprisalScan';
import type { WindowScores } from '../surprisal/windowScores';
import {
  LensError,
  type AttentionMaps,
  type AttentionSetShape,
  type DeviceInfo,
  type InspectResult,
  type LensErrorCode,
  type LogitLens,
  type MaskedAtPosition,
  type ModelInfo,
  type Prediction,
} from '../types';

/** A run's attention set as the worker keeps it: its geometry, without the maps. */
export type AttentionSetRef = AttentionSetShape;

/** An inspect result as the worker sends it: the attention sets stay in the worker, under the run's id. */
export interface WorkerInspectResult extends Omit<InspectResult, 'attention'> {
  run: number;
  attention?: AttentionSetRef[];
  /** A fill-mask model's top-k at every position, when the run ranked them anyway (see ModelRunner.inspect). */
  unmasked?: Prediction[][];
}

export interface LoadedReply {
  info: ModelInfo;
  device: DeviceInfo;
  loadMs: number;
}

/** The worker thread's holdings: the process's memory as the thread sees it, and what it keeps alive. */
export interface WorkerHealth {
  /** Resident memory of the whole process (the thread shares it with its host). */
  rssBytes: number;
  heapUsedBytes: number;
  arrayBuffersBytes: number;
  /** onnxruntime sessions loaded and not released (0 or 1 when nothing leaks). */
  openSessions: number;
  /** Runs whose attention maps are kept (at most MAX_RUNS_WITH_MAPS), and their bytes. */
  keptRuns: number;
  keptBytes: number;
}

/**
 * How the engine schedules a request. 'run': runs the loaded model on a run's text (a replacement worker reloads
 * the model first). 'attention': reads kept maps; quick, it goes ahead of waiting runs. 'control': neither.
 * `supersedes`: which waiting requests a new one cancels: every waiting 'run' request, or those of its own kind.
 * 'background': runs the loaded model too, but every other request goes ahead of it (a surprisal scan sends one
 * window per request, so an inspect waits at most one window).
 */
export interface Schedule {
  lane: 'run' | 'attention' | 'control' | 'background';
  supersedes?: 'runs' | 'same';
}

/** The requests, by name: payload and reply. Every payload that names a run uses the host's run id. */
export interface WorkerRequestTypes {
  load: { payload: { request: ModelRequest; env: ProviderEnvironment }; reply: LoadedReply };
  inspect: { payload: { run: number; text: string; options: InspectOptions }; reply: WorkerInspectResult };
  maskedAt: { payload: { run: number; positions: number[]; topK: number }; reply: MaskedAtPosition[] };
  unmasked: { payload: { run: number; topK: number }; reply: Prediction[][] };
  logits: { payload: { run: number; position: number }; reply: LogitsRow };
  // A run's kept attention: the model view's overview of a set, one layer of a set (with `heads`, only those, in that
  // order: [heads.length, queries, keys]; 'mean': the mean over heads, [queries, keys]), or every set.
  overview: { payload: { run: number; set: string }; reply: OverviewData };
  layer: { payload: { run: number; set: string; layer: number; heads?: LayerHeads }; reply: Float32Array };
  maps: { payload: { run: number }; reply: AttentionMaps[] };
  // Attention rollout of a self-attention set: R_layer, [queries, keys] (analysis/rollout.ts).
  rollout: { payload: { run: number; set: string; layer: number }; reply: Float32Array };
  // One head's query·key reading at one query position of a set (analysis/queryKey.ts).
  queryKey: { payload: { run: number; set: string; layer: number; head: number; query: number }; reply: QueryKeyReading };
  // Compare Tokenizers: the text tokenized by each folder's tokenizer, no model run.
  compareTokenizers: { payload: { tokenizers: { name: string; folder: string }[]; text: string }; reply: TokenizerComparison };
  // What the thread holds now (soak tests); with `settle`, after a garbage collection where one is exposed.
  health: { payload: { settle: boolean }; reply: WorkerHealth };
  unload: { payload: Record<string, never>; reply: null };
  // The predictions of a run's text with heads ablated, against the plain run's (ModelRunner.ablate).
  ablate: { payload: { run: number; spec: AblationSpec; topK: number }; reply: Omit<AblationView, 'runId'> };
  // The logit lens of a run's text: every layer's top-k at `positions` (default: every position).
  logitLens: { payload: { run: number; positions?: number[]; topK: number }; reply: LogitLens };
  // A surprisal scan of a document (`key`): tokenize and plan its windows (after an edit, from the first stale
  // one), then one request per window, in the background lane (see src/core/surprisal); a window's reply has its
  // tokens' top-k only when `topK` is given. surprisalTop: the top-k before one token of the plan (a hover), as its
  // window's run kept it (keptTopK.ts), else by running its window again up to it.
  surprisalPlan: { payload: { key: string; text: string; window?: number; stride?: number; fresh: boolean }; reply: ScanPlan };
  surprisalWindow: { payload: { key: string; generation: number; window: number; topK?: number }; reply: WindowScores };
  surprisalTop: { payload: { key: string; generation: number; index: number; topK: number }; reply: Prediction[] };
}

export type WorkerOp = keyof WorkerRequestTypes;
export type PayloadOf<K extends WorkerOp> = WorkerRequestTypes[K]['payload'];
export type ReplyOf<K extends WorkerOp> = WorkerRequestTypes[K]['reply'];

export const WORKER_REQUESTS: { readonly [K in WorkerOp]: Schedule } = {
  load: { lane: 'control', supersedes: 'runs' },
  inspect: { lane: 'run', supersedes: 'runs' },
  maskedAt: { lane: 'run', supersedes: 'same' },
  unmasked: { lane: 'run', supersedes: 'same' },
  logits: { lane: 'run' },
  overview: { lane: 'attention' },
  layer: { lane: 'attention' },
  maps: { lane: 'attention' },
  rollout: { lane: 'attention' },
  queryKey: { lane: 'attention' },
  compareTokenizers: { lane: 'control', supersedes: 'same' },
  health: { lane: 'control' },
  unload: { lane: 'control' },
  ablate: { lane: 'run', supersedes: 'same' },
  logitLens: { lane: 'run', supersedes: 'same' },
  surprisalPlan: { lane: 'background', supersedes: 'same' },
  surprisalWindow: { lane: 'background' },
  // A hover waits on it, so it goes ahead of the scan's windows; a newer hover's replaces one still waiting.
  surprisalTop: { lane: 'run', supersedes: 'same' },
};

/** A request as it crosses to the worker. */
export type WorkerRequest = { [K in WorkerOp]: { id: number; op: K; payload: PayloadOf<K> } }[WorkerOp];

export type WorkerResponse =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { message: string; code?: LensErrorCode } };

/** What the engine hands a worker at its start (workerData). */
export interface WorkerSetup {
  /** Memory a run may plan with, instead of measuring what is free (tests of the memory check). */
  availableMemoryBytes?: number;
}

/**
 * Asks the worker thread to end itself. Handled on receipt, not queued: a message is only dispatched when no
 * onnxruntime call is on the worker's stack, and only then can the thread end without aborting the process.
 */
export interface WorkerExit {
  op: 'exit';
}

/** A run whose maps newer runs replaced, or that a replacement worker never had. */
export function attentionNotKept(): LensError {
  return new LensError('the attention maps of that run are no longer kept; inspect again', 'cancelled');
}

/** A run the worker no longer knows (MAX_RUNS newer ones came after it, or the worker was replaced). */
export function runNotKept(): LensError {
  return new LensError('that run is no longer kept; inspect again', 'cancelled');
}

/** What a request naming a head the set does not have is told (the host checks before asking, too). */
export function badHeads(heads: LayerHeads, count: number): string | undefined {
  if (heads === 'mean') return undefined;
  if (heads.length === 0) return 'a layer request named no heads';
  const bad = heads.find((h, i) => !Number.isInteger(h) || h < 0 || h >= count || heads.indexOf(h) !== i);
  return bad === undefined ? undefined : `head ${bad} is not one of the set's ${count} heads, or is named twice`;
}

/** What a request for a layer past the model's last one is told (the host checks before asking, too). */
export function noSuchLayer(layer: number, layers: number): string {
  return `layer ${layer} does not exist: the model has ${layers} layers`;
}

/** What a query·key request naming a layer, head or query the set does not have is told (the host checks too). */
export function badQueryKey(
  set: Pick<AttentionSetShape, 'layers' | 'heads' | 'queries'>,
  layer: number,
  head: number,
  query: number,
): string | undefined {
  if (layer >= set.layers) return noSuchLayer(layer, set.layers);
  if (head >= set.heads) return `head ${head} is not one of the set's ${set.heads} heads`;
  if (query >= set.queries) return `query ${query} is outside the set's ${set.queries} query positions`;
  return undefined;
}
