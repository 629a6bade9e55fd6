// Two runs of one model compared: their tokens aligned, and attention, predictions and surprisal set side by side
// where the tokens match. Pure: reads two summaries and their attention layers, computes nothing of the model's.
import {
  tokenList,
  type AttentionLayer,
  type PositionChange,
  type PredictionChange,
  type PredictionView,
  type RunSummary,
  type SurprisalChange,
  type TokenAlignment,
} from '../../protocol';

/**
 * Beyond this many cells (between the common prefix and suffix) the table of the longest common subsequence
 * would take more than 64 MB: the middle is then left unmatched (an edit that rewrites 4,000 tokens of 4,000).
 */
const MAX_LCS_CELLS = 1 << 24;

/**
 * Aligns two token sequences (pieces, as the tokenizer wrote them): a token matches when it is the same piece in
 * the same order in both, by the longest common subsequence (the classic dynamic programme, after trimming the common
 * prefix and suffix, which an edit of one place in a long text leaves almost everything in). Of several equally long
 * alignments, the one that matches tokens as early as possible in the baseline is taken.
 */
export function alignTokens(baseline: readonly string[], current: readonly string[]): TokenAlignment {
  const n = baseline.length;
  const m = current.length;
  let prefix = 0;
  while (prefix < n && prefix < m && baseline[prefix] === current[prefix]) prefix++;
  let suffix = 0;
  while (suffix < n - prefix && suffix < m - prefix && baseline[n - 1 - suffix] === current[m - 1 - suffix]) suffix++;
  const pairs: { baseline: number; current: number }[] = [];
  for (let i = 0; i < prefix; i++) pairs.push({ baseline: i, current: i });
  pairs.push(...middlePairs(baseline.slice(prefix, n - suffix), current.slice(prefix, m - suffix), prefix));
  for (let k = suffix; k > 0; k--) pairs.push({ baseline: n - k, current: m - k });
  const matchedB = new Set(pairs.map((p) => p.baseline));
  const matchedC = new Set(pairs.map((p) => p.current));
  const unmatched = (length: number, matched: Set<number>) => Array.from({ length }, (_, i) => i).filter((i) => !matched.has(i));
  return { pairs, baselineOnly: unmatched(n, matchedB), currentOnly: unmatched(m, matchedC) };
}

/** The LCS pairs of the two middles (indices offset by the common prefix). */
function middlePairs(a: readonly string[], b: readonly string[], offset: number): { baseline: number; current: number }[] {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0 || (n + 1) * (m + 1) > MAX_LCS_CELLS) return [];
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..], so the walk below goes forwards.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  const pairs: { baseline: number; current: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      pairs.push({ baseline: offset + i, current: offset + j });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) i++;
    else j++;
  }
  return pairs;
}

/** The two runs' token lists aligned: the input, and the target where both runs have one (encoder–decoder). */
export function alignRuns(baseline: RunSummary, current: RunSummary): { input: TokenAlignment; target?: TokenAlignment } {
  const pieces = (s: RunSummary, list: 'input' | 'target') => tokenList(s, list).map((t) => t.piece);
  const input = alignTokens(pieces(baseline, 'input'), pieces(current, 'input'));
  if (!baseline.target || !current.target) return { input };
  return { input, target: alignTokens(pieces(baseline, 'target'), pieces(current, 'target')) };
}

/** A run's ranking at each position it ranked. */
function rankings(s: RunSummary): Map<number, PredictionView[]> {
  return new Map(s.predictions.ranked.map((r) => [r.position, r.top]));
}

/** Both top-k lists at one position as one list of tokens, each with its probability and rank in either run. */
export function predictionChanges(baseline: readonly PredictionView[], current: readonly PredictionView[]): PredictionChange[] {
  const byId = new Map<number, PredictionChange>();
  const take = (list: readonly PredictionView[], side: 'baseline' | 'current') =>
    list.forEach((p, i) => {
      const change = byId.get(p.id) ?? { id: p.id, token: p.token };
      change[side] = { probability: p.probability, rank: i + 1 };
      byId.set(p.id, change);
    });
  take(current, 'current');
  take(baseline, 'baseline');
  // Map order: the current run's top-k in rank order, then what only the baseline had, in its rank order.
  return [...byId.values()];
}

/** The rankings at every aligned position both runs ranked (`alignment` is of their prediction lists). */
export function comparePredictions(baseline: RunSummary, current: RunSummary, alignment: TokenAlignment): PositionChange[] {
  const before = rankings(baseline);
  const after = rankings(current);
  return alignment.pairs.flatMap((p) => {
    const b = before.get(p.baseline);
    const c = after.get(p.current);
    return b && c ? [{ baseline: p.baseline, current: p.current, changes: predictionChanges(b, c) }] : [];
  });
}

const bits = (p: number | null | undefined): number | null => (p === null || p === undefined || p <= 0 ? null : -Math.log2(p));

/** Next-token runs: each aligned token's surprisal in both runs (the probability each gave it, given what came before it). */
export function compareSurprisal(baseline: RunSummary, current: RunSummary, alignment: TokenAlignment): SurprisalChange[] | undefined {
  const before = baseline.predictions.actual;
  const after = current.predictions.actual;
  if (baseline.predictions.task !== 'next-token' || current.predictions.task !== 'next-token' || !before || !after) return undefined;
  return alignment.pairs.map((p) => ({
    baseline: p.baseline,
    current: p.current,
    baselineBits: bits(before[p.baseline]),
    currentBits: bits(after[p.current]),
  }));
}

/** The alignment of a run pair's prediction lists (the target of encoder–decoder runs). */
export function predictionAlignment(runs: { input: TokenAlignment; target?: TokenAlignment }, current: RunSummary): TokenAlignment {
  return current.predictions.list === 'target' && runs.target ? runs.target : runs.input;
}

/**
 * One head's map (or the mean of every head: `head` 'mean' of a whole layer or of the host's mean) restricted to the aligned query rows
 * and key columns: rows × cols row-major, in the pairs' order.
 */
export function alignedMap(layer: AttentionLayer, head: number | 'mean', rows: readonly number[], cols: readonly number[]): Float32Array {
  const n = layer.queries * layer.keys;
  if (layer.mean && head !== 'mean') throw new Error(`layer ${layer.layer}'s data is the mean over heads, not head ${head}`);
  // A layer of the mean holds one map: the mean's.
  const heads = layer.mean ? [0] : head === 'mean' ? Array.from({ length: layer.heads }, (_, h) => h) : [head];
  const slots = heads.map((h) => {
    const at = layer.only ? layer.only.indexOf(h) : h;
    if (at < 0 || at * n >= layer.data.length) throw new Error(`head ${h} is not in layer ${layer.layer}'s data`);
    return at * n;
  });
  const out = new Float32Array(rows.length * cols.length);
  const scale = 1 / slots.length;
  rows.forEach((q, r) => {
    cols.forEach((k, c) => {
      let sum = 0;
      for (const base of slots) sum += layer.data[base + q * layer.keys + k];
      out[r * cols.length + c] = sum * scale;
    });
  });
  return out;
}

/** current − baseline, cell by cell. */
export function difference(baseline: Float32Array, current: Float32Array): Float32Array {
  if (baseline.length !== current.length) throw new Error(`maps of ${baseline.length} and ${current.length} cells cannot be subtracted`);
  return current.map((v, i) => v - baseline[i]);
}

/** How much each head changed over the matched tokens: the largest and the mean absolute difference (the JSON export). */
export function changeSize(diff: Float32Array): { maxAbs: number; meanAbs: number } {
  let maxAbs = 0;
  let sum = 0;
  for (const v of diff) {
    const a = Math.abs(v);
    sum += a;
    if (a > maxAbs) maxAbs = a;
  }
  return { maxAbs, meanAbs: diff.length ? sum / diff.length : 0 };
}
