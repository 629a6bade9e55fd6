// Clicking, hovering and keyboard use of the tokens, head, model and matrix views.
import assert from 'node:assert/strict';
import { LensPage } from './harness';
import { argmaxRow, weightAt } from './expect';
import { smallCausal } from './fixtures';
import type { Payload } from './payload';
import { predictionTests } from './predictionTests';
import { runStateTests } from './runStateTests';
import type { TestCase, TestContext } from './run';

export async function openRun(ctx: TestContext, p: Payload, view: 'inspector' | 'sidebar' = 'inspector'): Promise<LensPage> {
  const lens = await LensPage.open(ctx.browser, ctx.origin, view, 'dark');
  await lens.sendRun(p);
  await lens.until(
    view === 'inspector'
      ? `document.querySelectorAll('.token-list[data-list="input"] .chip').length === ${p.summary.tokens.length}`
      : `!!document.querySelector('.sidebar-view')`,
  );
  return lens;
}

export async function finish(lens: LensPage): Promise<void> {
  await lens.assertClean();
  await lens.page.close();
}

/** Opens a vscode-single-select and moves `steps` options down with the keyboard. */
export async function chooseOption(lens: LensPage, selector: string, steps: number): Promise<void> {
  await lens.page.locator(selector).click();
  for (let i = 0; i < steps; i++) await lens.page.keyboard.press('ArrowDown');
  await lens.page.keyboard.press('Enter');
  await lens.settle();
}

async function info(lens: LensPage, view: string): Promise<string> {
  return (await lens.page.locator(`.${view}-view .hover-info`).textContent()) ?? '';
}

const label = (p: Payload, i: number): string => JSON.stringify(p.summary.tokens[i].display);

export const interactionTests: TestCase[] = [
  {
    name: 'clicking a token posts RevealToken and selects it in every view',
    run: async (ctx) => {
      const p = smallCausal();
      const lens = await openRun(ctx, p);
      await lens.page.locator('.chip[data-index="7"]').click();
      await lens.settle();
      const reveal = (await lens.posted()).filter((m) => m.type === 'revealToken');
      assert.deepEqual(reveal, [{ type: 'revealToken', runId: 1, index: 7 }]);
      assert.equal(await lens.page.locator('.chip[data-index="7"]').getAttribute('aria-selected'), 'true');
      assert.equal((await lens.lastState())?.selected, 7);
      await lens.tab('head');
      await lens.until(`document.querySelector('.head-view .hover-info').textContent.includes('attends to')`);
      assert.ok((await info(lens, 'head')).startsWith(`${label(p, 7)} attends to`), await info(lens, 'head'));
      await lens.tab('predictions');
      assert.match((await lens.page.locator('.predictions-view .section-title').first().textContent()) ?? '', /^Next token after #7 /);
      await lens.tab('matrix');
      await lens.until(`!document.querySelector('.matrix-view .hover-info').textContent.startsWith('Loading')`);
      const before = await lens.ink('.matrix-view canvas');
      await lens.tab('tokens');
      await lens.page.locator('.chip[data-index="20"]').click();
      await lens.tab('matrix');
      assert.notEqual((await lens.ink('.matrix-view canvas')).hash, before.hash, 'the matrix marks the newly selected row');
      await finish(lens);
    },
  },
  {
    name: 'arrow keys move the token selection and Enter reveals it',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      await lens.page.locator('.chip[data-index="0"]').focus();
      for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowLeft', 'Enter']) await lens.page.keyboard.press(key);
      await lens.settle();
      assert.equal((await lens.lastState())?.selected, 2);
      assert.deepEqual(
        (await lens.posted()).filter((m) => m.type === 'revealToken').map((m) => m.index),
        [2],
      );
      assert.equal(await lens.page.evaluate('document.activeElement.dataset.index'), '2');
      await finish(lens);
    },
  },
  {
    name: 'head view: hovering a query shows what it attends to, a key what attends to it, and redraws',
    run: async (ctx) => {
      const p = smallCausal();
      const lens = await openRun(ctx, p);
      await lens.tab('head');
      await lens.until(`!document.querySelector('.head-view .hover-info').textContent.startsWith('Loading')`);
      const idle = await lens.ink('.head-canvas');
      const box = (await lens.page.locator('.head-canvas').boundingBox())!;
      await lens.page.mouse.move(box.x + 30, box.y + 18 * 12 + 9);
      await lens.settle();
      const hoverText = await info(lens, 'head');
      const top = argmaxRow(p.layer(0), p.summary.tokens.length, 0, 12);
      assert.ok(hoverText.startsWith(`${label(p, 12)} attends to (layer 0, head 0): ${label(p, top)} `), hoverText);
      const hovered = await lens.ink('.head-canvas');
      assert.notEqual(hovered.hash, idle.hash);
      await lens.page.mouse.move(box.x + box.width - 30, box.y + 18 * 3 + 9);
      await lens.settle();
      assert.ok((await info(lens, 'head')).startsWith(`${label(p, 3)} is attended by`), await info(lens, 'head'));
      await finish(lens);
    },
  },
  {
    name: 'head view: head checkboxes overlay several heads, each in its colour',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      await lens.tab('head');
      await lens.until(`!document.querySelector('.head-view .hover-info').textContent.startsWith('Loading')`);
      const one = await lens.ink('.head-canvas');
      await lens.page.locator('vscode-checkbox[data-head="2"]').click();
      await lens.settle();
      assert.deepEqual((await lens.lastState())?.heads, [0, 2]);
      const two = await lens.ink('.head-canvas');
      assert.notEqual(two.hash, one.hash);
      assert.ok(two.inked > one.inked, 'more lines with two heads');
      await lens.page.locator('vscode-checkbox[data-head="0"]').click();
      await lens.settle();
      assert.deepEqual((await lens.lastState())?.heads, [2]);
      await finish(lens);
    },
  },
  {
    name: 'the layer selector requests that layer and the views show it',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      await lens.tab('matrix');
      await chooseOption(lens, '.matrix-view .layer-select vscode-single-select', 2);
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.startsWith('Layer 2,')`);
      const requests = await lens.requests('layer');
      assert.deepEqual(
        requests.map((m) => [m.runId, m.layer]),
        [
          [1, 0],
          [1, 2],
        ],
      );
      assert.ok(
        requests.every((m, i) => m.requestId === i + 1),
        'request ids count up',
      );
      await chooseOption(lens, '.matrix-view .head-select vscode-single-select', 2);
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.startsWith('Layer 2, head 1 ')`);
      await lens.tab('head');
      assert.equal(await lens.page.evaluate(`document.querySelector('.head-view .layer-select vscode-single-select').value`), '2');
      await finish(lens);
    },
  },
  {
    name: 'views ask only for the heads they show: the head view its ticked heads, the matrix one head or their mean',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      await lens.tab('head');
      await lens.until(`!document.querySelector('.head-view .hover-info').textContent.startsWith('Loading')`);
      assert.deepEqual(
        (await lens.requests('layer')).map((m) => [m.layer, m.heads]),
        [[0, [0]]],
        'head 0 of layer 0',
      );
      await lens.tab('matrix');
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.startsWith('Layer 0,')`);
      await chooseOption(lens, '.matrix-view .head-select vscode-single-select', 2);
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.startsWith('Layer 0, head 1 ')`);
      await chooseOption(lens, '.matrix-view .layer-select vscode-single-select', 2);
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.startsWith('Layer 2, head 1 ')`);
      assert.deepEqual(
        (await lens.requests('layer')).map((m) => [m.layer, m.heads]),
        [
          [0, [0]],
          [0, 'mean'],
          [0, [1]],
          [2, [1]],
        ],
        'the mean over heads is asked for as such (the host computes it), then head 1 of layer 0 and of layer 2 alone',
      );
      await finish(lens);
    },
  },
  {
    name: 'model view: clicking a cell opens that layer and head in the matrix view',
    run: async (ctx) => {
      const p = smallCausal();
      const lens = await openRun(ctx, p);
      await lens.tab('model');
      const box = (await lens.page.locator('.model-view canvas').boundingBox())!;
      const [left, top, pitch] = ((await lens.page.locator('.model-view canvas').getAttribute('data-grid')) ?? '').split(',').map(Number);
      await lens.page.mouse.click(box.x + left + pitch * 3 + pitch / 2 - 2, box.y + top + pitch * 2 + pitch / 2 - 2);
      await lens.settle();
      const state = await lens.lastState();
      assert.equal(state?.tab, 'matrix');
      assert.equal(state?.layer, 2);
      assert.equal(state?.head, 3);
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.startsWith('Layer 2, head 3 ')`);
      assert.ok((await lens.requests('layer')).some((m) => m.layer === 2));
      await finish(lens);
    },
  },
  {
    name: 'model view: arrow keys move between cells and Enter opens one',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      await lens.tab('model');
      await lens.page.locator('.model-view canvas').focus();
      for (const key of ['ArrowDown', 'ArrowRight', 'ArrowRight', 'Enter']) await lens.page.keyboard.press(key);
      await lens.settle();
      const state = await lens.lastState();
      assert.deepEqual([state?.tab, state?.layer, state?.head], ['matrix', 1, 2]);
      await finish(lens);
    },
  },
  {
    name: 'matrix: hovering shows a crosshair and "query → key: weight" with the exact value',
    run: async (ctx) => {
      const p = smallCausal();
      const n = p.summary.tokens.length;
      const lens = await openRun(ctx, p);
      await lens.tab('matrix');
      await lens.until(`!document.querySelector('.matrix-view .hover-info').textContent.startsWith('Loading')`);
      const [left, top, cell] = ((await lens.page.locator('.matrix-view canvas').getAttribute('data-plot')) ?? '').split(',').map(Number);
      const box = (await lens.page.locator('.matrix-view canvas').boundingBox())!;
      const before = await lens.ink('.matrix-view canvas');
      await lens.page.mouse.move(box.x + left + cell * 4.5, box.y + top + cell * 10.5);
      await lens.settle();
      const tip = (await lens.page.locator('.matrix-view .tooltip').textContent()) ?? '';
      assert.equal(await lens.page.locator('.matrix-view .tooltip').isVisible(), true);
      const m = /^(.*) → (.*): (\d\.\d{4})$/.exec(tip);
      assert.ok(m, tip);
      assert.equal(m[1], p.summary.tokens[10].display);
      assert.equal(m[2], p.summary.tokens[4].display);
      const expected = weightAt(p.layer(0), p.summary.model.heads, n, 'mean', 10, 4);
      assert.ok(Math.abs(Number(m[3]) - expected) < 1.5e-4, `${m[3]} vs ${expected}`);
      assert.notEqual((await lens.ink('.matrix-view canvas')).hash, before.hash, 'crosshair drawn');
      await finish(lens);
    },
  },
  {
    name: 'matrix: the wheel and +/−/0 keys zoom, arrow keys move the cell and pan',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      await lens.tab('matrix');
      await lens.until(`!document.querySelector('.matrix-view .hover-info').textContent.startsWith('Loading')`);
      const box = (await lens.page.locator('.matrix-view canvas').boundingBox())!;
      await lens.page.mouse.move(box.x + 200, box.y + 200);
      for (let i = 0; i < 4; i++) await lens.page.mouse.wheel(0, -100);
      await lens.settle();
      const zoomed = await lens.lastState();
      assert.ok(Number(zoomed?.zoom) > 20, `zoom ${zoomed?.zoom}`);
      assert.ok(Number(zoomed?.panX) > 0 || Number(zoomed?.panY) > 0, 'zooming about the mouse pans');
      await lens.page.locator('.matrix-view canvas').focus();
      await lens.page.keyboard.press('0');
      await lens.settle();
      assert.equal((await lens.lastState())?.zoom, 0);
      await lens.page.keyboard.press('+');
      await lens.page.keyboard.press('+');
      for (let i = 0; i < 39; i++) await lens.page.keyboard.press('ArrowDown');
      await lens.settle();
      const panned = await lens.lastState();
      assert.ok(Number(panned?.panY) > 0, 'moving the cell to the last row pans down');
      assert.match((await lens.page.locator('.matrix-view .hover-info').textContent()) ?? '', /query #39 → key #0/);
      await lens.page.keyboard.press('Enter');
      await lens.settle();
      assert.equal((await lens.lastState())?.selected, 39);
      await finish(lens);
    },
  },
  ...predictionTests,
  ...runStateTests,
];
