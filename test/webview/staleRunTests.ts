// A run as the host replaces it or marks it stale: a new run starts with no token selected, a stale run says
// so with a one-click re-run, a click on its tokens says why the editor does not follow, and a cut selection's
// token count is said once.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ToWebviewMessage } from '../../src/protocol';
import { LensPage } from './harness';
import { finish, openRun } from './interactionTests';
import { smallCausal, smallMasked } from './fixtures';
import type { TestCase } from './run';

const STALE = 'The text changed after this run: what is shown is the text as it was.';

export const staleRunTests: TestCase[] = [
  {
    name: 'a new run starts with no token selected; the same run replayed keeps its selection',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal(1));
      await lens.page.locator('.chip[data-index="7"]').click();
      await lens.settle();
      assert.equal((await lens.lastState())?.selected, 7);
      // The host replays the shown run when a hidden view comes back: the selection stays.
      await lens.sendRun(smallCausal(1));
      await lens.settle();
      assert.equal((await lens.lastState())?.selected, 7);
      await lens.sendRun(smallMasked(2));
      await lens.until(`document.querySelectorAll('.chip').length === ${smallMasked(2).summary.tokens.length}`);
      await lens.settle();
      assert.equal((await lens.lastState())?.selected, null, "run 2 does not inherit run 1's token #7");
      assert.equal(await lens.page.locator('.chip.selected').count(), 0);
      await lens.tab('predictions');
      assert.doesNotMatch((await lens.page.locator('.predictions-view').textContent()) ?? '', /#7\b/);
      await finish(lens);
    },
  },
  {
    name: 'a stale run: the notice offers Re-run, and a clicked token says why the editor does not follow (screenshot)',
    run: async (ctx) => {
      const p = smallCausal(3);
      const lens = await openRun(ctx, p);
      assert.equal(await lens.page.locator('.notice.stale').isVisible(), false, 'a fresh run shows no stale notice');
      await lens.post({ type: 'stale', runId: 3, message: STALE } as ToWebviewMessage);
      await lens.settle();
      assert.equal(await lens.page.locator('.notice.stale').isVisible(), true);
      assert.equal((await lens.page.locator('.notice.stale .stale-line').textContent())?.trim(), `${STALE}Re-run`);
      await lens.page.locator('.chip[data-index="5"]').click();
      await lens.settle();
      assert.deepEqual(
        (await lens.posted()).filter((m) => m.type === 'revealToken'),
        [],
        'nothing asks the editor to select characters that moved',
      );
      assert.equal((await lens.lastState())?.selected, 5, 'the views still follow the clicked token');
      const why = (await lens.page.locator('.notice.stale .unrevealed').textContent()) ?? '';
      assert.equal(
        why,
        `Token #5 “${p.summary.tokens[5].display}” is not selected in the editor: the text there has changed since this run. Re-run to ` +
          `inspect it as it is now.`,
      );
      await lens.page.screenshot({ path: join(ctx.shots, 'stale-run-dark.png') });
      await lens.page.locator('.notice.stale .rerun').click();
      await lens.settle();
      assert.deepEqual(
        (await lens.posted()).filter((m) => m.type === 'rerun'),
        [{ type: 'rerun', runId: 3 }],
      );
      // The re-run's result replaces the notice.
      await lens.sendRun(smallCausal(4));
      await lens.settle();
      assert.equal(await lens.page.locator('.notice.stale').isVisible(), false);
      await finish(lens);
    },
  },
  {
    name: 'a cut selection: the whole count is said once, "at least" when counting stopped early (light, screenshot)',
    run: async (ctx) => {
      const base = smallCausal(6);
      const n = base.summary.tokens.length;
      const message =
        `The selection needs at least 61,440 tokens (counted in its first 250,000 characters); the model takes ${n}. ` +
        `Inspected up to line 1, column 200 of the selection (character 199 of 1,000,000).`;
      const summary = { ...base.summary, truncation: { totalTokens: 61_440, totalExact: false, keptTokens: n, keptUntil: 199, message } };
      const lens = await LensPage.open(ctx.browser, ctx.origin, 'inspector', 'light');
      await lens.sendRun({ ...base, summary });
      await lens.until(`document.querySelectorAll('.chip').length === ${n}`);
      await lens.settle();
      const header = (await lens.page.locator('.summary').textContent()) ?? '';
      assert.equal(header.split('61,440').length - 1, 1, `the count appears once: ${header}`);
      assert.match(header, /needs at least 61,440 tokens/);
      assert.match((await lens.page.locator('.summary .facts').textContent()) ?? '', new RegExp(`· ${n} tokens \\(cut\\) ·`));
      await lens.page.screenshot({ path: join(ctx.shots, 'truncated-light.png') });
      await finish(lens);
    },
  },
];
