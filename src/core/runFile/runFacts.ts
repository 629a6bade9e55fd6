// A run file's facts besides tokens, maps and predictions: the model, a sentence pair, the truncation. Each is
// optional; a present one must be well formed. Pure.
import type { PairView, PredictionTask, RunSummary } from '../../protocol/shapes';
import { bool, count, kindOf, list, num, object, optional, str } from './fields';
import { RUN_FILE_LIMITS, type Problems } from './problems';

type ModelFacts = Partial<RunSummary['model']>;
const SOURCES = ['embedded', 'local', 'hub'] as const;
/** Formats /1 and /2 named the task by `model.kind`. */
const KIND_TASKS: Record<string, PredictionTask> = { masked: 'fill-mask', causal: 'next-token' };

/** The model's facts ({} when the file has none); undefined when one of them is wrong. */
export function readModel(p: Problems, v: unknown, format: string): ModelFacts | undefined {
  if (v === undefined || v === null) return {};
  const m = object(p, '$.model', v);
  if (!m) return undefined;
  const before = p.count;
  const text = (name: string) => optional(m[name], (x) => str(p, `$.model.${name}`, x));
  const whole = (name: string, max?: number) => optional(m[name], (x) => count(p, `$.model.${name}`, x, max));
  let task = optional(m.task, (t): PredictionTask | undefined =>
    t === 'fill-mask' || t === 'next-token' ? t : void p.add('$.model.task', `must be "fill-mask" or "next-token", not ${kindOf(t)}`),
  );
  if (task === undefined && format !== 'attention-lens-run/3' && typeof m.kind === 'string') task = KIND_TASKS[m.kind];
  const source = SOURCES.find((s) => s === m.source);
  const facts: ModelFacts = {
    id: text('id'),
    ...(source ? { source } : {}),
    family: text('family'),
    familyLabel: text('familyLabel'),
    task,
    architecture: text('architecture'),
    tokenizerKind: text('tokenizerKind'),
    layers: whole('layers', RUN_FILE_LIMITS.layers),
    heads: whole('heads', RUN_FILE_LIMITS.heads),
    kvHeads: whole('kvHeads', RUN_FILE_LIMITS.heads),
    headDim: whole('headDim'),
    maxPositions: whole('maxPositions'),
    vocabSize: whole('vocabSize'),
    maskToken: text('maskToken'),
    slidingWindow: optional(m.slidingWindow, (w) => readWindow(p, w)),
    attnSoftcap: optional(m.attnSoftcap, (c) => num(p, '$.model.attnSoftcap', c)),
  };
  if (facts.kvHeads !== undefined && facts.heads !== undefined && (facts.kvHeads === 0 || facts.heads % facts.kvHeads !== 0)) {
    p.add('$.model.kvHeads', `must divide heads (${facts.heads}), not be ${facts.kvHeads}`);
  }
  if (p.count > before) return undefined;
  // Absent facts are left out, so the reader's defaults fill them.
  return Object.fromEntries(Object.entries(facts).filter(([, x]) => x !== undefined));
}

function readWindow(p: Problems, v: unknown): ModelFacts['slidingWindow'] {
  const w = object(p, '$.model.slidingWindow', v);
  if (!w) return undefined;
  const size = count(p, '$.model.slidingWindow.size', w.size);
  const layers = list(p, '$.model.slidingWindow.layers', w.layers, RUN_FILE_LIMITS.layers);
  const read = layers?.map((l, i) => count(p, `$.model.slidingWindow.layers[${i}]`, l, RUN_FILE_LIMITS.layers - 1));
  const around = optional(w.around, (a) => (a === true ? true : void p.add('$.model.slidingWindow.around', 'must be true when present')));
  if (size === undefined || !read || read.some((l) => l === undefined)) return undefined;
  return { size, layers: read as number[], ...(around ? { around } : {}) };
}

/** A sentence pair: sentence B's start and one segment id per input token. */
export function readPair(p: Problems, v: unknown, tokens: number): PairView | undefined {
  const r = object(p, '$.pair', v);
  if (!r) return undefined;
  const sentenceBStart = count(p, '$.pair.sentenceBStart', r.sentenceBStart, tokens);
  const segments = list(p, '$.pair.segments', r.segments, tokens);
  if (segments && segments.length !== tokens) p.add('$.pair.segments', `has ${segments.length} ids; there are ${tokens} tokens`);
  const ids = segments?.map((s, i) => count(p, `$.pair.segments[${i}]`, s));
  const segmentsFed = optional(r.segmentsFed, (f) => bool(p, '$.pair.segmentsFed', f)) ?? true;
  if (sentenceBStart === undefined || !ids || ids.length !== tokens || ids.some((s) => s === undefined)) return undefined;
  return { sentenceBStart, segments: ids as number[], segmentsFed };
}

export function readTruncation(p: Problems, v: unknown): RunSummary['truncation'] {
  const r = object(p, '$.truncation', v);
  if (!r) return undefined;
  const totalTokens = count(p, '$.truncation.totalTokens', r.totalTokens);
  const keptTokens = count(p, '$.truncation.keptTokens', r.keptTokens);
  const keptUntil = optional(r.keptUntil, (k) => count(p, '$.truncation.keptUntil', k)) ?? 0;
  const totalExact = optional(r.totalExact, (e) => bool(p, '$.truncation.totalExact', e)) ?? true;
  const message = str(p, '$.truncation.message', r.message, RUN_FILE_LIMITS.textChars);
  if (totalTokens === undefined || keptTokens === undefined || message === undefined) return undefined;
  return { totalTokens, totalExact, keptTokens, keptUntil, message };
}
