// Reads an untrusted run file (schema/attention-lens-run.schema.json) into what the inspector's views draw: a
// RunSummary and every attention set's maps. Either the whole run, or every problem found (up to MAX_PROBLEMS),
// each with its path in the file. Files of formats /1 and /2 (earlier exports) are read for their tokens and
// `attention`. Pure: the host (Open Run File), the CLI (validate) and the notebook renderer share it.
import type { AttentionSetView, PredictionTask, PredictionView, RunPredictionsView, RunSummary, TokenView } from '../../protocol/shapes';
import type { AttentionMaps } from '../types';
import { MAX_FILE_WEIGHTS, readMaps } from './attentionMaps';
import { bool, count, kindOf, list, listName, num, object, optional, str, tokens, topList } from './fields';
import { Problems, RUN_FILE_LIMITS, type RunFileProblem } from './problems';
import { readModel, readPair, readTruncation } from './runFacts';

export const RUN_FILE_FORMAT = 'attention-lens-run/3';
const READ_FORMATS = [RUN_FILE_FORMAT, 'attention-lens-run/2', 'attention-lens-run/1'];
/** The MIME type of a run in a notebook output (the notebook renderer's). */
export const RUN_FILE_MIME = 'application/vnd.attention-lens.run+json';
const LAYOUT = 'perLayer[layer][head][query][key]';
const SET_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** A run read from a file: the summary the views draw (runId 0: the reader gives it one) and each set's maps. */
export interface RunFileContents {
  summary: RunSummary;
  /** One per summary.attentionSets entry, in that order. */
  maps: AttentionMaps[];
  /** A masked LM's top-k at every input position, when the file has them. */
  unmasked?: PredictionView[][];
}

export type RunFileReading = { ok: true; run: RunFileContents } | { ok: false; problems: RunFileProblem[]; unlisted: number };

/** A file's text: JSON syntax errors are a problem like any other. */
export function parseRunFile(text: string, name?: string): RunFileReading {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [{ path: '$', message: `is not JSON: ${(error as Error).message}` }], unlisted: 0 };
  }
  return readRunFile(raw, name);
}

interface SetEntry {
  view: AttentionSetView;
  /** The maps' JSON value, and its path. */
  maps: unknown;
  mapsPath: string;
}

/** The token lists by name, for sets and predictions that name one. */
type Lists = { input: TokenView[]; target?: TokenView[] };

function readSet(p: Problems, path: string, v: unknown, lists: Lists, single: Record<string, unknown> | undefined): SetEntry | undefined {
  const s = object(p, path, v);
  if (!s) return undefined;
  const before = p.count;
  const name = str(p, `${path}.name`, s.name);
  if (name !== undefined && !SET_NAME.test(name))
    p.add(`${path}.name`, 'must be a lower-case name: a–z first, then a–z, 0–9, _ or -, at most 32');
  const label = optional(s.label, (l) => str(p, `${path}.label`, l)) ?? (name === 'self' ? 'Self-attention' : name);
  const queries = optional(s.queries, (l) => listName(p, `${path}.queries`, l)) ?? 'input';
  const keys = optional(s.keys, (l) => listName(p, `${path}.keys`, l)) ?? 'input';
  for (const [field, list] of [
    ['queries', queries],
    ['keys', keys],
  ] as const) {
    if (!lists[list]) p.add(`${path}.${field}`, `names the ${list} tokens, which the file does not have`);
  }
  const layers = count(p, `${path}.layers`, s.layers, RUN_FILE_LIMITS.layers);
  const heads = count(p, `${path}.heads`, s.heads, RUN_FILE_LIMITS.heads);
  const causal = optional(s.causal, (c) => bool(p, `${path}.causal`, c)) ?? false;
  if (s.layout !== undefined && s.layout !== LAYOUT) p.add(`${path}.layout`, `must be "${LAYOUT}"`);
  let maps: unknown = s.perLayer;
  let mapsPath = `${path}.perLayer`;
  if (maps === undefined) {
    if (s.perLayerIn !== 'attention.perLayer' || !single) {
      p.add(path, 'has no maps: perLayer, or perLayerIn "attention.perLayer" with the maps there');
    } else {
      maps = single.perLayer;
      mapsPath = '$.attention.perLayer';
    }
  }
  if (p.count > before || name === undefined || label === undefined || layers === undefined || heads === undefined) return undefined;
  if (layers === 0 || heads === 0) return void p.add(path, 'must have at least one layer and one head');
  return { view: { name, label, queries, keys, layers, heads, causal }, maps, mapsPath };
}

/** The sets a file declares: its attentionSets, or (formats /1, /2, and files written by hand) one set in `attention`. */
function readSets(p: Problems, raw: Record<string, unknown>, lists: Lists, causalDefault: boolean): SetEntry[] {
  const attention = optional(raw.attention, (a) => object(p, '$.attention', a));
  const single = attention && attention.unavailable === undefined ? attention : undefined;
  if (attention?.unavailable !== undefined) str(p, '$.attention.unavailable', attention.unavailable);
  if (raw.attentionSets !== undefined) {
    const entries = list(p, '$.attentionSets', raw.attentionSets, RUN_FILE_LIMITS.sets) ?? [];
    const sets = entries.map((s, i) => readSet(p, `$.attentionSets[${i}]`, s, lists, single));
    const names = sets.map((s) => s?.view.name);
    names.forEach((n, i) => n !== undefined && names.indexOf(n) < i && p.add(`$.attentionSets[${i}].name`, `repeats the set name "${n}"`));
    return sets.filter((s) => s !== undefined);
  }
  if (!single) return [];
  const causal = optional(single.causal, (c) => bool(p, '$.attention.causal', c)) ?? causalDefault;
  const set = { name: 'self', layers: single.layers, heads: single.heads, causal, perLayerIn: 'attention.perLayer' };
  const entry = readSet(p, '$.attention', set, lists, single);
  return entry ? [entry] : [];
}

function readPredictions(p: Problems, v: unknown, lists: Lists): RunPredictionsView | undefined {
  const r = object(p, '$.predictions', v);
  if (!r) return undefined;
  const task = r.task;
  if (task !== 'fill-mask' && task !== 'next-token')
    return void p.add('$.predictions.task', `must be "fill-mask" or "next-token", not ${kindOf(task)}`);
  const listOf = optional(r.list, (l) => listName(p, '$.predictions.list', l)) ?? 'input';
  const indexed = lists[listOf];
  if (!indexed) return void p.add('$.predictions.list', `names the ${listOf} tokens, which the file does not have`);
  const entries = list(p, '$.predictions.ranked', r.ranked, indexed.length) ?? [];
  const ranked = entries.map((e, i) => {
    const at = `$.predictions.ranked[${i}]`;
    const o = object(p, at, e);
    const position = o && count(p, `${at}.position`, o.position, indexed.length - 1);
    const top = o && topList(p, `${at}.top`, o.top);
    return position === undefined || top === undefined ? undefined : { position, top };
  });
  const actual = optional(r.actual, (a) => {
    const values = list(p, '$.predictions.actual', a, indexed.length);
    if (values && values.length !== indexed.length)
      p.add('$.predictions.actual', `has ${values.length} entries; the list has ${indexed.length} tokens`);
    return values?.map((x, i) => (x === null ? null : num(p, `$.predictions.actual[${i}]`, x)));
  });
  if (!ranked.every((e) => e !== undefined) || actual?.some((x) => x === undefined)) return undefined;
  return { task, ...(r.list !== undefined ? { list: listOf } : {}), ranked, ...(actual ? { actual: actual as (number | null)[] } : {}) };
}

function readUnmasked(p: Problems, v: unknown, input: TokenView[]): PredictionView[][] | undefined {
  const rows = list(p, '$.unmaskedAtPosition', v, input.length);
  if (!rows) return undefined;
  if (rows.length !== input.length) return void p.add('$.unmaskedAtPosition', `has ${rows.length} lists; there are ${input.length} tokens`);
  const read = rows.map((r, i) => topList(p, `$.unmaskedAtPosition[${i}]`, r));
  return read.every((r) => r !== undefined) ? read : undefined;
}

/** Checks and reads a parsed run file; `name` is what the views call it (its file name). */
export function readRunFile(raw: unknown, name = 'a run file'): RunFileReading {
  const p = new Problems();
  const run = object(p, '$', raw) && readContents(p, raw as Record<string, unknown>, name);
  return run && p.count === 0 ? { ok: true, run } : { ok: false, problems: p.list, unlisted: p.unlisted };
}

function readContents(p: Problems, raw: Record<string, unknown>, name: string): RunFileContents | undefined {
  if (typeof raw.format !== 'string' || !READ_FORMATS.includes(raw.format)) {
    const known = READ_FORMATS.map((f) => `"${f}"`).join(', ');
    return void p.add(
      '$.format',
      `must be one of ${known}, not ${typeof raw.format === 'string' ? JSON.stringify(raw.format.slice(0, 40)) : kindOf(raw.format)}`,
    );
  }
  const text = optional(raw.text, (t) => str(p, '$.text', t, RUN_FILE_LIMITS.textChars)) ?? '';
  const input = tokens(p, '$.tokens', raw.tokens, text.length);
  const targetRaw = optional(raw.target, (t) => object(p, '$.target', t));
  const targetText = targetRaw && (str(p, '$.target.text', targetRaw.text, RUN_FILE_LIMITS.textChars) ?? '');
  const target = targetRaw && {
    tokens: tokens(p, '$.target.tokens', targetRaw.tokens, targetText?.length ?? 0),
    text: targetText ?? '',
    generated: optional(targetRaw.generated, (g) => bool(p, '$.target.generated', g)) ?? false,
  };
  const model = readModel(p, raw.model, raw.format);
  // Sets and predictions index the token lists: without them they cannot be checked.
  if (!input) return undefined;
  const lists: Lists = { input, target: target?.tokens };
  const predictions = optional(raw.predictions, (v) => readPredictions(p, v, lists));
  // Files without predictions or model facts: a causal set says the model reads left to right.
  const sets = readSets(p, raw, lists, model?.task === 'next-token');
  let weights = 0;
  const maps = sets.map(({ view, maps, mapsPath }) => {
    const queries = lists[view.queries]?.length ?? 0;
    const keys = lists[view.keys]?.length ?? 0;
    weights += view.layers * view.heads * queries * keys;
    if (weights > MAX_FILE_WEIGHTS)
      return void p.add(mapsPath, `brings the file's attention weights past ${MAX_FILE_WEIGHTS.toLocaleString('en')}`);
    const causal = view.causal && view.queries === view.keys;
    const perLayer = readMaps(p, mapsPath, maps, { layers: view.layers, heads: view.heads, queries, keys, causal });
    return perLayer && { set: view.name, layers: view.layers, heads: view.heads, queries, keys, causal: view.causal, perLayer };
  });
  const unmasked = optional(raw.unmaskedAtPosition, (v) => readUnmasked(p, v, input));
  const pair = optional(raw.pair, (v) => readPair(p, v, input.length));
  const truncation = optional(raw.truncation, (v) => readTruncation(p, v));
  optional(
    raw.maskedAtPosition,
    (v) =>
      object(p, '$.maskedAtPosition', v) && Object.entries(v as object).forEach(([k, top]) => topList(p, `$.maskedAtPosition.${k}`, top)),
  );
  if (p.count > 0 || !model) return undefined;
  const attentionSets = sets.map((s) => s.view);
  const first = attentionSets[0];
  const task: PredictionTask = predictions?.task ?? model.task ?? (first?.causal ? 'next-token' : 'fill-mask');
  const attention = raw.attention as { unavailable?: unknown } | undefined;
  const summary: RunSummary = {
    runId: 0,
    fromFile: name,
    text,
    model: {
      ...model,
      id: model.id ?? 'unnamed model',
      source: model.source ?? 'local',
      family: model.family ?? 'unknown',
      familyLabel: model.familyLabel ?? (task === 'next-token' ? 'causal LM' : 'masked LM'),
      task,
      architecture: model.architecture ?? 'unknown architecture',
      tokenizerKind: model.tokenizerKind ?? 'unknown',
      layers: model.layers ?? first?.layers ?? 0,
      heads: model.heads ?? first?.heads ?? 0,
      maxPositions: model.maxPositions ?? input.length,
      vocabSize: model.vocabSize ?? 0,
    },
    device: { provider: 'file', label: 'run file' },
    tokens: input,
    ...(target?.tokens ? { target: { tokens: target.tokens, text: target.text, generated: target.generated } } : {}),
    ...(pair ? { pair } : {}),
    ...(truncation ? { truncation } : {}),
    predictions: predictions ?? { task, ranked: [] },
    // A file answers only from what it holds: no position can be masked anew, no logits computed.
    capabilities: { maskPosition: false, unmasked: unmasked !== undefined, logits: false },
    attentionUnavailable:
      sets.length > 0 ? null : typeof attention?.unavailable === 'string' ? attention.unavailable : 'the run file has no attention maps',
    attentionSets,
    timings: { tokenizeMs: 0, runMs: 0, totalMs: 0 },
  };
  return { summary, maps: maps as AttentionMaps[], ...(unmasked ? { unmasked } : {}) };
}
