// Every view renders (ink on its canvases), in light and dark, with screenshots; recorded payloads too.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LensPage } from './harness';
import type { Payload } from './payload';
import { largeCausal, recordedPayloads, smallCausal, smallMasked } from './fixtures';
import type { TestCase, TestContext } from './run';

export const VIEWS = ['tokens', 'head', 'model', 'matrix', 'predictions'] as const;

/** Opens the inspector, sends a run and checks every tab; returns the page for more checks. */
export async function checkEveryView(ctx: TestContext, p: Payload, theme: string, shotPrefix: string | null): Promise<LensPage> {
  const lens = await LensPage.open(ctx.browser, ctx.origin, 'inspector', theme);
  await lens.sendRun(p);
  const page = lens.page;
  await page.locator('.chip').first().waitFor();
  assert.equal(await page.locator('.chip').count(), p.summary.tokens.length, 'one chip per token');
  assert.match((await page.locator('.summary .facts').textContent()) ?? '', new RegExp(`${p.summary.tokens.length} (of \\d+ )?tokens`));
  for (const view of VIEWS) {
    await lens.tab(view);
    if (view === 'head' || view === 'matrix')
      await lens.until(`!document.querySelector('.${view}-view .hover-info').textContent.startsWith('Loading')`);
    if (view === 'predictions')
      await lens.until(
        `![...document.querySelectorAll('.predictions-view .note')].some((n) => n.textContent.includes('Computing the full distribution'))`,
      );
    await lens.settle();
    const canvasSel = {
      tokens: null,
      head: '.head-canvas',
      model: '.model-view canvas',
      matrix: '.matrix-view canvas',
      predictions: p.summary.predictions.task === 'next-token' ? '.surprisal canvas' : null,
    }[view];
    if (canvasSel) {
      const ink = await lens.ink(canvasSel);
      assert.ok(
        ink.inked > ink.width * ink.height * 0.01,
        `${view}: the canvas has content (${ink.inked} of ${ink.width * ink.height} px)`,
      );
    }
    if (view === 'predictions') assert.ok((await page.locator('.predictions-view .bar-row').count()) >= 5, 'prediction bars are shown');
    if (shotPrefix) await page.screenshot({ path: join(ctx.shots, `${shotPrefix}-${view}-${theme}.png`) });
  }
  assert.deepEqual(lens.errors, []);
  assert.deepEqual(await lens.violations(), [], 'no CSP violations');
  return lens;
}

export const renderTests: TestCase[] = [
  ...(['dark', 'light'] as const).flatMap((theme) => [
    {
      name: `every view renders a causal run (${theme} theme, screenshots)`,
      run: async (ctx: TestContext) => void (await (await checkEveryView(ctx, smallCausal(), theme, 'causal')).page.close()),
    },
    {
      name: `every view renders a masked run (${theme} theme, screenshots)`,
      run: async (ctx: TestContext) => void (await (await checkEveryView(ctx, smallMasked(), theme, 'masked')).page.close()),
    },
  ]),
  {
    name: 'every view renders 512 tokens × 12 layers × 12 heads (high-contrast theme, screenshots)',
    run: async (ctx) => void (await (await checkEveryView(ctx, largeCausal(), 'hc', 'large')).page.close()),
  },
  ...recordedPayloads().map((p) => ({
    name: `every view renders the recorded payload ${p.name}`,
    run: async (ctx: TestContext) => void (await (await checkEveryView(ctx, p, 'dark', `recorded-${p.name}`)).page.close()),
  })),
  {
    name: 'the side view renders the focused token, its top keys and its predictions (screenshots)',
    run: async (ctx) => {
      for (const theme of ['dark', 'light']) {
        const lens = await LensPage.open(ctx.browser, ctx.origin, 'sidebar', theme, { width: 360, height: 720 });
        const p = smallCausal();
        await lens.sendRun(p);
        await lens.post({ type: 'focusToken', runId: p.summary.runId, index: 5 } as never);
        await lens.until(`document.querySelectorAll('.sidebar-view .bar-list')[0]?.children.length === 10`);
        await lens.settle();
        const label = p.summary.tokens[5].display;
        assert.ok(((await lens.page.locator('.focus-token').textContent()) ?? '').includes(JSON.stringify(label)));
        assert.ok((await lens.page.locator('.sidebar-view .prediction-groups .bar-row').count()) >= 5);
        // No sampling controls there: the model's own top-k as the run gave it, and no logits asked for.
        const next = p.summary.predictions.ranked[5].top;
        assert.deepEqual(
          await lens.page.locator('.sidebar-view .prediction-groups .bar-value').allTextContents(),
          next.map((t) => t.probability.toFixed(4)),
        );
        assert.equal((await lens.requests('logits')).length, 0);
        await lens.page.screenshot({ path: join(ctx.shots, `sidebar-${theme}.png`) });
        assert.deepEqual(lens.errors, []);
        assert.deepEqual(await lens.violations(), []);
        await lens.page.close();
      }
    },
  },
];
