// Surprisal scans (src/core/surprisal): the window plan's context rule, the scores against the engine's own full
// forward passes (full logits, not the prediction head) and PyTorch's reference, an edit re-running only the
// windows it must, the background lane, and the CLI's document.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { runScan, type ScanRequest } from '../../src/core/surprisal/scanDriver';
import { KEPT_TOP_K } from '../../src/core/surprisal/keptTopK';
import { MAX_SCAN_TOP_K, SurprisalScan } from '../../src/core/surprisal/surprisalScan';
import { TopKAnswers } from '../../src/core/surprisal/topKAnswers';
import { tokenScores, type TokenScore, type WindowScores } from '../../src/core/surprisal/windowScores';
import { firstChangedToken, firstStaleWindow, planWindows, reusablePast, windowShape } from '../../src/core/surprisal/surprisalWindows';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { fixtureModel, repoRoot } from '../support/paths';
import { loadReference } from '../support/reference';
import { request, workerPath } from './reliability/support';

/** The tolerance the issue sets for a surprisal against a full forward pass, in bits. */
const BITS_TOLERANCE = 1e-4;
const env = detectProviderEnvironment();

/** −log2 p(id) from a row of full logits. */
function bitsFromLogits(logits: Float32Array, id: number): number {
  let max = -Infinity;
  for (const x of logits) max = Math.max(max, x);
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  return -(logits[id] - max - Math.log(sum)) / Math.LN2;
}

/** Words GPT-2's tokenizer keeps whole (" word" is one token each), so a window's text re-tokenizes to its ids. */
const WORDS = 'the cat sat on a mat and the dog ran to it but then it was not there so they all went home for tea';
const LONG = Array.from({ length: 6 }, () => WORDS).join(' ');

describe('surprisal windows: each token scored once, with at least window − stride tokens before it', () => {
  it('the default stride is half the window, and a window may not pass the model', () => {
    assert.deepEqual(windowShape(64), { window: 64, stride: 32, context: 32 });
    assert.deepEqual(windowShape(64, 16, 4), { window: 16, stride: 4, context: 12 });
    assert.throws(() => windowShape(64, 65), /longer than the model's 64/);
    assert.throws(() => windowShape(64, 16, 17), /stride must be 1 to 16/);
  });

  for (const [count, window, stride] of [
    [1, 8, 4],
    [8, 8, 4],
    [9, 8, 4],
    [100, 16, 5],
    [1000, 64, 32],
    [37, 10, 10],
  ]) {
    it(`${count} tokens, window ${window}, stride ${stride}`, () => {
      const shape = windowShape(64, window, stride);
      const windows = planWindows(count, shape);
      const scoredBy = new Array<number>(count).fill(0);
      windows.forEach((w, k) => {
        assert.ok(w.end - w.start <= window, 'a window fits');
        for (let i = w.scoreFrom; i < w.end; i++) {
          scoredBy[i]++;
          if (k > 0) assert.ok(i - w.start >= shape.context, `token ${i} has ${i - w.start} tokens of context in window ${k}`);
        }
      });
      assert.deepEqual(scoredBy, new Array<number>(count).fill(1), 'every token scored exactly once');
      assert.equal(windows[0].scoreFrom, 0, 'the first window scores from the start');
    });
  }

  it('an edit makes stale the window scoring its first changed token, and none before', () => {
    const windows = planWindows(100, windowShape(64, 16, 4));
    assert.equal(firstChangedToken([1, 2, 3], [1, 2, 4, 5]), 2);
    assert.equal(firstChangedToken([1, 2], [1, 2, 3]), 2);
    for (const changed of [0, 5, 15, 16, 17, 50, 99]) {
      const k = firstStaleWindow(windows, changed);
      assert.ok(windows[k].scoreFrom <= changed && changed < windows[k].end, `token ${changed} is scored by window ${k}`);
    }
    assert.equal(firstStaleWindow(windows, 100), windows.length, 'nothing changed: nothing stale');
  });
});

describe('past keys/values: reused only by a pass from the same start over the same tokens', () => {
  const ids = Array.from({ length: 300 }, (_, i) => (i * 7) % 50);
  it('no two windows of one scan can share a past, whatever the shape', () => {
    for (const [window, stride] of [
      [16, 8],
      [16, 1],
      [64, 32],
      [10, 10],
    ]) {
      const windows = planWindows(ids.length, windowShape(64, window, stride));
      for (let a = 0; a < windows.length; a++) {
        for (let b = 0; b < windows.length; b++) {
          if (a !== b) assert.equal(reusablePast({ window: windows[a], ids }, { window: windows[b], ids }), 0, `windows ${a}, ${b}`);
        }
      }
    }
  });

  it('a window run again after an edit could reuse its past up to the first changed token, and no further', () => {
    const [, w] = planWindows(ids.length, windowShape(64, 16, 8));
    const edited = [...ids];
    edited[w.start + 5] = 999;
    assert.equal(reusablePast({ window: w, ids }, { window: w, ids: edited }), 5);
    assert.equal(reusablePast({ window: w, ids }, { window: w, ids }), w.end - w.start);
    edited[w.start] = 998;
    assert.equal(reusablePast({ window: w, ids }, { window: w, ids: edited }), 0);
  });
});

describe('surprisal scan of tiny-gpt2 through the worker', () => {
  let engine: InferenceEngine;
  let runner: ModelRunner;
  before(async () => {
    engine = new InferenceEngine({ workerPath, environment: env });
    await engine.load(request('tiny-gpt2'));
    runner = await ModelRunner.load(request('tiny-gpt2'), env);
  });
  after(async () => {
    await engine.dispose();
    await runner.dispose();
  });

  async function scan(text: string, options: Partial<ScanRequest> = {}) {
    const scores: TokenScore[] = [];
    const outcome = await runScan(
      engine,
      { key: 'doc', text, topK: 5, fresh: true, ...options },
      { onWindow: (_, s) => scores.push(...tokenScores(s)) },
    );
    // Each token arrives with its score (the plan carries none).
    return { ...outcome, scores, tokens: scores.map((s) => s.token) };
  }

  it('a text in one window: every surprisal is −log2 p of one full forward pass (within 1e-4), the first null', async () => {
    const text = 'The quick brown fox jumps over the lazy dog.';
    const { plan, scores, windowsRun, tokens } = await scan(text);
    assert.equal(windowsRun, 1);
    assert.equal(scores.length, plan.tokenCount);
    assert.equal(scores[0].surprisal, null, 'the first token has no context');
    assert.equal(scores[0].probability, null);
    for (const s of scores.slice(1)) {
      const { logits } = await runner.logitsAt(text, s.index - 1);
      const expected = bitsFromLogits(logits, tokens[s.index].id);
      assert.ok(Math.abs(s.surprisal! - expected) <= BITS_TOLERANCE, `token ${s.index}: ${s.surprisal} vs ${expected}`);
      assert.ok(Math.abs(s.probability! - 2 ** -expected) <= 1e-6);
    }
  });

  it("the top-k and the scores agree with PyTorch's reference where it names the token", async () => {
    const [reference] = loadReference(path.join(fixtureModel('tiny-gpt2'), 'reference.json')).cases;
    const { scores, tokens } = await scan(reference.text);
    assert.deepEqual(
      tokens.map((t) => t.id),
      reference.inputIds,
    );
    for (const s of scores.slice(1)) {
      const row = s.index - 1;
      const topIds = reference.topIds[row];
      assert.deepEqual(
        s.top.map((p) => p.id),
        topIds.slice(0, 5),
        `top-5 before token ${s.index}`,
      );
      assert.ok(Math.abs(Math.log(s.top[0].probability) - (reference.topLogits[row][0] - reference.logSumExp[row])) <= 1e-4);
      const at = topIds.indexOf(tokens[s.index].id);
      // Random weights seldom rank the actual token in PyTorch's top 10; where they do, its bits are checked too.
      if (at >= 0) {
        const expected = -(reference.topLogits[row][at] - reference.logSumExp[row]) / Math.LN2;
        assert.ok(Math.abs(s.surprisal! - expected) <= BITS_TOLERANCE);
      }
    }
    assert.ok(scores.length > 5);
  });

  it("across windows each token is scored as a direct pass over its own window's tokens scores it", async () => {
    const window = 16;
    const stride = 5;
    const { plan, scores, windowsRun, tokens } = await scan(LONG, { window, stride });
    assert.ok(windowsRun > 10, `${windowsRun} windows`);
    assert.equal(scores.length, plan.tokenCount, 'every token scored once');
    assert.deepEqual(
      scores.map((s) => s.index),
      Array.from({ length: plan.tokenCount }, (_, i) => i),
    );
    const checkedWindows = [1, 2, Math.floor(plan.windows.length / 2), plan.windows.length - 1];
    for (const k of checkedWindows) {
      const w = plan.windows[k];
      const windowText = LONG.slice(tokens[w.start].start, tokens[w.end - 1].end);
      // The window's text alone, tokenized: the same ids (else the reference would not be this window's).
      const alone = await runner.inspect(windowText, { attention: false, topK: 1 });
      assert.deepEqual(
        alone.tokens.map((t) => t.id),
        tokens.slice(w.start, w.end).map((t) => t.id),
      );
      for (let i = w.scoreFrom; i < w.end; i++) {
        assert.ok(i - w.start >= window - stride, 'the stated left context');
        const { logits } = await runner.logitsAt(windowText, i - w.start - 1);
        const expected = bitsFromLogits(logits, tokens[i].id);
        assert.ok(Math.abs(scores[i].surprisal! - expected) <= BITS_TOLERANCE, `token ${i} in window ${k}`);
      }
    }
  });

  it('an edit re-runs only the windows from the one scoring its first changed token, with the fresh values', async () => {
    const window = 16;
    const stride = 8;
    const first = await scan(LONG, { window, stride });
    const total = first.plan.windows.length;
    // Change a word three quarters of the way in.
    const at = first.tokens[Math.floor(first.tokens.length * 0.75)];
    const edited = `${LONG.slice(0, at.start)} zebra${LONG.slice(at.end)}`;
    const changed = firstChangedToken(
      first.tokens.map((t) => t.id),
      runner.model.tokenizer.encode(edited).map((t) => t.id),
    );
    const again = await scan(edited, { window, stride, fresh: false });
    const expectedStale = firstStaleWindow(again.plan.windows, changed);
    assert.ok(expectedStale > 0);
    assert.equal(again.plan.firstStale, expectedStale);
    assert.equal(again.windowsRun, again.plan.windows.length - expectedStale, `ran ${again.windowsRun} of ${total} windows`);
    // The re-run windows' scores equal a fresh scan's of the edited text; the kept ones equal the first scan's.
    const fresh = await scan(edited, { window, stride });
    // Only the tokens from the stale window's scored range on came across, and they are the edited text's.
    assert.equal(again.plan.tokensFrom, again.plan.windows[expectedStale].scoreFrom);
    assert.equal(again.plan.tokenCount, fresh.tokens.length);
    assert.equal(again.plan.pendingFrom, fresh.tokens[again.plan.tokensFrom].start);
    assert.deepEqual(again.tokens, fresh.tokens.slice(again.plan.tokensFrom));
    const keptUntil = again.plan.windows[expectedStale].scoreFrom;
    for (const s of again.scores) assert.ok(Math.abs(s.surprisal! - fresh.scores[s.index].surprisal!) <= 1e-6);
    for (let i = 1; i < keptUntil; i++) assert.ok(Math.abs(first.scores[i].surprisal! - fresh.scores[i].surprisal!) <= 1e-6);
  });

  /** A scan as the editor runs it: no top-k asked for, each window's reply as it came. */
  async function compactScan(key: string, text: string, options: Partial<ScanRequest> = {}) {
    const replies: WindowScores[] = [];
    const outcome = await runScan(engine, { key, text, fresh: true, ...options }, { onWindow: (_, s) => replies.push(s) });
    return { ...outcome, replies };
  }

  it("the editor's window replies carry each token's span, bits and probability only, as the full scan's", async () => {
    const full = await scan(LONG, { window: 16, stride: 5 });
    const { replies } = await compactScan('compact', LONG, { window: 16, stride: 5 });
    assert.equal(replies.length, full.plan.windows.length);
    for (const reply of replies) {
      assert.deepEqual(Object.keys(reply).sort(), ['bits', 'ends', 'from', 'probabilities', 'starts'], 'no tokens, no top-k');
      reply.bits.forEach((bits, j) => {
        const s = full.scores[reply.from + j];
        assert.equal(reply.starts[j], s.token.start);
        assert.equal(reply.ends[j], s.token.end);
        assert.equal(Number.isNaN(bits) ? null : bits, s.surprisal);
        assert.equal(Number.isNaN(reply.probabilities[j]) ? null : reply.probabilities[j], s.probability);
      });
    }
  });

  it("a token's top-k asked for alone equals the full scan's there (within 1e-4), the actual token's entry its probability", async () => {
    const window = 16;
    const stride = 5;
    const full = await scan(LONG, { window, stride, topK: MAX_SCAN_TOP_K });
    const { plan } = await compactScan('hover', LONG, { window, stride });
    // The first token, both ends of the first window, of a later window's scored range, and the last token.
    const w = plan.windows[3];
    const indices = [0, 1, plan.windows[0].end - 1, w.scoreFrom, w.scoreFrom + 1, w.end - 1, plan.tokenCount - 1];
    // And a token the model ranks in its top-k, where there is one (random weights seldom do).
    const ranked = full.scores.findIndex((s) => s.top.some((p) => p.id === s.token.id));
    if (ranked >= 0) indices.push(ranked);
    let actualSeen = 0;
    for (const index of indices) {
      const top = await engine.request('surprisalTop', { key: 'hover', generation: plan.generation, index, topK: MAX_SCAN_TOP_K });
      const expected = full.scores[index];
      assert.deepEqual(
        top.map((p) => p.id),
        expected.top.map((p) => p.id),
        `top-k before token ${index}`,
      );
      top.forEach((p, r) => assert.ok(Math.abs(p.probability - expected.top[r].probability) <= 1e-4, `token ${index}, rank ${r}`));
      const actual = top.find((p) => p.id === expected.token.id);
      if (actual) {
        actualSeen++;
        assert.ok(Math.abs(actual.probability - expected.probability!) <= 1e-4, `the actual token ${index}`);
      }
    }
    assert.equal(actualSeen > 0, ranked >= 0);
  });

  it("a hover's top-k is what its window's run kept (no run); a longer one, or an edit's stale token, runs again", async () => {
    const window = 16;
    const stride = 5;
    const full = await scan(LONG, { window, stride, topK: MAX_SCAN_TOP_K });
    const hover = new SurprisalScan(runner.model);
    const plan = hover.replan(LONG, { window, stride, fresh: true });
    for (let k = 0; k < plan.windows.length; k++) await hover.score(k, plan.generation);
    const same = async (index: number, topK: number, generation: number) => {
      const top = await hover.topAt(index, generation, topK);
      const expected = full.scores[index].top.slice(0, topK);
      assert.deepEqual(
        top.map((p) => p.id),
        expected.map((p) => p.id),
        `top-${topK} before token ${index}`,
      );
      // Kept as float32: within 1e-4 of the scan's float64 probabilities, as the run again is.
      top.forEach((p, r) => assert.ok(Math.abs(p.probability - expected[r].probability) <= 1e-4, `token ${index}, rank ${r}`));
    };
    const w = plan.windows[3];
    for (const index of [0, 1, w.scoreFrom, w.end - 1, plan.tokenCount - 1]) await same(index, 5, plan.generation);
    await same(2, KEPT_TOP_K, plan.generation);
    assert.equal(hover.topRuns, 0, 'answered from what the windows kept');
    await same(2, KEPT_TOP_K + 1, plan.generation);
    assert.equal(hover.topRuns, 1, 'more than was kept runs the window again');
    // An edit at the end: the tokens before its first stale window keep their top-k; one after it (not scored
    // again yet) runs its window.
    const edited = hover.replan(`${LONG} more`, { window, stride });
    assert.ok(edited.tokensFrom > 2 && edited.tokensFrom < edited.tokenCount);
    await same(2, 5, edited.generation);
    assert.equal(hover.topRuns, 1);
    await hover.topAt(edited.tokensFrom, edited.generation, 5);
    assert.equal(hover.topRuns, 2);
  });

  it('a top-k asked for under a plan an edit replaced is refused, not answered from the new text', async () => {
    const first = await compactScan('stale', LONG, { window: 16, stride: 8 });
    await compactScan('stale', `${LONG} more`, { window: 16, stride: 8, fresh: false });
    await assert.rejects(
      engine.request('surprisalTop', { key: 'stale', generation: first.plan.generation, index: 3, topK: 5 }),
      /no longer the current one/,
    );
  });

  it("the hover's kept answers are bounded: the least recently used goes, a repeat or a pending one is not asked again", async () => {
    const { plan } = await compactScan('cache', LONG, { window: 16, stride: 8 });
    const answers = new TopKAnswers(engine, 3);
    const ask = (index: number) => answers.at('cache', plan.generation, index, 5);
    const [a, b] = await Promise.all([ask(1), ask(1)]);
    assert.equal(a, b, 'one request for two asks while it was pending');
    assert.equal(answers.asked, 1);
    for (const index of [2, 3, 4, 5]) await ask(index);
    assert.equal(answers.size, 3, 'at most 3 kept');
    assert.equal(answers.asked, 5);
    await ask(5);
    assert.equal(answers.asked, 5, 'the last answer was kept');
    await ask(1);
    assert.equal(answers.asked, 6, 'the first answer was forgotten');
    // A failed ask (an older plan) is not kept: asked again, it is sent again.
    await assert.rejects(answers.at('cache', plan.generation - 1, 1, 5), /no longer the current one/);
    await assert.rejects(answers.at('cache', plan.generation - 1, 1, 5), /no longer the current one/);
    assert.equal(answers.asked, 8);
    assert.ok(answers.size <= 3);
    answers.forget('cache');
    assert.equal(answers.size, 0);
  });

  it('a scan cancelled halfway resumes, after the next edit, from the window it stopped at', async () => {
    const window = 16;
    const stride = 8;
    let seen = 0;
    const stopped = await runScan(
      engine,
      { key: 'doc', text: LONG, window, stride, topK: 1, fresh: true },
      { onWindow: () => seen++, cancelled: () => seen >= 3 },
    );
    assert.equal(stopped.cancelled, true);
    assert.equal(stopped.windowsRun, 3);
    const resumed = await scan(`${LONG} again`, { window, stride, fresh: false });
    assert.equal(resumed.plan.firstStale, 3);
  });

  it("an inspect asked for during a scan runs before the scan's next window (the background lane)", async () => {
    const order: string[] = [];
    const scanning = runScan(
      engine,
      { key: 'lane', text: LONG, window: 16, stride: 4, topK: 1, fresh: true },
      { onWindow: (k) => order.push(`w${k}`) },
    );
    // Let the plan and the first window start, then ask for an inspect.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const inspected = engine
      .request('inspect', { run: engine.nextRunId(), text: 'hello world', options: { attention: false, topK: 1 } })
      .then(() => order.push('inspect'));
    const outcome = await scanning;
    await inspected;
    const at = order.indexOf('inspect');
    assert.ok(at >= 0 && at < outcome.windowsRun - 1, `the inspect ran after ${at} of ${outcome.windowsRun} windows: ${order.join(' ')}`);
  });

  it('a masked LM is refused with a clear message', async () => {
    const bert = new InferenceEngine({ workerPath, environment: env });
    try {
      await bert.load(request('tiny-bert'));
      await assert.rejects(runScan(bert, { key: 'b', text: 'hello there', topK: 1, fresh: true }), /needs a causal language model/);
    } finally {
      await bert.dispose();
    }
  });
});

describe('surprisal of other causal families in one window equals their full forward pass', () => {
  for (const name of ['tiny-gpt2-past', 'tiny-llama', 'tiny-gpt-neox', 'tiny-opt']) {
    it(name, async () => {
      const engine = new InferenceEngine({ workerPath, environment: env });
      const runner = await ModelRunner.load(request(name), env);
      try {
        await engine.load(request(name));
        const text = 'Hello world, the model reads this line.';
        const scores: TokenScore[] = [];
        await runScan(engine, { key: name, text, topK: 3, fresh: true }, { onWindow: (_, s) => scores.push(...tokenScores(s)) });
        assert.equal(scores[0].surprisal, null, 'nothing before the first token (a BOS where the tokenizer adds one)');
        for (const s of scores.slice(1)) {
          const { logits } = await runner.logitsAt(text, s.index - 1);
          const expected = bitsFromLogits(logits, s.token.id);
          assert.ok(Math.abs(s.surprisal! - expected) <= BITS_TOLERANCE, `token ${s.index}: ${s.surprisal} vs ${expected}`);
        }
      } finally {
        await engine.dispose();
        await runner.dispose();
      }
    });
  }
});

describe('attention-lens surprisal', () => {
  const cli = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');
  it('prints tokens with UTF-16 spans, bits, probability and top-k, and the window and stride used', () => {
    const text = 'Café – naïve 🙂 text. The quick brown fox.';
    const out = spawnSync(
      process.execPath,
      [cli, 'surprisal', '--model', fixtureModel('tiny-gpt2'), '--text', text, '--window', '8', '--stride', '3', '--top-k', '2'],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    assert.equal(out.status, 0, out.stderr);
    const doc = JSON.parse(out.stdout);
    assert.equal(doc.window, 8);
    assert.equal(doc.stride, 3);
    assert.equal(doc.context, 5);
    assert.equal(doc.unit, 'bits');
    assert.equal(doc.tokens[0].surprisal, null);
    assert.equal(doc.tokens[0].start, 0);
    assert.equal(doc.tokens.at(-1).end, text.length, 'UTF-16 offsets to the end of the text');
    for (const t of doc.tokens.slice(1)) {
      assert.ok(t.surprisal > 0);
      assert.ok(Math.abs(t.probability - 2 ** -t.surprisal) <= 1e-6 * Math.max(1, t.probability));
      assert.equal(t.top.length, 2);
    }
    const bad = spawnSync(process.execPath, [cli, 'surprisal', '--model', fixtureModel('tiny-gpt2'), '--text', 'x', '--window', '999'], {
      encoding: 'utf8',
    });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /longer than the model's 64/);
  });
});
