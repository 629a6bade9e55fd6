// Drives a surprisal scan from the host (the editor, the CLI): plans it in the worker, then asks for one window at a
// time in the background lane, so that an inspect asked for meanwhile runs before the next window. Cancelling
// stops between windows; results arrive window by window.
import type { InferenceEngine } from '../worker/inferenceEngine';
import type { ScanPlan } from './surprisalScan';
import type { WindowScores } from './windowScores';

export interface ScanRequest {
  /** Which document: the worker keeps the last scan per key to find what an edit changed. */
  key: string;
  text: string;
  window?: number;
  stride?: number;
  /**
   * Each token's top-k with its window's scores (the CLI prints them). The editor leaves it out: its replies then
   * carry spans and scores only, and a hovered token's top-k is asked for alone (surprisalTop).
   */
  topK?: number;
  /** A new scan (a toggle, another model): every window runs. Otherwise only the windows the edit made stale. */
  fresh: boolean;
}

export interface ScanCallbacks {
  /** The plan: the text's tokens and the windows that will run, [plan.firstStale, plan.windows.length). */
  onPlan?(plan: ScanPlan): void;
  /** Window `k`'s scores, in order. */
  onWindow?(k: number, scores: WindowScores): void;
  /** Checked before each window: true stops the scan there (the scan resolves with `cancelled`). */
  cancelled?(): boolean;
}

export interface ScanOutcome {
  plan: ScanPlan;
  /** Windows run by this scan (those from plan.firstStale on, unless cancelled). */
  windowsRun: number;
  cancelled: boolean;
}

export async function runScan(engine: InferenceEngine, request: ScanRequest, callbacks: ScanCallbacks = {}): Promise<ScanOutcome> {
  const { key, text, window, stride, topK, fresh } = request;
  const plan = await engine.request('surprisalPlan', { key, text, window, stride, fresh });
  callbacks.onPlan?.(plan);
  let windowsRun = 0;
  for (let k = plan.firstStale; k < plan.windows.length; k++) {
    if (callbacks.cancelled?.()) return { plan, windowsRun, cancelled: true };
    const scores = await engine.request('surprisalWindow', { key, generation: plan.generation, window: k, topK });
    windowsRun++;
    callbacks.onWindow?.(k, scores);
  }
  return { plan, windowsRun, cancelled: false };
}
