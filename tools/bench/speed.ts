// Figures 1 and 2: the full inspect against a plain forward pass and against transformers.js, each repeat
// running every contender once in a rotating order, so load changes on the shared machine hit all of them.
// The worker is measured in a second pass, against the plain forward and transformers.js, once the
// in-process core is released: the extension host holds the worker's session, not a second copy of the core.
import type { ModelRunner } from '../../src/core/engine/modelRunner';
import type { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { median, pairedRatio } from './benchMath';
import type { TransformersRun } from './transformersJs';
import { hostRun, type BenchModel, type PlainSession } from './workload';

export interface SpeedContext {
  model: BenchModel;
  runner: ModelRunner;
  plain: PlainSession;
  tjs?: TransformersRun;
  topK: number;
  warmup: number;
  repeats: number;
}

export interface SpeedRow {
  model: string;
  tokens: number;
  repeats: number;
  /** Medians in ms. */
  plainMs: number;
  inspectMs: number;
  inspectNoAttentionMs: number;
  /** The second pass (measureWorkerSpeed): the host's run through the worker, and its own plain forward. */
  workerMs?: number;
  /** The model view's overview, asked for after the result (not part of workerMs). */
  workerOverviewMs?: number;
  workerPlainMs?: number;
  tjsMs?: number;
  /** session.run inside the in-process full inspect (the core's own timing), median ms. */
  inspectRunMs: number;
  /** Medians of paired ratios. */
  inspectOverPlain: number;
  noAttentionOverPlain: number;
  workerOverPlain?: number;
  workerOverTjs?: number;
  inspectOverTjs?: number;
  /** Bytes of attention maps one full inspect returns. */
  attentionBytes: number;
  /** Masked model: the largest difference between inspect's and fill-mask's probabilities for the mask's top-k. */
  fillsMaxDifference?: number;
}

type Contender = 'plain' | 'inspect' | 'noAttention' | 'tjs';

/**
 * Runs every contender once per round, in an order that rotates each round; returns each contender's times of
 * the rounds after the warm-up. `before` runs untimed before a contender's runs. No garbage collection is forced
 * between in-process runs: a full collection before each run frees the previous outputs, glibc hands that memory
 * back to the system, and every run then writes its outputs into new pages (36,800 page faults per 512-token
 * BERT inspect, every time, and 260-490 ms more than without the collection, measured). Left to itself, V8 frees
 * the previous run's buffers while the next run allocates, and the allocator reuses them (0.2k-37k faults).
 */
export async function interleave<K extends string>(
  calls: Record<K, () => Promise<void>>,
  contenders: readonly K[],
  rounds: { warmup: number; repeats: number; before?: Partial<Record<K, () => void>> },
): Promise<Record<K, number[]>> {
  const times = Object.fromEntries(contenders.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < rounds.warmup + rounds.repeats; r++) {
    for (let i = 0; i < contenders.length; i++) {
      const name = contenders[(i + r) % contenders.length];
      rounds.before?.[name]?.();
      const started = performance.now();
      await calls[name]();
      if (r >= rounds.warmup) times[name].push(performance.now() - started);
    }
  }
  return times;
}

export async function measureSpeed(ctx: SpeedContext, text: string, ids: number[]): Promise<SpeedRow> {
  const feeds = ctx.plain.feeds(ids);
  const options = { attention: true, topK: ctx.topK };
  const runs: number[] = [];
  let attentionBytes = 0;
  const calls: Record<Contender, () => Promise<void>> = {
    plain: async () => {
      await ctx.plain.forward(feeds);
    },
    inspect: async () => {
      const result = await ctx.runner.inspect(text, options);
      if (result.tokens.length !== ids.length) throw new Error(`inspect ran ${result.tokens.length} tokens, expected ${ids.length}`);
      runs.push(result.timings.runMs);
      attentionBytes = (result.attention ?? []).reduce((sum, set) => sum + set.keptBytes, 0);
    },
    noAttention: async () => {
      await ctx.runner.inspect(text, { ...options, attention: false });
    },
    tjs: async () => {
      await ctx.tjs!.run(text);
    },
  };
  const contenders: Contender[] = ['plain', 'inspect', 'noAttention'];
  if (ctx.tjs) contenders.push('tjs');
  const times = await interleave(calls, contenders, ctx);
  const row: SpeedRow = {
    model: ctx.model.label,
    tokens: ids.length,
    repeats: ctx.repeats,
    plainMs: median(times.plain),
    inspectMs: median(times.inspect),
    inspectNoAttentionMs: median(times.noAttention),
    inspectRunMs: median(runs.slice(ctx.warmup)),
    inspectOverPlain: pairedRatio(times.inspect, times.plain),
    noAttentionOverPlain: pairedRatio(times.noAttention, times.plain),
    attentionBytes,
  };
  if (ctx.tjs) {
    row.tjsMs = median(times.tjs);
    row.inspectOverTjs = pairedRatio(times.inspect, times.tjs);
    if (ctx.tjs.fills) row.fillsMaxDifference = await compareFills(ctx, ctx.tjs.fills, text);
  }
  return row;
}

/**
 * Two tools timed against each other must compute the same thing: inspect's fills for the mask token and
 * fill-mask's are the same ids in the same order, and this returns how far their probabilities differ.
 */
async function compareFills(ctx: SpeedContext, fills: NonNullable<TransformersRun['fills']>, text: string): Promise<number> {
  const result = await ctx.runner.inspect(text, { attention: false, topK: ctx.topK });
  const ours = result.predictions.task === 'fill-mask' ? (result.predictions.ranked[0]?.top ?? []) : [];
  const theirs = await fills(text);
  const ids = (list: { id: number }[]) => list.map((p) => p.id).join(' ');
  if (ours.length === 0 || ids(ours) !== ids(theirs))
    throw new Error(`inspect's fills (${ids(ours)}) are not fill-mask's (${ids(theirs)})`);
  return Math.max(...ours.map((p, i) => Math.abs(p.probability - theirs[i].probability)));
}

/** The second pass: the host's run through the worker against the plain forward and transformers.js, into `row`. */
export async function measureWorkerSpeed(
  ctx: {
    engine: InferenceEngine;
    plain: PlainSession;
    tjs?: TransformersRun;
    topK: number;
    warmup: number;
    repeats: number;
    collectGarbage: () => void;
  },
  row: SpeedRow,
  text: string,
  ids: number[],
): Promise<void> {
  const feeds = ctx.plain.feeds(ids);
  const overview: number[] = [];
  const calls = {
    plain: async () => {
      await ctx.plain.forward(feeds);
    },
    tjs: async () => {
      await ctx.tjs!.run(text);
    },
    worker: async () => {
      const result = await hostRun(ctx.engine, text, ctx.topK);
      if (!result.attention || result.tokens.length !== ids.length) throw new Error('the worker returned no attention');
      // The model view's overview, which the host asks for once the result is shown: timed on its own, after.
      const asked = performance.now();
      for (const set of result.attention) await ctx.engine.request('overview', { run: result.run, set: set.set });
      overview.push(performance.now() - asked);
    },
  };
  const contenders: (keyof typeof calls)[] = ctx.tjs ? ['plain', 'worker', 'tjs'] : ['plain', 'worker'];
  // The host thread starts a host run without the other contenders' garbage (their logits, up to 206 MB a run),
  // which the extension host never holds, so that collecting it does not share the two cores with the worker's
  // run. The worker's own isolate is never forced, as in the extension host.
  const times = await interleave(calls, contenders, { ...ctx, before: { worker: ctx.collectGarbage } });
  // Here the worker's time holds its overview too: take that out of each round.
  const kept = overview.slice(ctx.warmup);
  const worker = times.worker.map((ms, i) => ms - kept[i]);
  row.workerMs = median(worker);
  row.workerOverviewMs = median(kept);
  row.workerPlainMs = median(times.plain);
  row.workerOverPlain = pairedRatio(worker, times.plain);
  if (ctx.tjs) row.workerOverTjs = pairedRatio(worker, times.tjs);
}
