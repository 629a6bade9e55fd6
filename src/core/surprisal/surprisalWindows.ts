// How a whole file is cut into windows for a surprisal scan (no model here; surprisalScan.ts runs them).
// Window k covers tokens [k·stride, k·stride + window) and scores only its last `stride` tokens, so every token is
// scored once, with at least `window − stride` tokens of left context, except in the first window, which scores
// all of its tokens but the first (near the start of the file there is less context to give).
import { LensError } from '../types';

/** One window: the tokens it runs, [start, end), and the ones it scores, [scoreFrom, end). */
export interface ScanWindow {
  start: number;
  scoreFrom: number;
  end: number;
}

/** The window and stride a scan uses, in tokens; `context` = window − stride, the least left context a token gets. */
export interface WindowShape {
  window: number;
  stride: number;
  context: number;
}

/**
 * The shape for a model taking `maxPositions` tokens: `window` defaults to (and may not pass) the model's maximum,
 * `stride` to half the window, so that every token after the first window sees at least half a window before it.
 */
export function windowShape(maxPositions: number, window?: number, stride?: number): WindowShape {
  const w = window ?? maxPositions;
  if (!Number.isSafeInteger(w) || w < 2) throw new LensError(`a surprisal window needs at least 2 tokens, not ${w}`, 'model-invalid');
  if (w > maxPositions) throw new LensError(`the window of ${w} tokens is longer than the model's ${maxPositions}`, 'model-invalid');
  const s = stride ?? Math.max(1, Math.floor(w / 2));
  if (!Number.isSafeInteger(s) || s < 1 || s > w)
    throw new LensError(`the stride must be 1 to ${w} tokens (the window), not ${s}`, 'model-invalid');
  return { window: w, stride: s, context: w - s };
}

/** The windows over `count` tokens: one when they fit, else one more per `stride` tokens past the first window. */
export function planWindows(count: number, shape: WindowShape): ScanWindow[] {
  if (count === 0) return [];
  const windows: ScanWindow[] = [{ start: 0, scoreFrom: 0, end: Math.min(count, shape.window) }];
  for (let start = shape.stride; windows[windows.length - 1].end < count; start += shape.stride) {
    windows.push({ start, scoreFrom: start + shape.context, end: Math.min(count, start + shape.window) });
  }
  return windows;
}

/** The first index where two id lists differ (the shorter one's length when one is a prefix of the other). */
export function firstChangedToken(before: readonly number[], after: readonly number[]): number {
  const n = Math.min(before.length, after.length);
  for (let i = 0; i < n; i++) if (before[i] !== after[i]) return i;
  return n;
}

/**
 * The first window an edit at token `changed` makes stale: the one scoring that token. Tokens scored before it
 * keep their values (a causal model's score at a token depends only on the tokens before it in its window, and a
 * window's start depends only on the stride); every later window runs again, since token indices after the edit
 * may have moved. `windows.length` when nothing scored changed.
 */
export function firstStaleWindow(windows: readonly ScanWindow[], changed: number): number {
  const k = windows.findIndex((w) => w.end > changed);
  return k < 0 ? windows.length : k;
}

/**
 * How many leading tokens of a pass over `after.window` could take their past keys/values from a pass over
 * `before.window` (a graph with past_key_values inputs would be fed them and run only the rest). A token's keys
 * and values depend on every token before it in its pass and on its position, counted from the pass's start: so
 * only a pass that started at the same token, over the same ids up to there, computed them. Windows of one scan
 * never share a start (each is `stride` after the last), so between them this is 0 and a scan feeds an empty past
 * (recomputes from each window's start). It is more only for one window run again after an edit, up to the first
 * changed token; using that would mean keeping each window's past (2 × layers × window × width floats, 2 MB a
 * window for lens-gpt2-mini), to save part of one window's pass: the scan keeps none.
 */
export function reusablePast(
  before: { window: ScanWindow; ids: readonly number[] },
  after: { window: ScanWindow; ids: readonly number[] },
): number {
  if (before.window.start !== after.window.start) return 0;
  const { start } = after.window;
  const end = Math.min(before.window.end, after.window.end);
  let i = start;
  while (i < end && before.ids[i] === after.ids[i]) i++;
  return i - start;
}
