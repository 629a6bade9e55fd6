// Grouped-query attention and sliding windows as the views show them: which key/value head each query head shares
// (query head h reads KV head ⌊h ÷ (heads ÷ kvHeads)⌋, as transformers' repeat_kv does) in the selectors, the head
// toggles, the model view and the side view; a sliding-window layer named as one; the model info line. The panel is
// opened at the size it has beside an editor. A multi-head run's labels stay as they were.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertSelectWhole, exportView } from './chromeTests';
import { smallCausal } from './fixtures';
import { gqaPayload } from './gqaPayload';
import { LensPage } from './harness';
import { chooseOption, finish } from './interactionTests';
import type { Payload } from './payload';
import type { TestCase, TestContext } from './run';

/** The inspector beside an editor, as the integration tier's 1400 × 860 workbench lays it out (with the side bar open). */
const BESIDE_EDITOR = { width: 520, height: 780 };

const qwenShaped = gqaPayload({ name: 'gqa-14-2', layers: 4, heads: 14, kvHeads: 2, tokens: 24 });
const smallGqa = gqaPayload({ name: 'gqa-4-2', layers: 2, heads: 4, kvHeads: 2, tokens: 20 });
const gemmaShaped = gqaPayload({
  name: 'gqa-window',
  layers: 2,
  heads: 4,
  kvHeads: 2,
  tokens: 20,
  slidingWindow: { size: 4, layers: [0] },
  attnSoftcap: 50,
});

const modernBertShaped = gqaPayload({
  name: 'modernbert-window',
  layers: 3,
  heads: 4,
  kvHeads: 4,
  tokens: 20,
  slidingWindow: { size: 8, layers: [1], around: true },
  masked: true,
});

async function openBeside(ctx: TestContext, p: Payload): Promise<LensPage> {
  const lens = await LensPage.open(ctx.browser, ctx.origin, 'inspector', 'dark', BESIDE_EDITOR);
  await lens.sendRun(p);
  await lens.until(`document.querySelectorAll('.chip').length === ${p.summary.tokens.length}`);
  return lens;
}

async function options(lens: LensPage, selector: string): Promise<string[]> {
  return (await lens.page.locator(`${selector} vscode-option`).allTextContents()).map((t) => t.trim());
}

async function text(lens: LensPage, selector: string): Promise<string> {
  return ((await lens.page.locator(selector).first().textContent()) ?? '').trim();
}

/** "Head h · KV k" for every head, k worked out here as repeat_kv lays the KV heads out. */
function expectedHeads(heads: number, kvHeads: number): string[] {
  const perKv = heads / kvHeads;
  return ['Mean of heads', ...Array.from({ length: heads }, (_, h) => `Head ${h} · KV ${Math.floor(h / perKv)}`)];
}

/** Moves the mouse over a model-view thumbnail (data-grid: left, top, pitch). */
async function hoverThumbnail(lens: LensPage, layer: number, head: number): Promise<void> {
  await lens.page.mouse.move(...(await thumbnailPoint(lens, layer, head)));
  await lens.settle();
}

export const gqaTests: TestCase[] = [
  {
    name: 'grouped-query: 14 query heads on 2 KV heads — selectors, toggles, model view and info line say which they share (screenshot)',
    run: async (ctx) => {
      const lens = await openBeside(ctx, qwenShaped);
      const facts = await text(lens, '.summary .facts');
      assert.ok(facts.includes('causal LM (Llama family) (LlamaForCausalLM, 4×14) · 14 query heads share 2 key/value heads ·'), facts);
      await lens.tab('matrix');
      assert.deepEqual(await options(lens, '.matrix-view .head-select'), expectedHeads(14, 2));
      assert.equal((await options(lens, '.matrix-view .head-select'))[6 + 1], 'Head 6 · KV 0', 'the last head of the first group');
      assert.equal((await options(lens, '.matrix-view .head-select'))[7 + 1], 'Head 7 · KV 1', 'the first of the second');
      await chooseOption(lens, '.matrix-view .head-select vscode-single-select', 14);
      await assertSelectWhole(lens, '.matrix-view .head-select');
      await lens.tab('head');
      // The toggles in one group per KV head: H0–H6 share KV 0, H7–H13 KV 1.
      const groups = await lens.page.evaluate<string[]>(
        `Array.from(document.querySelectorAll('.head-view .kv-group'), (g) => ` +
          `[g.getAttribute('aria-label'), ...Array.from(g.children, (c) => c.textContent.trim())].join(' '))`,
      );
      assert.deepEqual(groups, [
        'Heads 0–6: they share key/value head 0 KV 0: H0 H1 H2 H3 H4 H5 H6',
        'Heads 7–13: they share key/value head 1 KV 1: H7 H8 H9 H10 H11 H12 H13',
      ]);
      await lens.page.locator('.head-view vscode-button', { hasText: 'All heads' }).click();
      await lens.settle();
      await lens.page.screenshot({ path: join(ctx.shots, 'gqa-head-14x2-beside-editor.png') });
      await lens.tab('model');
      await lens.until(`document.querySelector('.model-view .caption').textContent.startsWith('Each map')`);
      assert.match(await text(lens, '.model-view .caption'), /The heads under one KV bracket share a key\/value head\.$/);
      await hoverThumbnail(lens, 1, 9);
      assert.match(await text(lens, '.model-view .hover-info'), /^Layer 1, head 9 · KV 1: strongest weight \d\.\d{3}\./);
      await lens.page.screenshot({ path: join(ctx.shots, 'gqa-model-14x2-beside-editor.png') });
      // A thumbnail opens its head in the matrix, which names the KV head too.
      await lens.page.mouse.click(...(await thumbnailPoint(lens, 2, 3)));
      await lens.settle();
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.startsWith('Layer 2, head 3 · KV 0 · 24×24')`);
      const svg = await exportView(lens, 'svg');
      assert.ok(svg.svg?.includes('Attention matrix · layer 2 · head 3 · KV 0'), 'the export caption names the KV head');
      await finish(lens);
    },
  },
  {
    name: 'grouped-query: 4 query heads on 2 KV heads; a multi-head run shows no KV at all',
    run: async (ctx) => {
      const lens = await openBeside(ctx, smallGqa);
      await lens.tab('matrix');
      assert.deepEqual(await options(lens, '.matrix-view .head-select'), [
        'Mean of heads',
        'Head 0 · KV 0',
        'Head 1 · KV 0',
        'Head 2 · KV 1',
        'Head 3 · KV 1',
      ]);
      assert.ok((await text(lens, '.summary .facts')).includes('4 query heads share 2 key/value heads'));
      await lens.sendRun(smallCausal(2));
      await lens.settle();
      assert.deepEqual(await options(lens, '.matrix-view .head-select'), ['Mean of heads', 'Head 0', 'Head 1', 'Head 2', 'Head 3']);
      assert.deepEqual(await options(lens, '.matrix-view .layer-select'), ['Layer 0', 'Layer 1', 'Layer 2', 'Layer 3']);
      assert.equal(await lens.page.locator('.head-view .kv-group').count(), 0);
      assert.doesNotMatch(await text(lens, '.summary .facts'), /key\/value|sliding|soft-cap/);
      await finish(lens);
    },
  },
  {
    name: 'sliding window: the layer selector, the matrix, the model view and the info line name the window and the soft-cap (screenshot)',
    run: async (ctx) => {
      const lens = await openBeside(ctx, gemmaShaped);
      const facts = await text(lens, '.summary .facts');
      assert.ok(facts.includes('4 query heads share 2 key/value heads · sliding window 4 in layer 0 · attention soft-cap 50'), facts);
      await lens.tab('matrix');
      assert.deepEqual(await options(lens, '.matrix-view .layer-select'), ['Layer 0 · sliding window 4', 'Layer 1']);
      await chooseOption(lens, '.matrix-view .head-select vscode-single-select', 3);
      await lens.until(
        `document.querySelector('.matrix-view .hover-info').textContent.startsWith('Layer 0 · sliding window 4, head 2 · KV 1 · 20×20')`,
      );
      for (const sel of ['.layer-select', '.head-select']) await assertSelectWhole(lens, `.matrix-view ${sel}`);
      await lens.page.screenshot({ path: join(ctx.shots, 'gqa-matrix-window-beside-editor.png') });
      await chooseOption(lens, '.matrix-view .layer-select vscode-single-select', 1);
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.startsWith('Layer 1, head 2 · KV 1 · 20×20')`);
      await lens.tab('model');
      await lens.until(`document.querySelector('.model-view .caption').textContent.startsWith('Each map')`);
      assert.match(await text(lens, '.model-view .caption'), /"win N": the layer sees only a sliding window of N tokens\.$/);
      await hoverThumbnail(lens, 0, 1);
      assert.match(await text(lens, '.model-view .hover-info'), /^Layer 0 · sliding window 4, head 1 · KV 0: strongest weight/);
      await lens.page.screenshot({ path: join(ctx.shots, 'gqa-model-window-beside-editor.png') });
      await finish(lens);
    },
  },
  {
    name: 'a window around each token (ModernBERT): "±4" in facts, the layer selector and the model view, zeros both sides (screenshots)',
    run: async (ctx) => {
      const lens = await openBeside(ctx, modernBertShaped);
      assert.ok((await text(lens, '.summary .facts')).includes('sliding window ±4 in layer 1'), await text(lens, '.summary .facts'));
      await lens.tab('matrix');
      assert.deepEqual(await options(lens, '.matrix-view .layer-select'), ['Layer 0', 'Layer 1 · sliding window ±4', 'Layer 2']);
      await chooseOption(lens, '.matrix-view .layer-select vscode-single-select', 1);
      await lens.until(
        `document.querySelector('.matrix-view .hover-info').textContent.startsWith('Layer 1 · sliding window ±4, mean of heads')`,
      );
      await lens.page.screenshot({ path: join(ctx.shots, 'modernbert-matrix-window-beside-editor.png') });
      await lens.tab('model');
      await lens.until(`document.querySelector('.model-view .caption').textContent.startsWith('Each map')`);
      assert.match(await text(lens, '.model-view .caption'), /"win ±N": the layer sees only the N tokens on either side of each token\.$/);
      await hoverThumbnail(lens, 1, 0);
      assert.match(await text(lens, '.model-view .hover-info'), /^Layer 1 · sliding window ±4, head 0: strongest weight/);
      await lens.page.screenshot({ path: join(ctx.shots, 'modernbert-model-window-beside-editor.png') });
      await finish(lens);
    },
  },
  {
    name: 'grouped-query: the side view names the KV head and the window, its selectors whole in a 300 px side bar (screenshot)',
    run: async (ctx) => {
      const side = await LensPage.open(ctx.browser, ctx.origin, 'sidebar', 'dark', { width: 300, height: 640 });
      await side.sendRun(gemmaShaped);
      await side.post({ type: 'focusToken', runId: 1, index: 6 } as never);
      await side.post({ type: 'inspectorFocus', layer: 0, head: 3 } as never);
      await side.settle();
      await side.until(
        `document.querySelector('.sidebar-view .section-title').textContent === 'Attends to (layer 0 · sliding window 4, head 3 · KV 1)'`,
      );
      for (const sel of ['.layer-select', '.head-select']) await assertSelectWhole(side, `.sidebar-view ${sel}`);
      // A sliding-window layer attends within its window: token 6 sees keys 3…6 only (the rest of the top 10 weigh 0).
      const bars = await side.page
        .locator('.sidebar-view .bar-list')
        .first()
        .locator('.bar-row')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
      const weighed = bars.filter((b) => Number(b.split(': ').pop()) > 0).map((b) => Number(/^#(\d+)/.exec(b)?.[1]));
      assert.deepEqual(
        weighed.sort((a, b) => a - b),
        [3, 4, 5, 6],
        bars.join(' | '),
      );
      await side.page.screenshot({ path: join(ctx.shots, 'gqa-sidebar-window-dark.png') });
      await finish(side);
    },
  },
];

/** The page point over a model-view thumbnail, for a click. */
async function thumbnailPoint(lens: LensPage, layer: number, head: number): Promise<[number, number]> {
  const [left, top, pitch] = ((await lens.page.locator('.model-view canvas').getAttribute('data-grid')) ?? '').split(',').map(Number);
  const box = (await lens.page.locator('.model-view canvas').boundingBox())!;
  return [box.x + left + pitch * (head + 0.5), box.y + top + pitch * (layer + 0.5)];
}
