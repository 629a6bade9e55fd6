// The logit lens and head ablation of an encoder–decoder run (setsPayload: input, target and three attention sets):
// the lens is asked at the target's positions and labelled with the target's tokens, a click selects a target token;
// shift-click in the model view ablates a head of the shown set, named by it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { LogitLensView, RunSummary } from '../../src/protocol';
import { shiftClickCell } from './ablationTests';
import { finish, openRun } from './interactionTests';
import type { Payload } from './payload';
import type { TestCase } from './run';
import { pickSet } from './setsTests';
import { setsPayload } from './setsPayload';

/** A lens over the target consistent with the run: its last layer is the run's own top-k; layer l gives (l + 1) / layers of it. */
function targetLens(s: RunSummary, positions: number[], layers: number): LogitLensView {
  const target = s.target!.tokens;
  const ranked = s.predictions.ranked;
  return {
    positions,
    final: positions.map((p) => ({ id: ranked[p].top[0].id, token: ranked[p].top[0].token })),
    next: positions.map((p) => (p + 1 < target.length ? { id: target[p + 1].id, token: target[p + 1].piece } : null)),
    layers: Array.from({ length: layers }, (_, l) =>
      positions.map((p) => ({
        top: ranked[p].top.map((t) => ({ ...t, probability: (t.probability * (l + 1)) / layers })),
        finalProbability: (ranked[p].top[0].probability * (l + 1)) / layers,
        nextProbability: p + 1 < target.length ? (s.predictions.actual![p + 1]! * (l + 1)) / layers : null,
      })),
    ),
  };
}

const seq2seq = (): Payload => {
  const p = setsPayload();
  const size = (layers: number) => ({ layers, heads: 2 });
  const ablation = { available: true as const, sets: { encoder: size(2), decoder: size(3), cross: size(3) } };
  return { ...p, summary: { ...p.summary, logitLensUnavailable: null, ablation } };
};

export const seq2seqAnalysisTests: TestCase[] = [
  {
    name: "encoder–decoder logit lens: asked at the target's positions, the decoder's layers over the target's tokens (screenshot)",
    run: async (ctx) => {
      const p = seq2seq();
      const target = p.summary.target!.tokens;
      assert.notEqual(target.length, p.summary.tokens.length, 'the lists differ in length, so the positions tell them apart');
      const lens = await openRun(ctx, p);
      await lens.tab('lens');
      await lens.until(`window.__lens.posted.some((m) => m.type === 'request' && m.method === 'logitLens')`);
      const asked = await lens.requests('logitLens');
      assert.deepEqual(
        asked[0].positions,
        target.map((_, i) => i),
        "every target position, not the input's",
      );
      await lens.post({
        type: 'reply',
        inReplyTo: asked[0].requestId as number,
        result: targetLens(p.summary, asked[0].positions, 3),
      } as never);
      await lens.until(
        `document.querySelector('.logit-lens .hover-info')?.textContent.includes('3 layers × ${target.length} tokens of the target')`,
      );
      const box = (await lens.page.locator('.logit-lens canvas').boundingBox())!;
      const cell = (box.width - 92) / target.length;
      await lens.page.mouse.move(box.x + 92 + cell * 2.5, box.y + 11);
      await lens.until(`document.querySelector('.logit-lens .hover-info').textContent.startsWith('Layer 2 (the output) at #2')`);
      const info = (await lens.page.locator('.logit-lens .hover-info').textContent())!;
      const label = target[2].display || target[2].piece;
      assert.ok(info.includes(JSON.stringify(label)), `the cell names the target token ${label}: ${info}`);
      await lens.page.screenshot({ path: join(ctx.shots, 'logit-lens-seq2seq-dark.png') });
      await lens.page.mouse.click(box.x + 92 + cell * 2.5, box.y + 11);
      await lens.settle();
      assert.equal((await lens.lastState())?.targetSelected, 2, "the click selects the target's token");
      await finish(lens);
    },
  },
  {
    name: 'encoder–decoder ablation: shift-click ablates a head of the shown set, named by it in the request and the bar',
    run: async (ctx) => {
      const lens = await openRun(ctx, seq2seq());
      await lens.tab('model');
      await shiftClickCell(lens, 0, 1);
      await pickSet(lens, 'model', 'cross');
      await shiftClickCell(lens, 2, 0);
      assert.deepEqual((await lens.lastState())?.ablated, [
        { set: 'cross', layer: 2, head: 0 },
        { set: 'encoder', layer: 0, head: 1 },
      ]);
      await lens.until(`document.querySelector('.model-view .ablation-text').textContent.includes('cross 2.0, encoder 0.1')`);
      assert.match(
        (await lens.page.locator('.model-view .ablation-text').textContent())!,
        /Ablated heads \(set layer\.head\): cross 2\.0, encoder 0\.1/,
      );
      const asked = await lens.requests('ablate');
      assert.deepEqual(asked.at(-1)?.heads, [
        { set: 'cross', layer: 2, head: 0 },
        { set: 'encoder', layer: 0, head: 1 },
      ]);
      await lens.page.screenshot({ path: join(ctx.shots, 'ablation-seq2seq-model-view-dark.png') });
      await finish(lens);
    },
  },
];
