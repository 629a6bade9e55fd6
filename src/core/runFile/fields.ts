// Reading one field of an untrusted run file: each reader returns the value, or adds one problem at that path and
// returns undefined (or the default, for optional fields). Pure.
import type { PredictionView, TokenListName, TokenView } from '../../protocol/shapes';
import { RUN_FILE_LIMITS, type Problems } from './problems';

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A short description of a wrong value for a message: its JSON type, never its (possibly huge) content. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? `the number ${v}` : 'a fraction';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export function count(p: Problems, path: string, v: unknown, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (!isCount(v)) return void p.add(path, `must be a whole number ≥ 0, not ${kindOf(v)}`);
  if (v > max) return void p.add(path, `must be at most ${max}, not ${v}`);
  return v;
}

export function str(p: Problems, path: string, v: unknown, max: number = RUN_FILE_LIMITS.shortChars): string | undefined {
  if (typeof v !== 'string') return void p.add(path, `must be a string, not ${kindOf(v)}`);
  if (v.length > max) return void p.add(path, `is ${v.length} characters long; at most ${max} are read`);
  return v;
}

export function bool(p: Problems, path: string, v: unknown): boolean | undefined {
  if (typeof v !== 'boolean') return void p.add(path, `must be true or false, not ${kindOf(v)}`);
  return v;
}

export function num(p: Problems, path: string, v: unknown): number | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) return void p.add(path, `must be a finite number, not ${kindOf(v)}`);
  return v;
}

export function probability(p: Problems, path: string, v: unknown): number | undefined {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) return void p.add(path, `must be a probability in [0, 1], not ${kindOf(v)}`);
  return v;
}

/** An array of at most `max` items, or one problem. */
export function list(p: Problems, path: string, v: unknown, max: number, min = 0): unknown[] | undefined {
  if (!Array.isArray(v)) return void p.add(path, `must be an array, not ${kindOf(v)}`);
  if (v.length > max) return void p.add(path, `has ${v.length} entries; at most ${max} are read`);
  if (v.length < min) return void p.add(path, `must have at least ${min} entr${min === 1 ? 'y' : 'ies'}`);
  return v as unknown[];
}

export function object(p: Problems, path: string, v: unknown): Record<string, unknown> | undefined {
  if (!isRecord(v)) return void p.add(path, `must be an object, not ${kindOf(v)}`);
  return v;
}

/** An optional field: undefined (or null) is absent; anything else goes to `read`. */
export function optional<T>(v: unknown, read: (v: unknown) => T | undefined): T | undefined {
  return v === undefined || v === null ? undefined : read(v);
}

export function listName(p: Problems, path: string, v: unknown): TokenListName | undefined {
  if (v !== 'input' && v !== 'target') return void p.add(path, `must be "input" or "target", not ${kindOf(v)}`);
  return v;
}

/** One token: id and piece required; the span must lie in the text it indexes. */
function token(p: Problems, path: string, v: unknown, index: number, textLength: number): TokenView | undefined {
  const t = object(p, path, v);
  if (!t) return undefined;
  const before = p.count;
  if (t.index !== undefined && t.index !== index) p.add(`${path}.index`, `is ${kindOf(t.index)}, but the token is at position ${index}`);
  const id = count(p, `${path}.id`, t.id);
  const piece = str(p, `${path}.piece`, t.piece);
  const display = optional(t.display, (d) => str(p, `${path}.display`, d)) ?? piece;
  const start = optional(t.start, (s) => count(p, `${path}.start`, s, textLength)) ?? 0;
  const end = optional(t.end, (e) => count(p, `${path}.end`, e, textLength)) ?? start;
  if (end < start) p.add(`${path}.end`, `is ${end}, before start ${start}`);
  const flag = (name: string) => optional(t[name], (f) => bool(p, `${path}.${name}`, f)) ?? false;
  const [special, continuation, partialChar] = [flag('special'), flag('continuation'), flag('partialChar')];
  if (p.count > before || id === undefined || piece === undefined || display === undefined) return undefined;
  return { index, id, piece, display, start, end, special, continuation, partialChar };
}

/** A token list of 1 to RUN_FILE_LIMITS.tokens tokens whose spans index a text of `textLength` characters. */
export function tokens(p: Problems, path: string, v: unknown, textLength: number): TokenView[] | undefined {
  const items = list(p, path, v, RUN_FILE_LIMITS.tokens, 1);
  if (!items) return undefined;
  const read = items.map((t, i) => token(p, `${path}[${i}]`, t, i, textLength));
  return read.every((t) => t !== undefined) ? read : undefined;
}

function prediction(p: Problems, path: string, v: unknown): PredictionView | undefined {
  const e = object(p, path, v);
  if (!e) return undefined;
  const id = count(p, `${path}.id`, e.id);
  const text = str(p, `${path}.token`, e.token);
  const probabilityOf = probability(p, `${path}.probability`, e.probability);
  return id === undefined || text === undefined || probabilityOf === undefined
    ? undefined
    : { id, token: text, probability: probabilityOf };
}

/** A top-k list: at most RUN_FILE_LIMITS.top predictions. */
export function topList(p: Problems, path: string, v: unknown): PredictionView[] | undefined {
  const items = list(p, path, v, RUN_FILE_LIMITS.top);
  if (!items) return undefined;
  const read = items.map((e, i) => prediction(p, `${path}[${i}]`, e));
  return read.every((e) => e !== undefined) ? read : undefined;
}
