// The panel's chrome: the header's one facts line, the toy-model notice, the side view's selectors and its
// "follow the inspector", keyboard focus (into the matrix, and a visible ring on everything focusable), and
// exports as titled figures (PNG at 2× with a colour scale, SVG of vector shapes, names that say what is inside).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LensPage } from './harness';
import { chooseOption, finish, openRun } from './interactionTests';
import { makePayload } from './makePayload';
import { smallCausal } from './fixtures';
import type { TestCase, TestContext } from './run';

const embeddedMasked = (runId = 1) =>
  makePayload({ name: 'embedded', kind: 'masked', tokens: 30, layers: 2, heads: 4, side: 30, runId, source: 'embedded' });

/** Asks the page for an export as the host does, and returns what it sent back. */
export async function exportView(
  lens: LensPage,
  format: 'png' | 'svg',
): Promise<{ name?: string; error?: string; png?: Buffer; svg?: string }> {
  const requestId = 900 + Math.floor(Math.random() * 1e6);
  await lens.post({ type: 'renderExport', requestId, format } as never);
  const done = `window.__lens.posted.some((m) => m.type === 'exportRendered' && m.requestId === ${requestId})`;
  await lens.until(done, 30_000);
  const m = (await lens.page.evaluate((id) => {
    const found = (globalThis as unknown as { __lens: { posted: Record<string, unknown>[] } }).__lens.posted.find(
      (x) => x.type === 'exportRendered' && x.requestId === id,
    )!;
    const data = found.data;
    return { name: found.name, error: found.error, data: typeof data === 'string' ? data : Array.from(data as Uint8Array) };
  }, requestId)) as { name?: string; error?: string; data: string | number[] };
  return {
    name: m.name,
    error: m.error,
    png: typeof m.data === 'string' ? undefined : Buffer.from(m.data),
    svg: typeof m.data === 'string' ? m.data : undefined,
  };
}

/** The selector's shown value is not cut off (its text fits its face). */
export async function assertSelectWhole(lens: LensPage, selector: string): Promise<void> {
  const face = await lens.page.evaluate<{ sw: number; cw: number; text: string }>(
    `(() => { const t = document.querySelector('${selector} vscode-single-select').shadowRoot.querySelector('.select-face .text'); ` +
      `return { sw: t.scrollWidth, cw: t.clientWidth, text: t.textContent.trim() }; })()`,
  );
  assert.ok(face.sw <= face.cw, `${selector}: "${face.text}" is not cut off (${face.sw} > ${face.cw})`);
}

/** A PNG's pixel size from its IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Total area (in the raster's own pixels) of the rect paths the SVG surface made from a view's raster. */
function rasterArea(svg: string): number {
  let area = 0;
  for (const g of svg.matchAll(/<g[^>]*shape-rendering="crispEdges">(.*?)<\/g>/g)) {
    for (const m of g[1].matchAll(/M\d+ \d+h(\d+)v(\d+)h-\d+z/g)) area += Number(m[1]) * Number(m[2]);
  }
  return area;
}

const escaped = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Every element the Tab key reaches in the shown tab shows a visible change (its focus ring) when focused. */
async function checkFocusRings(lens: LensPage, view: string, shots: string): Promise<number> {
  const seen = new Set<string>();
  // The focused element: an id for it, and its box (the page's own code, as a string: the tests have no DOM types).
  const probe = `(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    const r = e.getBoundingClientRect();
    const d = e.dataset || {};
    return { id: e.tagName + '.' + e.className + '#' + (d.index ?? d.tab ?? d.head ?? '') + '@' + Math.round(r.top) + ':' +
      Math.round(r.left), x: r.left, y: r.top, width: r.width, height: r.height };
  })()`;
  await lens.page.evaluate('document.activeElement && document.activeElement.blur()');
  for (let i = 0; i < 40; i++) {
    await lens.page.keyboard.press('Tab');
    await lens.settle();
    const box = await lens.page.evaluate<{ id: string; x: number; y: number; width: number; height: number } | null>(probe);
    if (!box) break;
    if (seen.has(box.id)) continue;
    seen.add(box.id);
    const vp = lens.page.viewportSize()!;
    const x = Math.max(0, Math.floor(box.x) - 4);
    const y = Math.max(0, Math.floor(box.y) - 4);
    const clip = {
      x,
      y,
      width: Math.min(vp.width - x, Math.ceil(box.width) + 8),
      height: Math.min(vp.height - y, Math.ceil(box.height) + 8),
    };
    if (clip.width <= 0 || clip.height <= 0) continue;
    const focused = await lens.page.screenshot({ clip });
    await lens.page.evaluate('window.__probed = document.activeElement; document.activeElement.blur()');
    await lens.settle();
    const blurred = await lens.page.screenshot({ clip });
    if (focused.equals(blurred)) {
      await lens.page.screenshot({ path: join(shots, `focus-missing-${view}.png`) });
      assert.fail(`${view}: focusing ${box.id} changes nothing on screen (no visible focus ring)`);
    }
    // Back to where the walk was, as the keyboard left it.
    await lens.page.evaluate('window.__probed.focus({ focusVisible: true })');
  }
  return seen.size;
}

export const chromeTests: TestCase[] = [
  {
    name: 'header: the facts line and the tab headers wrap in a narrow panel, cut off nowhere (screenshot)',
    run: async (ctx: TestContext) => {
      const lens = await LensPage.open(ctx.browser, ctx.origin, 'inspector', 'light', { width: 520, height: 500 });
      const p = smallCausal();
      await lens.sendRun(p);
      await lens.post({ type: 'status', state: 'idle', message: 'No selection: inspected line 4' } as never);
      await lens.until(`document.querySelectorAll('.chip').length > 0`);
      await lens.settle();
      const facts = await lens.page.evaluate<{ text: string; sw: number; cw: number; h: number }>(
        `(() => { const f = document.querySelector('.summary .facts'); return { text: f.textContent, sw: f.scrollWidth, cw: ` +
          `f.clientWidth, h: f.getBoundingClientRect().height }; })()`,
      );
      for (const part of [
        p.summary.model.id,
        'causal LM (GPT2LMHeadModel, 4×4)',
        'CPU (fell back: CUDA is not installed)',
        '40 tokens (cut)',
        'total 360 ms',
      ])
        assert.ok(facts.text.includes(part), `the facts say ${part}: ${facts.text}`);
      assert.ok(facts.sw <= facts.cw, `nothing overflows the facts line (${facts.sw} > ${facts.cw})`);
      assert.ok(facts.h > 30, `the facts wrap onto more lines in a narrow panel (${facts.h} px high)`);
      assert.equal(await lens.page.locator('.summary .status').textContent(), 'No selection: inspected line 4');
      // Every tab's header is on screen, wrapped onto a second line rather than cut off at the panel's edge.
      const headers = await lens.page.evaluate<{ tab: string; right: number }[]>(
        `[...document.querySelectorAll('vscode-tab-header')].map((h) => ({ tab: h.dataset.tab, right: h.getBoundingClientRect().right }))`,
      );
      assert.equal(headers.length, 7);
      for (const h of headers) assert.ok(h.right <= 520, `the ${h.tab} tab's header ends inside the panel (at ${h.right} px)`);
      await lens.page.screenshot({ path: join(ctx.shots, 'header-narrow-light.png') });
      await finish(lens);
    },
  },
  {
    name: 'toy model: an embedded model gets one plain notice whose button asks for the model picker; other models none',
    run: async (ctx) => {
      const lens = await LensPage.open(ctx.browser, ctx.origin, 'inspector', 'dark', { width: 900, height: 500 });
      await lens.sendRun(embeddedMasked());
      await lens.until(`document.querySelectorAll('.chip').length > 0`);
      await lens.settle();
      const notice = lens.page.locator('.toy-model');
      assert.equal(await notice.isVisible(), true);
      const text = (await notice.textContent()) ?? '';
      assert.match(text, /^synthetic\/bert-shaped is a tiny model trained by this project .*its guesses are weak/);
      const mentions = await lens.page.evaluate<number>(`document.body.innerText.split('tiny model trained by this project').length - 1`);
      assert.equal(mentions, 1, 'said once');
      await lens.page.screenshot({ path: join(ctx.shots, 'toy-model-notice-dark.png') });
      await notice.locator('vscode-button').click();
      assert.deepEqual(
        (await lens.posted()).filter((m) => m.type === 'selectModel'),
        [{ type: 'selectModel' }],
      );
      await lens.sendRun(smallCausal(2));
      await lens.settle();
      assert.equal(await notice.isVisible(), false, 'a model from a folder or the Hub gets no notice');
      await finish(lens);
      const side = await LensPage.open(ctx.browser, ctx.origin, 'sidebar', 'dark', { width: 300, height: 500 });
      await side.sendRun(embeddedMasked());
      await side.settle();
      assert.equal(await side.page.locator('.toy-model').isVisible(), false, 'the side view leaves it to the inspector');
      await finish(side);
    },
  },
  {
    name: 'side view: the selectors read whole in a 240 px side bar, and it follows the inspector’s layer and head (screenshot)',
    run: async (ctx) => {
      const side = await LensPage.open(ctx.browser, ctx.origin, 'sidebar', 'dark', { width: 240, height: 640 });
      await side.sendRun(smallCausal());
      await side.post({ type: 'focusToken', runId: 1, index: 5 } as never);
      await side.settle();
      for (const sel of ['.layer-select', '.head-select']) await assertSelectWhole(side, `.sidebar-view ${sel}`);
      assert.equal(
        await side.page.locator('.follow-inspector').evaluate((e) => (e as unknown as { checked: boolean }).checked),
        true,
        'follows by default',
      );
      await side.post({ type: 'inspectorFocus', layer: 2, head: 3 } as never);
      await side.settle();
      assert.deepEqual([(await side.lastState())?.layer, (await side.lastState())?.head], [2, 3]);
      await side.until(`document.querySelector('.sidebar-view .section-title').textContent === 'Attends to (layer 2, head 3)'`);
      await side.page.screenshot({ path: join(ctx.shots, 'sidebar-narrow-dark.png') });
      await side.page.locator('.follow-inspector').click();
      await side.post({ type: 'inspectorFocus', layer: 1, head: 'mean' } as never);
      await side.settle();
      assert.deepEqual([(await side.lastState())?.layer, (await side.lastState())?.head], [2, 3], 'unticked: it keeps its own');
      await side.page.locator('.follow-inspector').click();
      await side.settle();
      assert.deepEqual(
        [(await side.lastState())?.layer, (await side.lastState())?.head],
        [1, 'mean'],
        'ticked again: it takes the inspector’s',
      );
      await finish(side);
      // The inspector says when its layer or head changes.
      const lens = await openRun(ctx, smallCausal());
      await lens.tab('matrix');
      await chooseOption(lens, '.matrix-view .layer-select vscode-single-select', 2);
      await lens.until(`window.__lens.posted.some((m) => m.type === 'viewFocus' && m.layer === 2)`);
      assert.deepEqual((await lens.posted()).filter((m) => m.type === 'viewFocus').pop(), { type: 'viewFocus', layer: 2, head: 'mean' });
      await finish(lens);
    },
  },
  {
    name: 'keyboard: Enter on a model-view cell opens it in the matrix with the focus in the matrix',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      await lens.tab('model');
      await lens.page.locator('.model-view canvas').focus();
      for (const key of ['ArrowDown', 'ArrowRight', 'Enter']) await lens.page.keyboard.press(key);
      await lens.settle();
      await lens.until(`document.activeElement === document.querySelector('.matrix-view canvas')`);
      await lens.until(`!document.querySelector('.matrix-view .hover-info').textContent.startsWith('Loading')`);
      await lens.page.keyboard.press('ArrowDown');
      await lens.settle();
      assert.match((await lens.page.locator('.matrix-view .hover-info').textContent()) ?? '', /^Layer 1, head 1 · query #1 → key #0/);
      await finish(lens);
    },
  },
  {
    name: 'keyboard: every element Tab reaches in every view shows a visible focus ring',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      let total = 0;
      for (const view of ['tokens', 'head', 'model', 'matrix', 'predictions']) {
        await lens.tab(view);
        if (view === 'head' || view === 'matrix')
          await lens.until(`!document.querySelector('.${view}-view .hover-info').textContent.startsWith('Loading')`);
        total += await checkFocusRings(lens, view, ctx.shots);
      }
      assert.ok(total >= 15, `the walk reached the views' controls (${total} elements)`);
      await finish(lens);
    },
  },
  {
    name: 'export: PNG is a titled figure at 2× pixels with a colour scale, named for what it shows',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      await lens.tab('model');
      const canvas = await lens.page.evaluate<[number, number]>(
        `(() => { const c = document.querySelector('.model-view canvas'); return [parseFloat(c.style.width), ` +
          `parseFloat(c.style.height)]; })()`,
      );
      const png = await exportView(lens, 'png');
      assert.equal(png.error, undefined);
      assert.equal(png.name, 'model-view');
      const size = pngSize(png.png!);
      assert.equal(size.width, 2 * Math.max(360, Math.ceil(canvas[0])), 'twice the view’s CSS width');
      // The model view draws its colour bar beside the grid (it is in the view's own drawing); the figure adds the title.
      assert.ok(size.height >= 2 * (canvas[1] + 20), `room for the title above the view (${size.height} px for a ${canvas[1]} px view)`);
      // Look at it: the figure as a page would show it.
      const shot = await ctx.browser.newPage({ viewport: { width: size.width / 2, height: size.height / 2 }, deviceScaleFactor: 2 });
      await shot.setContent(
        `<body style="margin:0"><img style="width:100%" src="data:image/png;base64,${png.png!.toString('base64')}"></body>`,
      );
      await shot.screenshot({ path: join(ctx.shots, 'export-model-view.png') });
      await shot.close();
      await finish(lens);
    },
  },
  {
    name: 'export: SVG is vector shapes (a rect per heatmap cell, text as text, no embedded image) with the title',
    run: async (ctx) => {
      const p = smallCausal();
      const n = p.summary.tokens.length;
      const lens = await openRun(ctx, p);
      await lens.tab('matrix');
      await lens.until(`!document.querySelector('.matrix-view .hover-info').textContent.startsWith('Loading')`);
      const svg = (await exportView(lens, 'svg')).svg!;
      assert.doesNotMatch(svg, /<image|data:image/, 'no raster inside');
      assert.ok(
        svg.includes(`>${escaped('synthetic/gpt2-shaped · Attention matrix · layer 0 · mean of heads')}</text>`),
        'the title is text',
      );
      assert.equal(rasterArea(svg), n * n, 'the heatmap’s cells are covered by rects exactly once');
      await lens.tab('head');
      await lens.page.locator('vscode-checkbox[data-head="2"]').click();
      await lens.settle();
      const head = await exportView(lens, 'svg');
      assert.equal(head.name, 'head-view_L0_H0+2');
      assert.ok(head.svg!.includes(`>${escaped('synthetic/gpt2-shaped · Head view · layer 0 · heads 0, 2')}</text>`));
      const strokes = new Set([...head.svg!.matchAll(/<path d="[^"]+" fill="none" stroke="([^"]+)"/g)].map((m) => m[1]));
      assert.ok(strokes.size >= 2, `one line colour per head (${[...strokes].join(', ')})`);
      assert.ok(head.svg!.includes('>H0</text>') && head.svg!.includes('>H2</text>'), 'the legend names the heads');
      const page = await ctx.browser.newPage({ viewport: { width: 1000, height: 900 } });
      await page.setContent(`<body style="margin:0">${svg}</body>`);
      await page.screenshot({ path: join(ctx.shots, 'export-matrix-svg.png') });
      await page.close();
      await finish(lens);
    },
  },
  {
    name: 'export: each view names what its picture shows (view, layer, head, token)',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      await lens.page.locator('.chip[data-index="7"]').click();
      assert.equal((await exportView(lens, 'png')).name, 'tokens');
      await lens.tab('predictions');
      assert.equal((await exportView(lens, 'svg')).name, 'predictions_T7');
      await lens.tab('matrix');
      await chooseOption(lens, '.matrix-view .head-select vscode-single-select', 2);
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.startsWith('Layer 0, head 1 ')`);
      assert.equal((await exportView(lens, 'svg')).name, 'matrix_L0_H1');
      await finish(lens);
      const side = await openRun(ctx, smallCausal(), 'sidebar');
      await side.post({ type: 'focusToken', runId: 1, index: 5 } as never);
      await side.settle();
      assert.equal((await exportView(side, 'png')).name, 'side-view_L0_mean_T5');
      await finish(side);
    },
  },
];
