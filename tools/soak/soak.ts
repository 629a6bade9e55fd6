// Long use of one inference worker: the soak plan's inspects through the real InferenceEngine, as the extension
// host makes them (the overview and a layer fetched after each run with attention), with the worker's settled
// memory sampled along the way. judgeSoak() says whether memory stayed flat and nothing was left behind.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import type { ModelRequest } from '../../src/core/engine/modelSession';
import { EMBEDDED_MODELS } from '../../src/core/model/resolveModel';
import { loadTextTokenizer, type TextTokenizer } from '../../src/core/tokenize/textTokenizer';
import { LensError } from '../../src/core/types';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import type { WorkerHealth } from '../../src/core/worker/workerRequests';
import { MAX_RUNS_WITH_MAPS } from '../../src/core/worker/workerRuns';
import { textOfLength } from '../bench/workload';
import { soakPlan, type SoakModel, type SoakStep } from './soakPlan';

/**
 * Growth of the worker's settled JavaScript memory (V8's heap in use and its array buffers, which hold every map,
 * logit and kept tensor the worker hands out) allowed between the level after the warm-up and the final one. The
 * worker settles it (collectGarbage in the worker) before each sample, which makes it repeatable: from one sample to
 * the next the heap moved by at most 0.3 MB and the array buffers by 0.01 MB, idle and with three busy processes on
 * 2 cores (measured). Keeping one more run's maps of the embedded causal model at its longest input (3 MB) passes
 * this bound at once.
 */
export const HELD_GROWTH_BYTES = 2 * 1024 ** 2;
/**
 * Growth of settled resident memory allowed, as a fraction of its level after the warm-up. RSS also counts native
 * memory (onnxruntime's sessions and arenas), but it is not exact: glibc keeps freed pages in its arenas, and what
 * onnxruntime's arena holds depends on the lengths its session ran since it was made (its blocks fragment). Every
 * sample is taken in one state (a fresh session of the causal model after one run at its longest input with
 * attention) and a level is a floor, yet the two levels of one run differed by +24 % on a loaded machine
 * (458 → 567 MB, one full test run of eight). A native leak of one run's outputs per inspect (16 MB or more for the
 * embedded models) adds over 100 % within the 50 inspects of the unit tier's soak, so this bound still catches it.
 */
export const RSS_TOLERANCE = 0.5;
/** Samples whose floors (of RSS and of held memory apart) are a level: right after the warm-up, and the last ones. */
export const LEVEL_WINDOW = 3;

export interface SoakOptions {
  inspects: number;
  /** Folder holding the embedded models (the repository's models/). */
  modelsDir: string;
  /** The worker script; default: the engine's own (beside the bundle). */
  workerPath?: string;
  /** Inspects before the reference sample: allocators reach their high-water mark meanwhile. */
  warmup: number;
  /** Inspects between samples after the reference (and one at the end). */
  sampleEvery: number;
  /** Collects the soak's own thread's garbage before each sample (see tools/exposeGc.ts). */
  collectGarbage: () => void;
  onSample?: (sample: SoakSample) => void;
}

export interface SoakSample extends WorkerHealth {
  /** Inspects done when the sample was taken. */
  inspects: number;
  elapsedMs: number;
}

export interface SoakReport {
  samples: SoakSample[];
  /** The levels (see LEVEL_WINDOW and level()): of the first samples after the warm-up, and of the last ones. */
  reference: SoakSample;
  final: SoakSample;
  /** Inspects that ran to a result, and queued ones a newer inspect cancelled. */
  completed: number;
  cancelled: number;
}

const TOP_K = 5;

interface SoakModelSetup {
  request: ModelRequest;
  tokenizer: TextTokenizer;
  min: number;
  max: number;
}

async function setUpModels(modelsDir: string): Promise<Record<SoakModel, SoakModelSetup>> {
  const setUp = async (alias: string): Promise<SoakModelSetup> => {
    const folder = path.join(modelsDir, EMBEDDED_MODELS[alias].folder);
    const tokenizer = await loadTextTokenizer(folder);
    const frame = tokenizer.specialTokensBefore + tokenizer.specialTokensAfter;
    const config = JSON.parse(readFileSync(path.join(folder, 'config.json'), 'utf8')) as Record<string, number>;
    const max = config.max_position_embeddings ?? config.n_positions;
    return { request: { id: alias, source: 'embedded', folder, device: 'cpu' }, tokenizer, min: frame + 1, max };
  };
  return { masked: await setUp('default-masked'), causal: await setUp('default-causal') };
}

/** One step: the inspect (with its burst), then what the views fetch. Returns [completed, cancelled]. */
async function runStep(engine: InferenceEngine, step: SoakStep, setup: SoakModelSetup, index: number): Promise<[number, number]> {
  const text = textOfLength(setup.tokenizer, step.tokens);
  const options = { attention: step.attention, topK: TOP_K };
  const inspect = (what: string) => engine.request('inspect', { run: engine.nextRunId(), text: what, options });
  const calls = [inspect(text)];
  if (step.burst) calls.push(inspect(`${text} and more`), inspect(text));
  const settled = await Promise.allSettled(calls);
  const cancelled = settled.filter((s) => s.status === 'rejected' && s.reason instanceof LensError && s.reason.code === 'cancelled').length;
  const failed = settled.find((s) => s.status === 'rejected' && !(s.reason instanceof LensError && s.reason.code === 'cancelled'));
  if (failed)
    throw new Error(`inspect ${index} (${step.model}, ${step.tokens} tokens) failed: ${(failed as PromiseRejectedResult).reason}`);
  const last = settled.at(-1)!;
  if (last.status !== 'fulfilled') throw new Error(`inspect ${index}: the newest inspect of a burst was cancelled`);
  const result = last.value;
  if (result.tokens.length !== step.tokens) throw new Error(`inspect ${index}: ${result.tokens.length} tokens, meant ${step.tokens}`);
  if (step.attention) {
    for (const kept of result.attention ?? []) {
      const { run } = result;
      await engine.request('overview', { run, set: kept.set });
      const layer = await engine.request('layer', { run, set: kept.set, layer: kept.layers - 1 });
      if (layer.length !== kept.heads * kept.queries * kept.keys) throw new Error(`inspect ${index}: a layer of ${layer.length} weights`);
    }
    if (!result.attention?.length) throw new Error(`inspect ${index}: no attention set came back`);
  }
  // The masked LM's top-k at every position, as the hover asks for it.
  if (step.model === 'masked' && index % 10 === 1) await engine.request('unmasked', { run: result.run, topK: TOP_K });
  return [settled.length - cancelled, cancelled];
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  if (options.inspects < options.warmup + (2 * LEVEL_WINDOW - 1) * options.sampleEvery) {
    throw new Error(
      `a soak of ${options.inspects} inspects is too short for a warm-up of ${options.warmup} and two levels of ${LEVEL_WINDOW} ` +
        `samples ${options.sampleEvery} apart`,
    );
  }
  const setups = await setUpModels(options.modelsDir);
  const plan = soakPlan(options.inspects, { masked: setups.masked, causal: setups.causal });
  const engine = new InferenceEngine({ workerPath: options.workerPath, environment: detectProviderEnvironment() });
  const samples: SoakSample[] = [];
  const started = performance.now();
  let loaded: SoakModel | undefined;
  const sample = async (inspects: number) => {
    // The same state at every sample, whatever the plan ran last (see RSS_TOLERANCE).
    await engine.load(setups.causal.request);
    loaded = 'causal';
    const text = textOfLength(setups.causal.tokenizer, setups.causal.max);
    await engine.request('inspect', { run: engine.nextRunId(), text, options: { attention: true, topK: TOP_K } });
    options.collectGarbage();
    const health = await engine.request('health', { settle: true });
    const taken: SoakSample = { ...health, inspects, elapsedMs: performance.now() - started };
    samples.push(taken);
    options.onSample?.(taken);
    return taken;
  };
  let completed = 0;
  let cancelled = 0;
  try {
    for (const [i, step] of plan.entries()) {
      if (loaded !== step.model) {
        await engine.load(setups[step.model].request);
        loaded = step.model;
      }
      const [done, dropped] = await runStep(engine, step, setups[step.model], i);
      completed += done;
      cancelled += dropped;
      const inspects = i + 1;
      if (inspects >= options.warmup && ((inspects - options.warmup) % options.sampleEvery === 0 || inspects === plan.length))
        await sample(inspects);
    }
  } finally {
    await engine.dispose();
  }
  return { samples, reference: level(samples.slice(0, LEVEL_WINDOW)), final: level(samples.slice(-LEVEL_WINDOW)), completed, cancelled };
}

/** The JavaScript memory a sample holds: V8's heap in use and its array buffers. */
export function heldBytes(sample: WorkerHealth): number {
  return sample.heapUsedBytes + sample.arrayBuffersBytes;
}

/** A window's level: its last sample, with the lowest RSS and the lowest held memory of the window. */
function level(window: SoakSample[]): SoakSample {
  const lowest = (measure: (s: SoakSample) => number) => window.reduce((low, s) => (measure(s) < measure(low) ? s : low));
  const { heapUsedBytes, arrayBuffersBytes } = lowest(heldBytes);
  return { ...window.at(-1)!, rssBytes: lowest((s) => s.rssBytes).rssBytes, heapUsedBytes, arrayBuffersBytes };
}

/** What went wrong in a soak run (empty when nothing did): memory growth past the bounds, sessions or maps left. */
export function judgeSoak(report: Pick<SoakReport, 'reference' | 'final'>): string[] {
  const { reference, final } = report;
  const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  const failures: string[] = [];
  const held = heldBytes(final) - heldBytes(reference);
  if (held > HELD_GROWTH_BYTES) {
    failures.push(
      `held memory (heap and array buffers) grew from ${mb(heldBytes(reference))} after ${reference.inspects} inspects to ` +
        `${mb(heldBytes(final))} after ${final.inspects} (+${mb(held)}, the bound is ${mb(HELD_GROWTH_BYTES)})`,
    );
  }
  const growth = final.rssBytes / reference.rssBytes - 1;
  if (growth > RSS_TOLERANCE) {
    failures.push(
      `resident memory grew from ${mb(reference.rssBytes)} after ${reference.inspects} inspects to ${mb(final.rssBytes)} ` +
        `after ${final.inspects} (+${(growth * 100).toFixed(1)} %, the bound is ${RSS_TOLERANCE * 100} %)`,
    );
  }
  if (final.openSessions !== 1) failures.push(`${final.openSessions} inference sessions are open with one model loaded`);
  if (final.keptRuns > MAX_RUNS_WITH_MAPS) {
    failures.push(`${final.keptRuns} runs' attention maps are kept; at most ${MAX_RUNS_WITH_MAPS} may be`);
  }
  return failures;
}
