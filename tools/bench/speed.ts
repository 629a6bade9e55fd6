// Figures 1 and 2: the full inspect against a plain forward pass and against transformers.js, each repeat
// running every contender once in a rotating order, so load changes on the shared machine hit all of them.
// The worker is measured in a second pass, against the plain forward alone, once the in-process and
// transformers.js sessions are released: the extension host holds only the worker's session, and the
// other sessions' threads and memory in one process slowed the worker by 0.1-0.15x of a forward pass.
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
  collectGarbage: () => void;
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
  inspectOverTjs?: number;
  /** Bytes of attention maps one full inspect returns. */
  attentionBytes: number;
}

type Contender = 'plain' | 'inspect' | 'noAttention' | 'tjs';

export async function measureSpeed(ctx: SpeedContext, text: string, ids: number[]): Promise<SpeedRow> {
  const feeds = ctx.plain.feeds(ids);
  const options = { attention: true, topK: ctx.topK };
  let runMs = 0;
  let attentionBytes = 0;
  const calls: Record<Contender, () => Promise<void>> = {
    plain: async () => {
      await ctx.plain.forward(feeds);
    },
    inspect: async () => {
      const result = await ctx.runner.inspect(text, options);
      if (result.tokens.length !== ids.length) throw new Error(`inspect ran ${result.tokens.length} tokens, expected ${ids.length}`);
      runMs = result.timings.runMs;
      attentionBytes = (result.attention?.perLayer ?? []).reduce((sum, layer) => sum + layer.byteLength, 0);
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
  const times: Record<Contender, number[]> = { plain: [], inspect: [], noAttention: [], tjs: [] };
  const runs: number[] = [];
  for (let r = 0; r < ctx.warmup + ctx.repeats; r++) {
    const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]);
    for (const name of order) {
      ctx.collectGarbage();
      const started = performance.now();
      await calls[name]();
      const elapsed = performance.now() - started;
      if (r >= ctx.warmup) {
        times[name].push(elapsed);
        if (name === 'inspect') runs.push(runMs);
      }
    }
  }
  const row: SpeedRow = {
    model: ctx.model.label,
    tokens: ids.length,
    repeats: ctx.repeats,
    plainMs: median(times.plain),
    inspectMs: median(times.inspect),
    inspectNoAttentionMs: median(times.noAttention),
    inspectRunMs: median(runs),
    inspectOverPlain: pairedRatio(times.inspect, times.plain),
    noAttentionOverPlain: pairedRatio(times.noAttention, times.plain),
    attentionBytes,
  };
  if (ctx.tjs) {
    row.tjsMs = median(times.tjs);
    row.inspectOverTjs = pairedRatio(times.inspect, times.tjs);
  }
  return row;
}

/** The second pass: the host's run through the worker against the plain forward, alternating, into `row`. */
export async function measureWorkerSpeed(
  ctx: { engine: InferenceEngine; plain: PlainSession; topK: number; warmup: number; repeats: number; collectGarbage: () => void },
  row: SpeedRow,
  text: string,
  ids: number[],
): Promise<void> {
  const feeds = ctx.plain.feeds(ids);
  const worker: number[] = [];
  const plain: number[] = [];
  const overview: number[] = [];
  for (let r = 0; r < ctx.warmup + ctx.repeats; r++) {
    for (const which of r % 2 === 0 ? ['plain', 'worker'] : ['worker', 'plain']) {
      ctx.collectGarbage();
      const started = performance.now();
      if (which === 'plain') {
        await ctx.plain.forward(feeds);
        if (r >= ctx.warmup) plain.push(performance.now() - started);
      } else {
        const result = await hostRun(ctx.engine, text, ctx.topK);
        if (!result.attention || result.tokens.length !== ids.length) throw new Error('the worker returned no attention');
        if (r >= ctx.warmup) worker.push(performance.now() - started);
        // The model view's overview, which the host asks for once the result is shown: timed on its own.
        const asked = performance.now();
        await ctx.engine.attentionOverview(result.attention.run);
        if (r >= ctx.warmup) overview.push(performance.now() - asked);
      }
    }
  }
  row.workerMs = median(worker);
  row.workerOverviewMs = median(overview);
  row.workerPlainMs = median(plain);
  row.workerOverPlain = pairedRatio(worker, plain);
}
