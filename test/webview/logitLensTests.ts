// The logit lens tab: asks the host for the window that fits (≤ 16 tokens) once per run and window, draws layers ×
// tokens coloured by the tracked probability, lists a cell's top-k on hover, selects a cell's token on click, moves
// the window with ▶, and says why where a run has none.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { LogitLensView, RunSummary } from '../../src/protocol';
import { smallCausal, smallMasked } from './fixtures';
import { finish, openRun } from './interactionTests';
import type { Payload } from './payload';
import type { TestCase } from './run';

/**
 * A lens consistent with the payload: its last layer is the run's own next-token top-k and probabilities, earlier
 * layers give them less weight, (l + 1) / layers of it.
 */
function lensFor(s: RunSummary, positions: number[]): LogitLensView {
  const layers = s.model.layers;
  const ranked = s.predictions.ranked;
  const actual = s.predictions.actual!;
  const tokenOf = (p: number) => ({ id: s.tokens[p].id, token: s.tokens[p].piece });
  return {
    positions,
    final: positions.map((p) => ({ id: ranked[p].top[0].id, token: ranked[p].top[0].token })),
    next: positions.map((p) => (p + 1 < s.tokens.length ? tokenOf(p + 1) : null)),
    layers: Array.from({ length: layers }, (_, l) =>
      positions.map((p) => {
        const share = (l + 1) / layers;
        return {
          top: ranked[p].top.map((t) => ({ ...t, probability: t.probability * share })),
          finalProbability: ranked[p].top[0].probability * share,
          nextProbability: p + 1 < s.tokens.length ? actual[p + 1]! * share : null,
        };
      }),
    ),
  };
}

const withLens = (p: Payload, unavailable: string | null): Payload => ({
  ...p,
  summary: { ...p.summary, logitLensUnavailable: unavailable },
});

export const logitLensTests: TestCase[] = [
  {
    name: 'logit lens: asks for the tokens that fit, a layers × tokens grid, top-k on hover, click selects, ▶ moves on (screenshot)',
    run: async (ctx) => {
      const p = withLens(smallCausal(), null);
      const lens = await openRun(ctx, p);
      await lens.tab('lens');
      await lens.until(`window.__lens.posted.some((m) => m.type === 'request' && m.method === 'logitLens')`);
      await lens.settle();
      const width = await lens.page.evaluate<number>(`document.querySelector('.logit-lens').clientWidth`);
      const fit = Math.min(16, Math.floor((width - 92) / 44));
      const asked = await lens.requests('logitLens');
      const window = asked.at(-1)!.positions as number[];
      const count = window.length;
      assert.ok(count <= 16 && count === fit, `as many tokens as fit (${fit}, at ${width} px), at most 16: ${count}`);
      // Nothing selected in a next-token run: the window starts at the first ranked position, the first token.
      assert.deepEqual(
        window,
        Array.from({ length: count }, (_, i) => i),
        'a window of the 40-token run from its start',
      );
      const reply = lensFor(p.summary, window);
      await lens.post({ type: 'reply', inReplyTo: asked.at(-1)!.requestId as number, result: reply } as never);
      const grid = `4 layers × ${count} tokens (tokens 0–${count - 1} of 40)`;
      await lens.until(`document.querySelector('.logit-lens .hover-info')?.textContent.includes('${grid}')`);
      const ink = await lens.ink('.logit-lens canvas');
      assert.ok(ink.inked > ink.width * ink.height * 0.3, `the grid is drawn: ${JSON.stringify(ink)}`);
      const options = await lens.page.locator('.lens-colour-by vscode-option').allTextContents();
      assert.deepEqual(options, ["The model's final top-1", 'The actual next token'], 'a causal run can be coloured by the next token');
      assert.equal(await lens.page.locator('.lens-earlier').isDisabled(), true, 'nothing before the first token');

      // Layer 3 (the output, the top row) at token 5.
      const box = (await lens.page.locator('.logit-lens canvas').boundingBox())!;
      const cell = (box.width - 92) / count;
      await lens.page.mouse.move(box.x + 92 + cell * 5.5, box.y + 11);
      const top = p.summary.predictions.ranked[5].top[0];
      await lens.until(`document.querySelector('.logit-lens .hover-info').textContent.startsWith('Layer 3 (the output) at #5')`);
      const info = (await lens.page.locator('.logit-lens .hover-info').textContent())!;
      assert.ok(info.includes(`${JSON.stringify(top.token)} ${top.probability.toFixed(4)}`), info);
      assert.ok(info.includes('p(final top-1') && info.includes('p(next'), info);
      assert.equal(await lens.page.locator('.logit-lens .tooltip').isVisible(), true);
      await lens.page.screenshot({ path: join(ctx.shots, 'logit-lens-causal-dark.png') });
      await lens.page.mouse.click(box.x + 92 + cell * 5.5, box.y + 11);
      await lens.settle();
      assert.equal((await lens.lastState())?.selected, 5, 'the clicked cell selects its token');
      const before = (await lens.requests('logitLens')).length;
      assert.equal(before, asked.length, 'the window around token 5 is the one shown: not asked again');

      // ▶: half a window later, asked for as a window of the same width.
      await lens.page.mouse.move(0, 0);
      await lens.page.locator('.lens-later').click();
      await lens.until(`window.__lens.posted.filter((m) => m.type === 'request' && m.method === 'logitLens').length > ${before}`);
      const moved = (await lens.requests('logitLens')).at(-1)!;
      const positions = moved.positions as number[];
      assert.equal(positions.length, count);
      assert.ok(positions[0] > 0 && positions.every((q, i) => q === positions[0] + i), `a later window: ${positions.join(',')}`);
      await lens.post({ type: 'reply', inReplyTo: moved.requestId as number, result: lensFor(p.summary, positions) } as never);
      const range = `tokens ${positions[0]}–${positions.at(-1)} of 40`;
      await lens.until(`document.querySelector('.logit-lens .hover-info')?.textContent.includes('${range}')`);
      assert.equal(await lens.page.locator('.lens-earlier').isDisabled(), false, 'and back again');
      await finish(lens);
    },
  },
  {
    name: 'logit lens: a run without one says why and asks nothing',
    run: async (ctx) => {
      const p = withLens(smallMasked(), 'the layers cannot be told apart: the graph has no Softmax feeding a MatMul');
      const lens = await openRun(ctx, p);
      await lens.tab('lens');
      await lens.until(`document.querySelector('.logit-lens .hover-info')?.textContent.includes('no Softmax feeding a MatMul')`);
      assert.equal((await lens.requests('logitLens')).length, 0);
      await finish(lens);
    },
  },
];
