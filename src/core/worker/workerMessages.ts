// Messages between the engine client (extension host, CLI) and the inference worker thread.
import type { ModelRequest } from '../engine/modelSession';
import type { InspectOptions } from '../engine/modelRunner';
import type { OverviewData } from '../engine/overview';
import type { ProviderEnvironment } from '../engine/providers';
import type { DeviceInfo, InspectResult, LensErrorCode, MaskedAtPosition, ModelInfo } from '../types';

export type WorkerRequest =
  | { id: number; op: 'load'; request: ModelRequest; env: ProviderEnvironment }
  | { id: number; op: 'inspect'; text: string; options: InspectOptions }
  | { id: number; op: 'maskedAt'; text: string; positions: number[]; topK: number; maxTokens?: number }
  | { id: number; op: 'unload' };

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

/** An inspect result plus the downsampled attention the model view draws. */
export interface WorkerInspectResult extends InspectResult {
  overview?: OverviewData;
}

export type WorkerValue = LoadedReply | WorkerInspectResult | MaskedAtPosition[] | null;

export type WorkerResponse =
  | { id: number; ok: true; value: WorkerValue }
  | { id: number; ok: false; error: { message: string; code?: LensErrorCode } };
