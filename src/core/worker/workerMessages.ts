// Messages between the engine client (extension host, CLI) and the inference worker thread.
import type { ModelRequest } from '../engine/modelSession';
import type { InspectOptions, LogitsRow } from '../engine/modelRunner';
import type { OverviewData } from '../engine/overview';
import type { ProviderEnvironment } from '../engine/providers';
import { LensError, type AttentionMaps, type DeviceInfo, type InspectResult, type LensErrorCode, type MaskedAtPosition, type ModelInfo, type Prediction } from '../types';

export type WorkerRequest =
  | { id: number; op: 'load'; request: ModelRequest; env: ProviderEnvironment }
  | { id: number; op: 'inspect'; text: string; options: InspectOptions }
  | { id: number; op: 'maskedAt'; text: string; positions: number[]; topK: number; maxTokens?: number }
  | { id: number; op: 'unmasked'; text: string; topK: number; maxTokens?: number }
  | { id: number; op: 'logits'; text: string; position: number; maxTokens?: number }
  | { id: number; op: 'unload' }
  // The kept run's attention (see AttentionRef): the model view's overview, one layer, or every layer.
  | { id: number; op: 'overview'; run: number }
  | { id: number; op: 'layer'; run: number; layer: number }
  | { id: number; op: 'maps'; run: number }
  // What the thread holds now (soak tests); with `settle`, after a garbage collection where one is exposed.
  | { id: number; op: 'health'; settle: boolean };

/** What the engine hands a worker at its start (workerData). */
export interface WorkerSetup {
  /** Memory a run may plan with, instead of measuring what is free (tests of the memory check). */
  availableMemoryBytes?: number;
}

/** The worker thread's holdings: the process's memory as the thread sees it, and what it keeps alive. */
export interface WorkerHealth {
  /** Resident memory of the whole process (the thread shares it with its host). */
  rssBytes: number;
  heapUsedBytes: number;
  arrayBuffersBytes: number;
  /** onnxruntime sessions loaded and not released (0 or 1 when nothing leaks). */
  openSessions: number;
  /** Runs whose attention maps are kept (0 or 1), and their bytes. */
  keptRuns: number;
  keptBytes: number;
}

/**
 * Asks the worker thread to end itself. Handled on receipt, not queued: a message is only dispatched when no
 * onnxruntime call is on the worker's stack, and only then can the thread end without aborting the process.
 */
export interface WorkerExit {
  op: 'exit';
}

export interface LoadedReply {
  info: ModelInfo;
  device: DeviceInfo;
  loadMs: number;
}

/**
 * A run's attention maps, kept in the worker under the inspect's request id until the next run with attention
 * starts. Only what a view asks for — the overview, a layer — crosses to the caller's thread: at 1024 tokens all
 * maps were 604 MB (311 MB now that causal maps are cut to their lower triangle), and receiving them made the
 * extension host's event loop stall while its garbage collector caught up.
 */
export interface AttentionRef {
  run: number;
  layers: number;
  heads: number;
  tokens: number;
}

/** A run whose maps a newer run replaced, or that a worker since replaced had kept. */
export function attentionNotKept(): LensError {
  return new LensError('the attention maps of that run are no longer kept; inspect again', 'cancelled');
}

/** What a request for a layer past the model's last one is told (the host checks before asking, too). */
export function noSuchLayer(layer: number, layers: number): string {
  return `layer ${layer} does not exist: the model has ${layers} layers`;
}

/** An inspect result as the worker sends it: where its attention maps are kept. */
export interface WorkerInspectResult extends Omit<InspectResult, 'attention'> {
  attention?: AttentionRef;
}

export type WorkerValue = LoadedReply | LogitsRow | WorkerHealth | WorkerInspectResult | MaskedAtPosition[] | Prediction[][] | OverviewData | Float32Array | AttentionMaps | null;

export type WorkerResponse =
  | { id: number; ok: true; value: WorkerValue }
  | { id: number; ok: false; error: { message: string; code?: LensErrorCode } };
