// The matrix view's rollout entry: Show → Rollout asks the host for R of the shown layer, draws it (rows from the
// direct rollout of the payload's maps), hides the head selector, says what it shows; a selected input token asks
// the host to shade the text by its row, and going back to attention clears the shading.
import assert from 'node:assert/strict';
import { naiveRollout } from '../support/rolloutReference';
import { chooseOption, finish, openRun } from './interactionTests';
import { smallCausal } from './fixtures';
import type { LensPage } from './harness';
import type { Payload } from './payload';
import type { TestCase } from './run';

/** Answers the webview's rollout request with R of the layer asked, computed from the payload's maps. */
async function replyRollout(lens: LensPage, p: Payload, requestId: number, layer: number): Promise<Float32Array> {
  const view = p.summary.attentionSets[0];
  const tokens = p.summary.tokens.length;
  const maps = Array.from({ length: layer + 1 }, (_, l) => p.layer(l));
  const data = Float32Array.from(naiveRollout(maps, view.heads, tokens)[layer]);
  const meta = { runId: p.summary.runId, set: view.name, layer, heads: 1, queries: tokens, keys: tokens };
  const b64 = Buffer.from(data.buffer).toString('base64');
  await lens.page.evaluate(
    ({ requestId, meta, b64 }) => {
      const lens = (globalThis as unknown as { __lens: { deliver(x: unknown): void; fromB64(s: string): Float32Array } }).__lens;
      lens.deliver({ type: 'reply', inReplyTo: requestId, result: { ...meta, data: lens.fromB64(b64) } });
    },
    { requestId, meta, b64 },
  );
  return data;
}

const infoText = (lens: LensPage) => lens.page.locator('.matrix-view .hover-info').textContent();

export const rolloutTests: TestCase[] = [
  {
    name: 'matrix rollout entry: R of the layer drawn from the host reply, the selected token shades the text, attention clears it',
    run: async (ctx) => {
      const p = smallCausal();
      const lens = await openRun(ctx, p);
      await lens.tab('matrix');
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.startsWith('Layer 0,')`);
      const attention = await lens.ink('.matrix-view canvas');
      await chooseOption(lens, '.matrix-view .layer-select vscode-single-select', 2);
      await chooseOption(lens, '.matrix-view .show-select vscode-single-select', 1);
      assert.equal((await lens.lastState())?.matrixShows, 'rollout');
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.startsWith('Computing the rollout to layer 2')`);
      assert.equal(await lens.page.locator('.matrix-view .head-select').isHidden(), true, 'no head choice: R mixes every head');
      const [asked] = await lens.requests('rollout');
      assert.deepEqual({ ...asked, requestId: 0 }, { type: 'rollout', requestId: 0, runId: 1, set: 'self', layer: 2 });
      const r = await replyRollout(lens, p, asked.requestId as number, 2);
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.startsWith('Attention rollout R of layers 0–2')`);
      assert.notEqual((await lens.ink('.matrix-view canvas')).hash, attention.hash, 'the rollout is drawn, not the attention');
      // Hovering a cell reads R's value there.
      const plot = (await lens.page.locator('.matrix-view canvas').getAttribute('data-plot'))!.split(',').map(Number);
      const [left, top, cell] = plot;
      const box = (await lens.page.locator('.matrix-view canvas').boundingBox())!;
      await lens.page.mouse.move(box.x + left + cell * 3.5, box.y + top + cell * 9.5);
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.includes('query #9 → key #3')`);
      const hovered = (await infoText(lens)) ?? '';
      assert.ok(hovered.endsWith(r[9 * 40 + 3].toFixed(4)), hovered);
      assert.equal(r[3 * 40 + 9], 0, 'a causal run: R is 0 above the diagonal');
      await lens.page.screenshot({ path: `${ctx.shots}/matrix-rollout.png` });
      // Selecting token 9 asks the host to shade the text by its row; back to attention clears it.
      await lens.tab('tokens');
      await lens.page.locator('.chip[data-index="9"]').click();
      await lens.tab('matrix');
      await lens.until(`window.__lens.posted.some((m) => m.method === 'shadeRollout')`);
      const shade = await lens.requests('shadeRollout');
      assert.deepEqual(
        shade.map(({ requestId: _, ...m }) => m),
        [{ type: 'shadeRollout', runId: 1, set: 'self', layer: 2, query: 9 }],
      );
      await lens.page.locator('.matrix-view .show-select vscode-single-select').click();
      await lens.page.keyboard.press('ArrowUp');
      await lens.page.keyboard.press('Enter');
      await lens.settle();
      await lens.until(`window.__lens.posted.filter((m) => m.method === 'shadeRollout').length === 2`);
      const cleared = (await lens.requests('shadeRollout'))[1];
      assert.equal(cleared.query, null);
      assert.equal((await lens.lastState())?.matrixShows, 'attention');
      await finish(lens);
    },
  },
];
