// Two runs compared (src/core/analysis/runDiff.ts, src/session/runComparer.ts): tokens aligned by their longest
// common subsequence, with inserted and deleted tokens; and, through the worker on the tiny models, every compared
// number is exactly what each run computed at the aligned tokens.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { alignedMap, alignTokens, difference, predictionChanges } from '../../src/core/analysis/runDiff';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import type { AttentionComparison, AttentionLayer, RunComparison, TokenAlignment } from '../../src/protocol';
import { RunComparer } from '../../src/session/runComparer';
import { RunEngine } from '../../src/session/runEngine';
import type { RunRecord } from '../../src/session/runState';
import { RunStore } from '../../src/session/runStore';
import { request, workerPath } from './reliability/support';

const pieces = (s: string) => s.split(' ');

/** The length of the longest common subsequence, by plain recursion with a memo (the reference). */
function lcsLength(a: string[], b: string[]): number {
  const memo = new Map<string, number>();
  const go = (i: number, j: number): number => {
    if (i === a.length || j === b.length) return 0;
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const v = a[i] === b[j] ? 1 + go(i + 1, j + 1) : Math.max(go(i + 1, j), go(i, j + 1));
    memo.set(key, v);
    return v;
  };
  return go(0, 0);
}

/** What every alignment must be: increasing on both sides, equal pieces, every token matched or listed as unmatched once. */
function checkAlignment(a: string[], b: string[], al: TokenAlignment): void {
  al.pairs.forEach((p, k) => {
    assert.equal(a[p.baseline], b[p.current], `pair ${k} matches equal pieces`);
    if (k > 0) assert.ok(p.baseline > al.pairs[k - 1].baseline && p.current > al.pairs[k - 1].current, 'pairs keep the order');
  });
  assert.deepEqual(
    [...al.pairs.map((p) => p.baseline), ...al.baselineOnly].sort((x, y) => x - y),
    [...a.keys()],
  );
  assert.deepEqual(
    [...al.pairs.map((p) => p.current), ...al.currentOnly].sort((x, y) => x - y),
    [...b.keys()],
  );
}

describe('alignTokens', () => {
  it('an inserted word: every other token matches, the new one is the current run’s only', () => {
    const a = pieces('[CLS] the cat sat [SEP]');
    const b = pieces('[CLS] the black cat sat [SEP]');
    const al = alignTokens(a, b);
    assert.deepEqual(al.currentOnly, [2]);
    assert.deepEqual(al.baselineOnly, []);
    assert.deepEqual(
      al.pairs.map((p) => [p.baseline, p.current]),
      [
        [0, 0],
        [1, 1],
        [2, 3],
        [3, 4],
        [4, 5],
      ],
    );
  });

  it('a deleted word and a replaced one: both sides list what they alone have', () => {
    const al = alignTokens(pieces('a quick brown fox jumps'), pieces('a brown dog jumps'));
    assert.deepEqual(al.baselineOnly, [1, 3]);
    assert.deepEqual(al.currentOnly, [2]);
    assert.deepEqual(
      al.pairs.map((p) => [p.baseline, p.current]),
      [
        [0, 0],
        [2, 1],
        [4, 3],
      ],
    );
  });

  it('identical runs match every token; disjoint ones none', () => {
    const a = pieces('x y z');
    assert.deepEqual(alignTokens(a, a), { pairs: [0, 1, 2].map((i) => ({ baseline: i, current: i })), baselineOnly: [], currentOnly: [] });
    assert.deepEqual(alignTokens(a, pieces('p q')), { pairs: [], baselineOnly: [0, 1, 2], currentOnly: [0, 1] });
    assert.deepEqual(alignTokens([], a), { pairs: [], baselineOnly: [], currentOnly: [0, 1, 2] });
  });

  it('random edits: a longest common subsequence, in order, every token accounted for', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let trial = 0; trial < 200; trial++) {
      const a = Array.from({ length: rand(14) }, () => 'abcd'[rand(4)]);
      const b = a.flatMap((t) => (rand(5) === 0 ? [] : rand(5) === 0 ? [t, 'abcde'[rand(5)]] : [t]));
      const al = alignTokens(a, b);
      checkAlignment(a, b, al);
      assert.equal(al.pairs.length, lcsLength(a, b), `${a.join('')} / ${b.join('')}`);
    }
  });
});

describe('predictionChanges and alignedMap', () => {
  it('the two top-k lists as one: probability and rank in each, absent where a token is not in that top-k', () => {
    const changes = predictionChanges(
      [
        { id: 1, token: 'a', probability: 0.5 },
        { id: 2, token: 'b', probability: 0.3 },
      ],
      [
        { id: 2, token: 'b', probability: 0.6 },
        { id: 3, token: 'c', probability: 0.2 },
      ],
    );
    assert.deepEqual(changes, [
      { id: 2, token: 'b', current: { probability: 0.6, rank: 1 }, baseline: { probability: 0.3, rank: 2 } },
      { id: 3, token: 'c', current: { probability: 0.2, rank: 2 } },
      { id: 1, token: 'a', baseline: { probability: 0.5, rank: 1 } },
    ]);
  });

  it('one head or the mean of heads at the aligned rows and columns; the difference is current − baseline', () => {
    // 2 heads of 3 × 3: cell (h, q, k) holds h·100 + q·10 + k.
    const data = Float32Array.from({ length: 18 }, (_, i) => Math.floor(i / 9) * 100 + Math.floor((i % 9) / 3) * 10 + (i % 3));
    const layer: AttentionLayer = { runId: 1, set: 'self', layer: 0, heads: 2, queries: 3, keys: 3, data };
    assert.deepEqual([...alignedMap(layer, 1, [0, 2], [1, 2])], [101, 102, 121, 122]);
    assert.deepEqual([...alignedMap(layer, 'mean', [2], [0])], [70]);
    const some: AttentionLayer = { ...layer, only: [1], data: data.slice(9) };
    assert.deepEqual([...alignedMap(some, 1, [1], [1])], [111]);
    assert.throws(() => alignedMap(some, 'mean', [0], [0]), /head 0 is not in layer 0/);
    assert.deepEqual([...difference(Float32Array.of(0.25, 0.5), Float32Array.of(0.5, 0.25))], [0.25, -0.25]);
  });
});

describe('RunStore: the pinned baseline', () => {
  it('outlives the runs kept after it; the run before another is the newest kept one before it', () => {
    const store = new RunStore();
    const record = (runId: number) => ({ runId }) as RunRecord;
    store.add(record(1));
    store.pin(1);
    for (let id = 2; id <= 7; id++) store.add(record(id));
    assert.equal(store.pinned?.runId, 1, 'pinned: kept past the four newest');
    assert.equal(store.get(2), undefined, 'unpinned older runs go');
    assert.equal(store.before(7)?.runId, 6);
    assert.equal(store.before(4)?.runId, 1, 'runs 2 and 3 are gone: the pinned run is the newest before 4');
    store.pin(99);
    assert.equal(store.pinned, undefined, 'a run the store does not keep cannot be pinned');
  });
});

describe('RunComparer through the worker (tiny models)', () => {
  const engine = new InferenceEngine({ workerPath, environment: detectProviderEnvironment() });
  const runs = new RunEngine(engine);
  const store = new RunStore();
  const comparer = new RunComparer(runs, store);
  const settings = { topK: 5, maxTokens: 512, maxNewTokens: 8 };

  async function inspect(text: string): Promise<RunRecord> {
    const runId = engine.nextRunId();
    const { summary, source } = await runs.inspect(runId, text, settings);
    const run: RunRecord = { runId, summary, source };
    store.add(run);
    return run;
  }

  /** Every compared cell is the cell each run's own layer has at the aligned query and key. */
  async function checkAttention(base: RunRecord, run: RunRecord, att: AttentionComparison): Promise<void> {
    const heads = att.head === 'mean' ? undefined : [att.head];
    const [b, c] = await Promise.all([
      runs.layer(base.summary, base.source, att.set, att.layer, heads),
      runs.layer(run.summary, run.source, att.set, att.layer, heads),
    ]);
    const cell = (l: AttentionLayer, q: number, k: number) => {
      if (att.head !== 'mean') return l.data[q * l.keys + k];
      let sum = 0;
      for (let h = 0; h < l.heads; h++) sum += l.data[(h * l.queries + q) * l.keys + k];
      return sum / l.heads;
    };
    const cols = att.keyPairs.length;
    att.queryPairs.forEach((qp, r) =>
      att.keyPairs.forEach((kp, k) => {
        const i = r * cols + k;
        assert.ok(Math.abs(att.baseline[i] - cell(b, qp.baseline, kp.baseline)) <= 1e-7);
        assert.ok(Math.abs(att.current[i] - cell(c, qp.current, kp.current)) <= 1e-7);
        assert.equal(att.difference[i], Math.fround(att.current[i] - att.baseline[i]));
      }),
    );
  }

  const attentionOf = (c: RunComparison): AttentionComparison => {
    assert.ok(!('unavailable' in c.attention), 'unavailable' in c.attention ? c.attention.unavailable : '');
    return c.attention;
  };

  before(() => engine.load(request('tiny-gpt2')));
  after(() => engine.dispose());

  it('causal: a word inserted; attention, predictions and surprisal at the matched tokens are each run’s own', async () => {
    const base = await inspect('the cat sat on the mat');
    const run = await inspect('the black cat sat on the mat');
    assert.throws(() => comparer.baselineOf(base), /there is no run before this one/);
    const c = await comparer.compare(run, { set: 'self', layer: 1, head: 0 });
    assert.equal(c.baseline.runId, base.runId);
    assert.equal(c.pinned, false);
    assert.deepEqual(c.input.baselineOnly, []);
    assert.deepEqual(
      c.input.currentOnly.map((i) => run.summary.tokens[i].piece),
      ['Ġblack'],
    );
    await checkAttention(base, run, attentionOf(c));
    await checkAttention(base, run, attentionOf(await comparer.compare(run, { set: 'self', layer: 0, head: 'mean' })));
    // Every aligned position is ranked by both runs: its probabilities are those of the two summaries.
    assert.equal(c.predictions.length, c.input.pairs.length);
    for (const p of c.predictions) {
      const before = base.summary.predictions.ranked[p.baseline].top;
      const now = run.summary.predictions.ranked[p.current].top;
      for (const ch of p.changes) {
        if (ch.baseline) assert.equal(before[ch.baseline.rank - 1].probability, ch.baseline.probability);
        if (ch.current) assert.equal(now[ch.current.rank - 1].probability, ch.current.probability);
      }
      assert.equal(p.changes.filter((ch) => ch.current).length, now.length);
    }
    const bits = (p: number | null | undefined) => (p ? -Math.log2(p) : null);
    for (const s of c.surprisal ?? assert.fail('a causal pair has surprisal')) {
      assert.equal(s.baselineBits, bits(base.summary.predictions.actual?.[s.baseline]));
      assert.equal(s.currentBits, bits(run.summary.predictions.actual?.[s.current]));
    }
    // "cat" follows "black" now, not "the": its surprisal changed.
    const cat = c.surprisal!.find((s) => run.summary.tokens[s.current].piece === 'Ġcat')!;
    assert.notEqual(cat.baselineBits, cat.currentBits);
  });

  it('a pinned baseline stays; past the maps the worker keeps, attention says why and the rest is still compared', async () => {
    const pinnedRun = await inspect('one two three');
    assert.equal(comparer.pin(pinnedRun, true), pinnedRun.runId);
    assert.equal(comparer.baselineOf(pinnedRun).pinned, false, 'the pinned run itself is compared with the run before it');
    const next = await inspect('one two four');
    const c = await comparer.compare(next, { set: 'self', layer: 0, head: 1 });
    assert.equal(c.pinned, true);
    assert.equal(c.baseline.runId, pinnedRun.runId);
    assert.deepEqual(c.input.baselineOnly.length, 1);
    await checkAttention(pinnedRun, next, attentionOf(c));
    const third = await inspect('one two five');
    const late = await comparer.compare(third, { set: 'self', layer: 0, head: 1 });
    assert.equal(late.baseline.runId, pinnedRun.runId);
    assert.ok('unavailable' in late.attention && /baseline's attention is not available/.test(late.attention.unavailable));
    assert.ok(late.predictions.length > 0);
    assert.equal(comparer.pin(third, false), null);
    assert.equal(comparer.baselineOf(third).baseline.runId, next.runId, 'unpinned: the run before');
  });

  it('runs of two models are not compared, and the message says which', async () => {
    await engine.load(request('tiny-bert'));
    const run = await inspect('the cat sat [MASK] the mat');
    await assert.rejects(
      comparer.compare(run, { set: 'self', layer: 0, head: 0 }),
      /Runs of two models cannot be compared: the baseline ran on tiny-gpt2, this run on tiny-bert/,
    );
  });

  it('masked: the fills at an aligned mask are both runs’ own', async () => {
    const base = await inspect('the cat [MASK] on the mat');
    const run = await inspect('the cat [MASK] on a mat');
    const c = await comparer.compare(run, { set: 'self', layer: 1, head: 'mean' });
    assert.deepEqual(
      c.predictions.map((p) => [base.summary.tokens[p.baseline].piece, run.summary.tokens[p.current].piece]),
      [['[MASK]', '[MASK]']],
    );
    assert.equal(c.surprisal, undefined);
    assert.deepEqual(
      c.input.baselineOnly.map((i) => base.summary.tokens[i].piece),
      ['the'],
    );
    await checkAttention(base, run, attentionOf(c));
  });
});
