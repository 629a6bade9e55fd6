// Predictions: sampling controls over the whole vocabulary, logits failures, the surprisal strip, masked runs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { expectedSampling, printed } from './expect';
import { smallCausal, smallMasked } from './fixtures';
import { finish, openRun } from './interactionTests';
import type { LensPage } from './harness';
import type { TestCase } from './run';

async function setRange(lens: LensPage, control: string, value: number): Promise<void> {
  await lens.page.evaluate(
    `(() => { const i = document.querySelector('input[data-control="${control}"]'); i.value = '${value}'; i.dispatchEvent(new ` +
      `Event('input', { bubbles: true })); })()`,
  );
  await lens.settle();
}

async function rows(lens: LensPage): Promise<{ label: string; value: string; muted: boolean }[]> {
  return lens.page.evaluate<{ label: string; value: string; muted: boolean }[]>(
    `[...document.querySelectorAll('.predictions-view .prediction-group .bar-row')].map((r) => ({ label: ` +
      `r.querySelector('.bar-label').textContent, value: r.querySelector('.bar-value').textContent, muted: ` +
      `r.classList.contains('muted') }))`,
  );
}

async function title(lens: LensPage): Promise<string> {
  return (await lens.page.locator('.predictions-view .prediction-group .section-title').first().textContent()) ?? '';
}

export const predictionTests: TestCase[] = [
  {
    name:
      "predictions: temperature, top-k and top-p apply to the whole vocabulary; at T=1, top-k all, top-p 1 the bars are the model's " +
      'own probabilities',
    run: async (ctx) => {
      const p = smallCausal();
      const lens = await openRun(ctx, p);
      await lens.page.locator('.chip[data-index="5"]').click();
      await lens.tab('predictions');
      const pred = p.summary.predictions;
      assert.equal(pred.task, 'next-token');
      const asked = await lens.requests('logits');
      assert.deepEqual(
        asked.map((m) => [m.runId, m.position]),
        [[1, 5]],
        'the logits at the selected token, asked for once',
      );
      await lens.until(`document.querySelector('.predictions-view .bar-value')?.textContent.includes('(model ')`);
      const { logits } = p.logitsAt!(5);
      const vocab = p.summary.model.vocabSize;
      assert.equal(await lens.page.locator('input[data-control="topK"]').getAttribute('max'), '101', 'top-k runs to 100, then all');

      // The defect: at T = 1 with nothing cut, the view showed the top-k re-normalised ("0.4612 (was 0.2404)").
      await setRange(lens, 'temperature', 1);
      await setRange(lens, 'topK', 101);
      await setRange(lens, 'topP', 1);
      let got = await rows(lens);
      assert.equal(got.length, 100, 'the 100 best are listed');
      assert.ok(
        got.every((r) => !r.muted),
        'nothing is cut',
      );
      pred.ranked[5].top.forEach((t, i) => {
        assert.equal(got[i].label, t.token, `row ${i}`);
        assert.equal(
          got[i].value,
          `${printed(t.probability)} (model ${printed(t.probability)})`,
          `row ${i}: the model's probability, unchanged`,
        );
      });
      const full = expectedSampling(logits, 1, 'all', 1);
      got.forEach((r, i) => assert.equal(r.value, `${printed(full.model[i])} (model ${printed(full.model[i])})`, `row ${i}`));
      assert.match(
        await title(lens),
        new RegExp(`top-k=all, top-p=1.00 → ${vocab.toLocaleString('en-US')} of ${vocab.toLocaleString('en-US')} kept`),
      );
      assert.match(
        (await lens.page.locator('.sampling output').nth(1).textContent()) ?? '',
        new RegExp(`^all ${vocab.toLocaleString('en-US')}$`),
      );

      // Top-p 0.5 keeps the fewest tokens whose mass reaches half of the whole distribution.
      await setRange(lens, 'topP', 0.5);
      const half = expectedSampling(logits, 1, 'all', 0.5);
      const mass = (n: number) => full.model.slice(0, n).reduce((a, b) => a + b, 0);
      assert.ok(mass(half.kept) >= 0.5 && mass(half.kept - 1) < 0.5, `${half.kept} tokens hold ${mass(half.kept)}`);
      assert.ok(mass(10) < 0.99, `the payload's top-10 hold ${mass(10)}, so re-normalising over them shows`);
      assert.ok(half.kept > 1 && half.kept < 10, `the payload's top-p 0.5 keeps a few tokens (${half.kept})`);
      got = await rows(lens);
      assert.equal(got.filter((r) => !r.muted).length, half.kept, 'kept');
      got.forEach((r, i) =>
        assert.equal(
          r.value,
          `${i < half.kept ? printed(half.sampled[i]) : 'cut'} (model ${printed(half.model[i])})`,
          `top-p 0.5, row ${i}`,
        ),
      );
      await lens.page.screenshot({ path: join(ctx.shots, 'sampling-top-p-0.5-dark.png') });
      assert.match(
        (await lens.page.locator('.predictions-view .actual-next').textContent()) ?? '',
        new RegExp(`The ${half.kept} kept tokens hold ${(100 * mass(half.kept)).toPrecision(3)} % of the model's probability`),
      );

      for (const [t, k, tp] of [
        [2, 'all', 1],
        [0.5, 100, 1],
        [0.7, 6, 0.8],
        [1.5, 40, 0.9],
      ] as const) {
        await setRange(lens, 'temperature', t);
        await setRange(lens, 'topK', k === 'all' ? 101 : k);
        await setRange(lens, 'topP', tp);
        const want = expectedSampling(logits, t, k, tp);
        got = await rows(lens);
        assert.equal(got.length, Math.max(10, Math.min(want.kept, 100)), `T=${t} k=${k} p=${tp}: rows`);
        assert.equal(got.filter((r) => !r.muted).length, Math.min(want.kept, 100), `T=${t} k=${k} p=${tp}: kept`);
        got.forEach((r, i) =>
          assert.equal(
            r.value,
            `${i < want.kept ? printed(want.sampled[i]) : 'cut'} (model ${printed(want.model[i])})`,
            `T=${t} k=${k} p=${tp} row ${i}`,
          ),
        );
      }
      const actualId = p.summary.tokens[6].id;
      const rank = full.ids.indexOf(actualId);
      const note = (await lens.page.locator('.actual-next').textContent()) ?? '';
      assert.ok(
        note.includes(
          `${JSON.stringify(p.summary.tokens[6].display)}: p = ${printed(pred.actual![6]!)}, rank ${(rank + 1).toLocaleString('en-US')} ` +
            `of ${vocab.toLocaleString('en-US')}`,
        ),
        note,
      );
      // Keyboard: the sliders step with the arrow keys.
      await lens.page.locator('input[data-control="temperature"]').focus();
      await lens.page.keyboard.press('ArrowRight');
      await lens.settle();
      assert.equal((await lens.lastState())?.temperature, 1.55);
      assert.equal((await lens.requests('logits')).length, 1, 'the row is asked for once, whatever the controls do');
      await finish(lens);
    },
  },
  {
    name: "predictions: a logits row the host cannot send, or sends malformed, says so and keeps the run's top-k",
    run: async (ctx) => {
      const p = smallCausal();
      const lens = await openRun(ctx, p);
      await lens.setAutoReply(false);
      await lens.page.locator('.chip[data-index="3"]').click();
      await lens.tab('predictions');
      const [first] = await lens.requests('logits');
      assert.equal(first.position, 3);
      assert.match(
        (await lens.page.locator('.actual-next').textContent()) ?? '',
        /Computing the full distribution… Meanwhile: the model's top-10, without sampling/,
      );
      await lens.post({ type: 'reply', inReplyTo: first.requestId, result: { logits: [1, 2, 3], top: [] } } as never);
      await lens.until(`document.querySelector('.actual-next').textContent.includes('the host sent a malformed logits row')`);
      const bars = await rows(lens);
      const pred = p.summary.predictions;
      assert.deepEqual(
        bars.map((r) => r.label),
        pred.ranked[3].top.map((t) => t.token),
        "the run's own top-k stays",
      );
      await lens.page.locator('.surprisal canvas[role="slider"]').focus();
      await lens.page.keyboard.press('ArrowRight');
      await lens.settle();
      const second = (await lens.requests('logits'))[1];
      assert.equal(second.position, 4);
      await lens.post({ type: 'reply', inReplyTo: second.requestId, error: 'the model changed since this run; inspect again' } as never);
      await lens.until(
        `document.querySelector('.actual-next').textContent.includes('could not be computed: the model changed since this run')`,
      );
      await finish(lens);
    },
  },
  {
    name: 'predictions: clicking the surprisal strip selects that token',
    run: async (ctx) => {
      const p = smallCausal();
      const lens = await openRun(ctx, p);
      await lens.tab('predictions');
      const box = (await lens.page.locator('.surprisal canvas[role="slider"]').boundingBox())!;
      const n = p.summary.tokens.length;
      await lens.page.mouse.click(box.x + (box.width / n) * 12.5, box.y + 10);
      await lens.settle();
      assert.deepEqual(
        (await lens.posted()).filter((m) => m.type === 'revealToken').map((m) => m.index),
        [12],
      );
      const bits = -Math.log2(p.summary.predictions.actual![12]!);
      assert.match((await lens.page.locator('.surprisal .hover-info').textContent()) ?? '', new RegExp(`^#12 .*: ${bits.toFixed(2)} bits`));
      assert.match((await lens.page.locator('.predictions-view .section-title').first().textContent()) ?? '', /after #12 /);
      await finish(lens);
    },
  },
  {
    name: 'surprisal strip: labels under the cells where they fit, the token and its bits on hover, a colour scale in bits',
    run: async (ctx) => {
      const p = smallCausal();
      const pred = p.summary.predictions;
      if (!pred.actual) throw new Error('a next-token payload');
      const actual = pred.actual;
      const lens = await openRun(ctx, p);
      await lens.tab('predictions');
      const strip = lens.page.locator('.surprisal canvas[role="slider"]');
      const box = (await strip.boundingBox())!;
      const n = p.summary.tokens.length;
      const cell = box.width / n;
      assert.ok(cell >= 18, `40 tokens in ${box.width} px leave room for labels`);
      // The labels row: ink under the cells, in the text colour, where the strip alone has none.
      const labelInk = await strip.evaluate((el, top) => {
        const c = el as unknown as {
          width: number;
          height: number;
          getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
        };
        const scale = c.height / (el as unknown as { clientHeight: number }).clientHeight;
        const d = c.getContext('2d').getImageData(0, Math.round(top * scale), c.width, c.height - Math.round(top * scale)).data;
        let inked = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) inked++;
        return inked;
      }, 27);
      assert.ok(labelInk > 200, `labels are drawn under the cells (${labelInk} px)`);
      await lens.page.mouse.move(box.x + cell * 7.5, box.y + 10);
      await lens.settle();
      const bits = -Math.log2(actual[7]!);
      const tip = lens.page.locator('.surprisal .tooltip');
      assert.equal(await tip.isVisible(), true, 'a tooltip on hover');
      assert.equal(
        await tip.textContent(),
        `#7 ${JSON.stringify(p.summary.tokens[7].display)}: ${bits.toFixed(2)} bits (p = ${printed(actual[7]!)}, about a 1 ` +
          `in ${Math.round(2 ** bits).toLocaleString('en-US')} chance)`,
      );
      const tipBox = (await tip.boundingBox())!;
      assert.ok(tipBox.x <= box.x + cell * 8 && tipBox.x + tipBox.width >= box.x + cell * 7, 'the tooltip sits over the hovered cell');
      await lens.page.screenshot({
        path: join(ctx.shots, 'surprisal-strip-hover-dark.png'),
        clip: { x: 0, y: Math.max(0, box.y - 80), width: 1100, height: 200 },
      });
      await lens.page.mouse.move(box.x + box.width / 2, box.y + box.height + 200);
      await lens.settle();
      assert.equal(await tip.isVisible(), false, 'and goes when the mouse leaves');
      const max = Math.ceil(Math.max(...actual.map((a) => (a === null ? 0 : -Math.log2(a)))));
      assert.equal(
        await lens.page.locator('.surprisal-scale').getAttribute('aria-label'),
        `Colour scale: 0 bits (expected) to ${max} bits or more (surprising)`,
      );
      const scaleInk = await lens.ink('.surprisal-scale');
      assert.ok(scaleInk.inked > scaleInk.width * scaleInk.height * 0.2, 'the scale is drawn');
      assert.match(
        (await lens.page.locator('.surprisal .section-title').textContent()) ?? '',
        /How surprising each token was to the model/,
      );
      await finish(lens);
    },
  },
  {
    name:
      'masked: each mask has its top-k; the unmasked top-k is asked for once when shown; ' +
      '"predict this token masked" asks the host and shows the reply',
    run: async (ctx) => {
      const p = smallMasked();
      const pred = p.summary.predictions;
      assert.equal(pred.task, 'fill-mask');
      assert.ok(pred.ranked.length >= 1, 'the payload has a mask');
      const lens = await openRun(ctx, p);
      await lens.page.locator('.chip[data-index="3"]').click();
      await lens.tab('predictions');
      const titles = await lens.page.locator('.predictions-view .section-title').allTextContents();
      assert.equal(titles.filter((t) => t.startsWith('[MASK] at #')).length, pred.ranked.length);
      assert.ok(titles.some((t) => t.startsWith('What the model sees at #3 ')));
      assert.match((await lens.page.locator('.predictions-view .note').allTextContents()).join(' '), /Computing the unmasked predictions/);
      const asked = await lens.requests('unmasked');
      assert.equal(asked.length, 1, 'asked once, whatever the number of views and renders');
      assert.equal(asked[0].runId, 1);
      const atPosition = p.summary.tokens.map((t) => [{ id: 5, token: `seen-${t.index}`, probability: 0.7 }]);
      await lens.post({ type: 'reply', inReplyTo: asked[0].requestId as number, result: atPosition } as never);
      await lens.until(`[...document.querySelectorAll('.predictions-view .bar-label')].some((l) => l.textContent === 'seen-3')`);
      await lens.tab('tokens');
      await lens.page.locator('.chip[data-index="4"]').click();
      await lens.tab('predictions');
      await lens.until(`[...document.querySelectorAll('.predictions-view .bar-label')].some((l) => l.textContent === 'seen-4')`);
      assert.equal((await lens.requests('unmasked')).length, 1, 'another token is served from what came');
      assert.equal(await lens.page.locator('.sampling').isVisible(), true, 'sampling controls for the mask');
      assert.deepEqual(
        (await lens.requests('logits')).map((m) => m.position),
        [pred.ranked[0].position],
        'the logits at the first mask, the selected token being none',
      );
      await lens.page.locator('.predictions-view > vscode-button').click();
      const req = (await lens.requests('maskedAt'))[0];
      assert.ok(req && req.position === 4 && req.runId === 1, JSON.stringify(req));
      const top = [
        { id: 1, token: 'alpha', probability: 0.6 },
        { id: 2, token: 'beta', probability: 0.3 },
      ];
      await lens.post({ type: 'reply', inReplyTo: req.requestId as number, result: top } as never);
      await lens.until(
        `[...document.querySelectorAll('.predictions-view .section-title')].some((t) => t.textContent.includes('when it alone is masked'))`,
      );
      assert.ok((await lens.page.locator('.predictions-view .bar-label').allTextContents()).includes('alpha'));
      await finish(lens);
    },
  },
];
