// Head ablation in the webview: shift-click in the model view asks the host for the ablated predictions, the
// predictions view shows each change (Δ probability, rank move) beside the plain run's, the mode and Reset act, and
// a model whose graph cannot take a gate says why.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { AblationView } from '../../src/protocol/ablation';
import { smallCausal } from './fixtures';
import type { LensPage } from './harness';
import { chooseOption, finish, openRun } from './interactionTests';
import type { Payload } from './payload';
import type { TestCase } from './run';

const withAblation = (p: Payload, ablation: Payload['summary']['ablation']): Payload => ({ ...p, summary: { ...p.summary, ablation } });

export async function shiftClickCell(lens: LensPage, layer: number, head: number): Promise<void> {
  const canvas = lens.page.locator('.model-view canvas');
  const box = (await canvas.boundingBox())!;
  const [left, top, pitch] = ((await canvas.getAttribute('data-grid')) ?? '').split(',').map(Number);
  await lens.page.keyboard.down('Shift');
  await lens.page.mouse.click(box.x + left + pitch * head + pitch / 2 - 2, box.y + top + pitch * layer + pitch / 2 - 2);
  await lens.page.keyboard.up('Shift');
  await lens.settle();
}

/** The host's answer at position 5: the plain run's second token moves to first, its first falls out of the top 50. */
function answer(p: Payload, requestId: number, heads: string[], mode: 'zero' | 'mean'): { inReplyTo: number; result: AblationView } {
  const top = p.summary.predictions.ranked[5].top;
  const result: AblationView = {
    runId: p.summary.runId,
    ablated: heads,
    mode,
    candidates: 50,
    positions: [
      {
        position: 5,
        changes: [
          {
            id: top[1].id,
            token: top[1].token,
            before: { probability: top[1].probability, rank: 2 },
            after: { probability: 0.5, rank: 1 },
          },
          {
            id: top[2].id,
            token: top[2].token,
            before: { probability: top[2].probability, rank: 3 },
            after: { probability: 0.25, rank: 2 },
          },
          { id: top[0].id, token: top[0].token, before: { probability: top[0].probability, rank: 1 } },
        ],
        actualNext: { before: 0.125, after: 0.0625 },
      },
    ],
  };
  return { inReplyTo: requestId, result };
}

async function ablationRows(lens: LensPage): Promise<{ title: string; values: string[] }> {
  return lens.page.evaluate<{ title: string; values: string[] }>(
    `(() => { const g = [...document.querySelectorAll('.predictions-view .prediction-group')].find((s) => ` +
      `s.querySelector('.section-title').textContent.includes('with heads')); return g ? { title: ` +
      `g.querySelector('.section-title').textContent, values: [...g.querySelectorAll('.bar-value')].map((v) => v.textContent) } ` +
      `: { title: '', values: [] }; })()`,
  );
}

export const ablationTests: TestCase[] = [
  {
    name: 'ablation: shift-click a head in the model view, the predictions show Δ probability and rank moves; mode and Reset',
    run: async (ctx) => {
      const p = withAblation(smallCausal(), { available: true });
      const lens = await openRun(ctx, p);
      await lens.page.locator('.chip[data-index="5"]').click();
      await lens.tab('model');
      await shiftClickCell(lens, 1, 2);
      assert.equal((await lens.lastState())?.tab, 'model', 'shift-click does not open the matrix');
      assert.deepEqual((await lens.lastState())?.ablated, [{ layer: 1, head: 2 }]);
      await lens.tab('predictions');
      await lens.until(`document.querySelectorAll('.predictions-view .ablation-bar').length === 1`);
      let asked = await lens.requests('ablate');
      assert.deepEqual(
        asked.map((m) => [m.runId, m.heads, m.mode]),
        [[1, [{ layer: 1, head: 2 }], 'zero']],
        'one request for the run, the head and the mode',
      );
      await lens.post({ type: 'reply', ...answer(p, asked[0].requestId as number, ['1.2'], 'zero') } as never);
      await lens.until(
        `[...document.querySelectorAll('.predictions-view .section-title')].some((t) => t.textContent.includes('with heads'))`,
      );
      const { title, values } = await ablationRows(lens);
      assert.match(title, /^Next token after #5 .* with heads 1\.2 zeroed \(faint: without\)$/);
      const top = p.summary.predictions.ranked[5].top;
      assert.match(values[0], /^0\.5000 \(Δ \+0\.\d{4}, rank 2 → 1\)$/);
      assert.match(values[2], new RegExp(`^below the top 50 \\(was ${top[0].probability.toFixed(4)}, rank 1\\)$`));
      assert.match(
        (await lens.page.locator('.predictions-view .ablation-text').textContent()) ?? '',
        /Ablated heads \(layer\.head\): 1\.2$/,
      );
      assert.match((await lens.page.locator('.predictions-view .prediction-group .note').last().textContent()) ?? '', /0\.1250 → 0\.0625/);
      await lens.page.screenshot({ path: join(ctx.shots, 'ablation-predictions-dark.png') });

      await chooseOption(lens, '.predictions-view .ablation-mode vscode-single-select', 1);
      asked = await lens.requests('ablate');
      assert.deepEqual(asked.at(-1)?.mode, 'mean', 'the mode asks again');
      await lens.tab('model');
      await lens.page.screenshot({ path: join(ctx.shots, 'ablation-model-view-dark.png') });
      await lens.page.locator('.model-view .ablation-reset').click();
      await lens.settle();
      assert.deepEqual((await lens.lastState())?.ablated, []);
      await lens.tab('predictions');
      assert.deepEqual((await lens.requests('ablate')).at(-1)?.heads, [], 'the host is told, so its exports name no ablation');
      assert.equal((await ablationRows(lens)).title, '', 'Reset takes the ablated predictions away');
      await finish(lens);
    },
  },
  {
    name: 'ablation: a model whose graph cannot take a head gate says why in the model view, and shift-click asks nothing',
    run: async (ctx) => {
      const reason = 'this export fuses attention into the GroupQueryAttention operator, which computes each head’s context inside itself';
      const lens = await openRun(ctx, withAblation(smallCausal(), { available: false, reason }));
      await lens.tab('model');
      assert.equal(await lens.page.locator('.model-view .ablation-text').textContent(), `Head ablation: not available, ${reason}.`);
      await shiftClickCell(lens, 0, 0);
      await lens.tab('predictions');
      assert.equal((await lens.requests('ablate')).length, 0);
      await finish(lens);
    },
  },
];
