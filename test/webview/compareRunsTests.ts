// The Compare runs tab and the token pin. The comparison the stub host answers is made by the core's own runDiff
// from two generated payloads (a token replaced, tokens added), so the view is checked against those numbers.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  alignedMap,
  alignRuns,
  compareSurprisal,
  comparePredictions,
  difference,
  predictionAlignment,
} from '../../src/core/analysis/runDiff';
import type { AttentionLayer, RunComparison, ToWebviewMessage } from '../../src/protocol';
import type { LensPage } from './harness';
import { finish, openRun } from './interactionTests';
import { makePayload } from './makePayload';
import { layerReply, type Payload } from './payload';
import type { TestCase } from './run';

/** A baseline of 30 tokens with token 4 replaced, and a current run of the same text at 40 tokens. */
function twoRuns(): { baseline: Payload; current: Payload } {
  const opts = { name: 'cmp', kind: 'causal' as const, layers: 2, heads: 2, side: 32 };
  const baseline = makePayload({ ...opts, tokens: 30, runId: 1, seed: 3 });
  const tokens = baseline.summary.tokens.map((t) => (t.index === 4 ? { ...t, piece: 'Ġzebra', display: '␣zebra' } : t));
  return { baseline: { ...baseline, summary: { ...baseline.summary, tokens } }, current: makePayload({ ...opts, tokens: 40, runId: 2 }) };
}

function layerOf(p: Payload, layer: number): AttentionLayer {
  const reply = layerReply(p, 'self', layer);
  if ('error' in reply) throw new Error(reply.error);
  return { ...(reply.meta as Omit<AttentionLayer, 'data'>), data: reply.data };
}

/** What the host's RunComparer answers for these two runs, from the same core functions. */
function comparisonOf(b: Payload, c: Payload, layer: number, head: number | 'mean'): RunComparison {
  const runs = alignRuns(b.summary, c.summary);
  const al = predictionAlignment(runs, c.summary);
  const rows = (side: 'baseline' | 'current') => runs.input.pairs.map((p) => p[side]);
  const before = alignedMap(layerOf(b, layer), head, rows('baseline'), rows('baseline'));
  const after = alignedMap(layerOf(c, layer), head, rows('current'), rows('current'));
  return {
    baseline: b.summary,
    pinned: false,
    ...runs,
    predictions: comparePredictions(b.summary, c.summary, al),
    surprisal: compareSurprisal(b.summary, c.summary, al),
    attention: {
      set: 'self',
      layer,
      head,
      queryPairs: runs.input.pairs,
      keyPairs: runs.input.pairs,
      baseline: before,
      current: after,
      difference: difference(before, after),
    },
  };
}

/** Answers the webview's latest compareRuns request with `c` (its maps as Float32Arrays, as the host's structured clone). */
async function replyComparison(lens: LensPage, c: RunComparison): Promise<void> {
  const asked = await lens.requests('compareRuns');
  const requestId = asked[asked.length - 1].requestId as number;
  const b64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  const att = 'unavailable' in c.attention ? null : c.attention;
  const maps = att ? { baseline: b64(att.baseline), current: b64(att.current), difference: b64(att.difference) } : null;
  const json = JSON.stringify({ ...c, attention: att ? { ...att, baseline: [], current: [], difference: [] } : c.attention });
  await lens.page.evaluate(
    ({ requestId, json, maps }) => {
      const lens = (globalThis as unknown as { __lens: { deliver(x: unknown): void; fromB64(s: string): Float32Array } }).__lens;
      const result = JSON.parse(json) as { attention: Record<string, unknown> };
      if (maps) for (const [k, v] of Object.entries(maps)) result.attention[k] = lens.fromB64(v);
      lens.deliver({ type: 'reply', inReplyTo: requestId, result });
    },
    { requestId, json, maps },
  );
  await lens.settle();
}

const text = async (lens: LensPage, selector: string) => ((await lens.page.locator(selector).first().textContent()) ?? '').trim();

export const compareRunsTests: TestCase[] = [
  {
    name: 'Compare runs: the tab asks for the shown layer and head and shows the alignment, maps, top-k and surprisal (screenshot)',
    run: async (ctx) => {
      const { baseline, current } = twoRuns();
      const lens = await openRun(ctx, current);
      await lens.tab('compare');
      await lens.until(`window.__lens.posted.some((m) => m.method === 'compareRuns')`);
      const [ask] = await lens.requests('compareRuns');
      assert.deepEqual({ ...ask, requestId: 0 }, { type: 'compareRuns', requestId: 0, runId: 2, set: 'self', layer: 0, head: 'mean' });
      const c = comparisonOf(baseline, current, 0, 'mean');
      assert.deepEqual(c.input.baselineOnly, [4]);
      assert.equal(c.input.currentOnly.length, 11, 'token 4 replaced, 10 added');
      await replyComparison(lens, c);
      assert.equal(
        await text(lens, '.compare-status'),
        'Previous run (run 1, 30 tokens) → this run (run 2, 40 tokens): 29 tokens match, 1 only in the baseline, 11 only in this run.',
      );
      assert.equal(await lens.page.locator('.compare-alignment .chip.deleted').count(), 1);
      assert.equal(await text(lens, '.compare-alignment .chip.deleted'), '␣zebra');
      assert.equal(await lens.page.locator('.compare-alignment .chip.inserted').count(), 11);
      assert.equal(await lens.page.locator('.compare-alignment .chip').count(), 41);
      assert.equal(await lens.page.locator('canvas.compare-maps').isVisible(), true);
      // The top-k after the last matched token: each row is the two runs' own probability and rank, and their difference.
      const last = c.predictions[c.predictions.length - 1];
      const rows = lens.page.locator('.compare-table').first().locator('tbody tr');
      assert.equal(await rows.count(), last.changes.length);
      for (let i = 0; i < last.changes.length; i++) {
        const ch = last.changes[i];
        const cells = await rows.nth(i).locator('td').allTextContents();
        assert.equal(cells[0], JSON.stringify(ch.token));
        if (ch.current) assert.match(cells[2], new RegExp(`\\(#${ch.current.rank}\\)$`));
        if (ch.baseline && ch.current) {
          const d = ch.current.probability - ch.baseline.probability;
          assert.equal(cells[3], `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(4)}`);
        }
      }
      const surprisal = lens.page.locator('.compare-table').nth(1).locator('tbody tr');
      assert.equal(await surprisal.count(), c.surprisal!.length);
      const s1 = c.surprisal![1];
      assert.deepEqual((await surprisal.nth(1).locator('td').allTextContents()).slice(1, 3), [
        s1.baselineBits!.toFixed(2),
        s1.currentBits!.toFixed(2),
      ]);
      await lens.page.screenshot({ path: join(ctx.shots, 'compare-runs-dark.png') });
      // Pinning asks the host, then compares anew.
      await lens.page.locator('.compare-runs-view .pin-baseline').click();
      await lens.until(`window.__lens.posted.some((m) => m.method === 'pinBaseline')`);
      const [pin] = await lens.requests('pinBaseline');
      assert.deepEqual({ ...pin, requestId: 0 }, { type: 'pinBaseline', requestId: 0, runId: 2, pin: true });
      await lens.post({ type: 'reply', inReplyTo: pin.requestId as number, result: { baseline: 2 } } as ToWebviewMessage);
      await lens.until(`window.__lens.posted.filter((m) => m.method === 'compareRuns').length === 2`);
      await replyComparison(lens, { ...c, attention: { unavailable: "the baseline's attention is not available" } });
      assert.equal(await lens.page.locator('canvas.compare-maps').isVisible(), false);
      assert.equal(await text(lens, '.compare-runs-view > .note'), "Attention is not compared: the baseline's attention is not available");
      await finish(lens);
    },
  },
  {
    name: 'Compare runs: the host’s Baseline message opens the tab; an error reads as the host wrote it',
    run: async (ctx) => {
      const lens = await openRun(ctx, twoRuns().current);
      await lens.post({ type: 'baseline', show: true } as ToWebviewMessage);
      await lens.settle();
      assert.equal((await lens.lastState())?.tab, 'compare');
      await lens.until(`window.__lens.posted.some((m) => m.method === 'compareRuns')`);
      const [ask] = await lens.requests('compareRuns');
      const error = 'Runs of two models cannot be compared: the baseline ran on a, this run on b.';
      await lens.post({ type: 'reply', inReplyTo: ask.requestId as number, error } as ToWebviewMessage);
      await lens.settle();
      assert.equal(await text(lens, '.compare-status'), error);
      await finish(lens);
    },
  },
  {
    name: 'pin (side view): a pinned token stays while the editor cursor moves; unpinned, it follows again; a new run unpins',
    run: async (ctx) => {
      const { current } = twoRuns();
      const lens = await openRun(ctx, current, 'sidebar');
      const focus = (index: number) => lens.post({ type: 'focusToken', runId: 2, index } as ToWebviewMessage);
      await focus(3);
      await lens.settle();
      const pin = lens.page.locator('.sidebar-view .pin-toggle');
      assert.equal(await pin.getAttribute('aria-pressed'), 'false');
      await pin.click();
      await lens.settle();
      assert.equal(await pin.getAttribute('aria-pressed'), 'true');
      await focus(8);
      await lens.settle();
      assert.equal((await lens.lastState())?.selected, 3, 'the cursor moved, the pinned token stayed');
      assert.match(await text(lens, '.focus-token'), /^Pinned \(the cursor does not move it\): /);
      await lens.page.screenshot({ path: join(ctx.shots, 'pin-side-view-dark.png') });
      await pin.click();
      await focus(8);
      await lens.settle();
      assert.equal((await lens.lastState())?.selected, 8, 'unpinned: the view follows the cursor');
      await pin.click();
      await lens.settle();
      assert.equal((await lens.lastState())?.pinned, true);
      await lens.sendRun(makePayload({ name: 'next', kind: 'causal', tokens: 20, layers: 2, heads: 2, side: 20, runId: 3 }));
      await lens.settle();
      assert.equal((await lens.lastState())?.pinned, false, 'a new run starts unpinned');
      await finish(lens);
    },
  },
  {
    name: 'pin (head view): the pinned token stays the focus while the mouse moves over others; P unpins',
    run: async (ctx) => {
      const { current } = twoRuns();
      const lens = await openRun(ctx, current);
      await lens.page.locator('.chip[data-index="2"]').click();
      await lens.tab('head');
      const info = () => text(lens, '.head-view .hover-info');
      const pinned = await info();
      assert.ok(pinned.startsWith(`${JSON.stringify(current.summary.tokens[2].display)} attends to`), pinned);
      await lens.page.locator('.head-view .pin-toggle').click();
      await lens.settle();
      const box = (await lens.page.locator('canvas.head-canvas').boundingBox())!;
      // Row 9 of the query column.
      await lens.page.mouse.move(box.x + 30, box.y + 9 * 18 + 9);
      await lens.settle();
      assert.equal(await info(), pinned, 'the mouse over another token leaves the pinned one in focus');
      await lens.page.screenshot({ path: join(ctx.shots, 'pin-head-view-dark.png') });
      await lens.page.locator('canvas.head-canvas').focus();
      await lens.page.keyboard.press('p');
      await lens.settle();
      assert.equal((await lens.lastState())?.pinned, false);
      await lens.page.mouse.move(box.x + 30, box.y + 9 * 18 + 11);
      await lens.settle();
      assert.notEqual(await info(), pinned, 'unpinned: the hover shows the token under the mouse');
      await finish(lens);
    },
  },
];
