// Predictions (sampling controls, surprisal, masked), export, stale data, state restore and the side view.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { expectedSampling, printed } from './expect';
import { smallCausal, smallMasked } from './fixtures';
import { chooseOption, finish, openRun } from './interactionTests';
import type { LensPage } from './harness';
import type { TestCase } from './run';

async function setRange(lens: LensPage, control: string, value: number): Promise<void> {
  await lens.page.evaluate(`(() => { const i = document.querySelector('input[data-control="${control}"]'); i.value = '${value}'; i.dispatchEvent(new Event('input', { bubbles: true })); })()`);
  await lens.settle();
}

async function rows(lens: LensPage): Promise<{ label: string; value: string; muted: boolean }[]> {
  return lens.page.evaluate<{ label: string; value: string; muted: boolean }[]>(`[...document.querySelectorAll('.predictions-view .prediction-group .bar-row')].map((r) => ({ label: r.querySelector('.bar-label').textContent, value: r.querySelector('.bar-value').textContent, muted: r.classList.contains('muted') }))`);
}

async function title(lens: LensPage): Promise<string> {
  return (await lens.page.locator('.predictions-view .prediction-group .section-title').first().textContent()) ?? '';
}

const PNG = [137, 80, 78, 71, 13, 10, 26, 10];

export const predictionTests: TestCase[] = [
  {
    name: 'predictions: temperature, top-k and top-p apply to the whole vocabulary; at T=1, top-k all, top-p 1 the bars are the model\'s own probabilities',
    run: async (ctx) => {
      const p = smallCausal();
      const lens = await openRun(ctx, p);
      await lens.page.locator('.chip[data-index="5"]').click();
      await lens.tab('predictions');
      const pred = p.summary.predictions;
      assert.equal(pred.task, 'next-token');
      const asked = await lens.requests('logits');
      assert.deepEqual(asked.map((m) => [m.runId, m.position]), [[1, 5]], 'the logits at the selected token, asked for once');
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
      assert.ok(got.every((r) => !r.muted), 'nothing is cut');
      pred.ranked[5].top.forEach((t, i) => {
        assert.equal(got[i].label, t.token, `row ${i}`);
        assert.equal(got[i].value, `${printed(t.probability)} (model ${printed(t.probability)})`, `row ${i}: the model's probability, unchanged`);
      });
      const full = expectedSampling(logits, 1, 'all', 1);
      got.forEach((r, i) => assert.equal(r.value, `${printed(full.model[i])} (model ${printed(full.model[i])})`, `row ${i}`));
      assert.match(await title(lens), new RegExp(`top-k=all, top-p=1.00 → ${vocab.toLocaleString('en-US')} of ${vocab.toLocaleString('en-US')} kept`));
      assert.match(await lens.page.locator('.sampling output').nth(1).textContent() ?? '', new RegExp(`^all ${vocab.toLocaleString('en-US')}$`));

      // Top-p 0.5 keeps the fewest tokens whose mass reaches half of the whole distribution.
      await setRange(lens, 'topP', 0.5);
      const half = expectedSampling(logits, 1, 'all', 0.5);
      const mass = (n: number) => full.model.slice(0, n).reduce((a, b) => a + b, 0);
      assert.ok(mass(half.kept) >= 0.5 && mass(half.kept - 1) < 0.5, `${half.kept} tokens hold ${mass(half.kept)}`);
      assert.ok(mass(10) < 0.99, `the payload's top-10 hold ${mass(10)}, so re-normalising over them shows`);
      assert.ok(half.kept > 1 && half.kept < 10, `the payload's top-p 0.5 keeps a few tokens (${half.kept})`);
      got = await rows(lens);
      assert.equal(got.filter((r) => !r.muted).length, half.kept, 'kept');
      got.forEach((r, i) => assert.equal(r.value, `${i < half.kept ? printed(half.sampled[i]) : 'cut'} (model ${printed(half.model[i])})`, `top-p 0.5, row ${i}`));
      await lens.page.screenshot({ path: join(ctx.shots, 'sampling-top-p-0.5-dark.png') });
      assert.match((await lens.page.locator('.predictions-view .actual-next').textContent()) ?? '', new RegExp(`The ${half.kept} kept tokens hold ${(100 * mass(half.kept)).toPrecision(3)} % of the model's probability`));

      for (const [t, k, tp] of [[2, 'all', 1], [0.5, 100, 1], [0.7, 6, 0.8], [1.5, 40, 0.9]] as const) {
        await setRange(lens, 'temperature', t);
        await setRange(lens, 'topK', k === 'all' ? 101 : k);
        await setRange(lens, 'topP', tp);
        const want = expectedSampling(logits, t, k, tp);
        got = await rows(lens);
        assert.equal(got.length, Math.max(10, Math.min(want.kept, 100)), `T=${t} k=${k} p=${tp}: rows`);
        assert.equal(got.filter((r) => !r.muted).length, Math.min(want.kept, 100), `T=${t} k=${k} p=${tp}: kept`);
        got.forEach((r, i) => assert.equal(r.value, `${i < want.kept ? printed(want.sampled[i]) : 'cut'} (model ${printed(want.model[i])})`, `T=${t} k=${k} p=${tp} row ${i}`));
      }
      const actualId = p.summary.tokens[6].id;
      const rank = full.ids.indexOf(actualId);
      const note = (await lens.page.locator('.actual-next').textContent()) ?? '';
      assert.ok(note.includes(`${JSON.stringify(p.summary.tokens[6].display)}: p = ${printed(pred.actual![6]!)}, rank ${(rank + 1).toLocaleString('en-US')} of ${vocab.toLocaleString('en-US')}`), note);
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
    name: 'predictions: a logits row the host cannot send, or sends malformed, says so and keeps the run\'s top-k',
    run: async (ctx) => {
      const p = smallCausal();
      const lens = await openRun(ctx, p);
      await lens.setAutoReply(false);
      await lens.page.locator('.chip[data-index="3"]').click();
      await lens.tab('predictions');
      const [first] = await lens.requests('logits');
      assert.equal(first.position, 3);
      assert.match((await lens.page.locator('.actual-next').textContent()) ?? '', /Computing the full distribution… Meanwhile: the model's top-10, without sampling/);
      await lens.post({ type: 'reply', inReplyTo: first.requestId, result: { logits: [1, 2, 3], top: [] } } as never);
      await lens.until(`document.querySelector('.actual-next').textContent.includes('the host sent a malformed logits row')`);
      const bars = await rows(lens);
      const pred = p.summary.predictions;
      assert.deepEqual(bars.map((r) => r.label), pred.ranked[3].top.map((t) => t.token), 'the run\'s own top-k stays');
      await lens.page.locator('.surprisal canvas[role="slider"]').focus();
      await lens.page.keyboard.press('ArrowRight');
      await lens.settle();
      const second = (await lens.requests('logits'))[1];
      assert.equal(second.position, 4);
      await lens.post({ type: 'reply', inReplyTo: second.requestId, error: 'the model changed since this run; inspect again' } as never);
      await lens.until(`document.querySelector('.actual-next').textContent.includes('could not be computed: the model changed since this run')`);
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
      assert.deepEqual((await lens.posted()).filter((m) => m.type === 'revealToken').map((m) => m.index), [12]);
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
        const c = el as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
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
      assert.equal(await tip.textContent(), `#7 ${JSON.stringify(p.summary.tokens[7].display)}: ${bits.toFixed(2)} bits (p = ${printed(actual[7]!)}, about a 1 in ${Math.round(2 ** bits).toLocaleString('en-US')} chance)`);
      const tipBox = (await tip.boundingBox())!;
      assert.ok(tipBox.x <= box.x + cell * 8 && tipBox.x + tipBox.width >= box.x + cell * 7, 'the tooltip sits over the hovered cell');
      await lens.page.screenshot({ path: join(ctx.shots, 'surprisal-strip-hover-dark.png'), clip: { x: 0, y: Math.max(0, box.y - 80), width: 1100, height: 200 } });
      await lens.page.mouse.move(box.x + box.width / 2, box.y + box.height + 200);
      await lens.settle();
      assert.equal(await tip.isVisible(), false, 'and goes when the mouse leaves');
      const max = Math.ceil(Math.max(...actual.map((a) => (a === null ? 0 : -Math.log2(a)))));
      assert.equal(await lens.page.locator('.surprisal-scale').getAttribute('aria-label'), `Colour scale: 0 bits (expected) to ${max} bits or more (surprising)`);
      const scaleInk = await lens.ink('.surprisal-scale');
      assert.ok(scaleInk.inked > scaleInk.width * scaleInk.height * 0.2, 'the scale is drawn');
      assert.match((await lens.page.locator('.surprisal .section-title').textContent()) ?? '', /How surprising each token was to the model/);
      await finish(lens);
    },
  },
  {
    name: 'masked: each mask has its top-k; the unmasked top-k is asked for once when shown; "predict this token masked" asks the host and shows the reply',
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
      assert.deepEqual((await lens.requests('logits')).map((m) => m.position), [pred.ranked[0].position], 'the logits at the first mask, the selected token being none');
      await lens.page.locator('.predictions-view > vscode-button').click();
      const req = (await lens.requests('maskedAt'))[0];
      assert.ok(req && req.position === 4 && req.runId === 1, JSON.stringify(req));
      const top = [{ id: 1, token: 'alpha', probability: 0.6 }, { id: 2, token: 'beta', probability: 0.3 }];
      await lens.post({ type: 'reply', inReplyTo: req.requestId as number, result: top } as never);
      await lens.until(`[...document.querySelectorAll('.predictions-view .section-title')].some((t) => t.textContent.includes('when it alone is masked'))`);
      assert.ok((await lens.page.locator('.predictions-view .bar-label').allTextContents()).includes('alpha'));
      await finish(lens);
    },
  },
  {
    name: 'export: every view renders a non-empty PNG and SVG when the host asks',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      let requestId = 100;
      for (const tab of ['tokens', 'head', 'model', 'matrix', 'predictions']) {
        await lens.tab(tab);
        if (tab === 'head' || tab === 'matrix') await lens.until(`!document.querySelector('.${tab}-view .hover-info').textContent.startsWith('Loading')`);
        for (const format of ['png', 'svg'] as const) {
          const id = ++requestId;
          await lens.post({ type: 'renderExport', requestId: id, format } as never);
          await lens.until(`window.__lens.posted.some((m) => m.type === 'exportRendered' && m.requestId === ${id})`);
          const reply = (await lens.posted()).find((m) => m.type === 'exportRendered' && m.requestId === id)!;
          assert.equal(reply.error, undefined, `${tab} ${format}: ${String(reply.error)}`);
          if (format === 'png') {
            const data = reply.data as { bytes: number; head: number[] };
            assert.deepEqual(data.head, PNG, `${tab}: PNG signature`);
            assert.ok(data.bytes > 1000, `${tab}: PNG of ${data.bytes} bytes`);
          } else {
            const svg = reply.data as string;
            assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
            assert.ok(svg.endsWith('</svg>') && svg.length > 500, `${tab}: SVG of ${svg.length} chars`);
          }
        }
      }
      await finish(lens);
    },
  },
  {
    name: 'stale: a Stale message for the shown run shows its notice, one for an older run is ignored',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      await lens.post({ type: 'stale', runId: 0, message: 'old run' } as never);
      await lens.settle();
      assert.equal(await lens.page.locator('.notice.stale').isVisible(), false);
      await lens.post({ type: 'stale', runId: 1, message: 'The document changed: this result no longer matches the editor.' } as never);
      await lens.settle();
      assert.equal(await lens.page.locator('.notice.stale').isVisible(), true);
      assert.equal(await lens.page.locator('.notice.stale .stale-line span').textContent(), 'The document changed: this result no longer matches the editor.');
      await lens.post({ type: 'status', state: 'error', message: 'The model failed to load.' } as never);
      await lens.settle();
      assert.equal(await lens.page.locator('.summary .status').textContent(), 'The model failed to load.');
      assert.equal(await lens.page.locator('.summary .status').getAttribute('data-state'), 'error');
      await lens.sendRun(smallCausal(2));
      await lens.settle();
      assert.equal(await lens.page.locator('.notice.stale').isVisible(), false, 'a new result clears the stale notice');
      await finish(lens);
    },
  },
  {
    name: 'layer replies for an older run are dropped; the current run\'s reply is drawn',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      await lens.setAutoReply(false);
      await lens.tab('matrix');
      const first = (await lens.requests('layer'))[0];
      assert.equal(first.runId, 1);
      await lens.sendRun(smallCausal(2));
      await lens.settle();
      const second = (await lens.requests('layer')).pop()!;
      assert.equal(second.runId, 2);
      await lens.replyLayer(first.requestId as number, smallCausal(1), 0);
      await lens.settle();
      assert.match((await lens.page.locator('.matrix-view .hover-info').textContent()) ?? '', /^Loading layer 0/);
      await lens.replyLayer(second.requestId as number, smallCausal(2), 0);
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.startsWith('Layer 0,')`);
      await finish(lens);
    },
  },
  {
    name: 'a model without attention: no layer is requested and every attention view says why',
    run: async (ctx) => {
      const base = smallCausal();
      const reason = 'This ONNX graph uses a fused Attention operator: there is no Softmax output to read.';
      const summary = { ...base.summary, runId: 5, attentionUnavailable: reason, attentionSets: [] };
      const lens = await openRun(ctx, { ...base, summary, overviews: [] });
      for (const tab of ['head', 'model', 'matrix']) {
        await lens.tab(tab);
        assert.equal(await lens.page.locator(`.${tab}-view .hover-info`).textContent(), reason);
      }
      await lens.tab('predictions');
      assert.ok((await lens.page.locator('.predictions-view .bar-row').count()) >= 5, 'predictions still shown');
      assert.match((await lens.page.locator('.summary .status').textContent()) ?? '', /Attention is not available for this model: This ONNX graph/);
      assert.equal((await lens.requests('layer')).length, 0);
      await finish(lens);
    },
  },
  {
    name: 'a layer request that fails shows the host\'s reason and is not asked again in a loop',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      await lens.setAutoReply(false);
      await lens.tab('matrix');
      const request = (await lens.requests('layer'))[0];
      await lens.post({ type: 'reply', inReplyTo: request.requestId as number, error: 'The inference worker stopped.' } as never);
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent === 'Layer 0 could not be loaded: The inference worker stopped.'`);
      assert.equal(await lens.page.locator('.summary .status').getAttribute('data-state'), 'error');
      await lens.tab('head');
      await lens.tab('matrix');
      assert.equal((await lens.requests('layer')).length, 1);
      await finish(lens);
    },
  },
  {
    name: 'UI state (tab, layer, head, token, zoom) survives the webview being hidden and shown again',
    run: async (ctx) => {
      const p = smallCausal();
      const lens = await openRun(ctx, p);
      await lens.page.locator('.chip[data-index="4"]').click();
      await lens.tab('matrix');
      await chooseOption(lens, '.matrix-view .layer-select vscode-single-select', 3);
      await chooseOption(lens, '.matrix-view .head-select vscode-single-select', 2);
      await lens.page.locator('.matrix-view canvas').focus();
      await lens.page.keyboard.press('+');
      await lens.settle();
      const saved = await lens.lastState();
      await lens.page.reload();
      await lens.until('window.__lens && window.__lens.posted.some((m) => m.type === "ready")');
      await lens.sendRun(p);
      await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.startsWith('Layer 3, head 1 ')`);
      assert.equal(await lens.page.locator('vscode-tab-header[data-tab="matrix"]').getAttribute('aria-selected'), 'true');
      const requests = (await lens.requests('layer')).map((m) => m.layer);
      assert.deepEqual(requests, [3], 'after the reload only the shown layer is requested');
      await lens.tab('tokens');
      assert.equal(await lens.page.locator('.chip[data-index="4"]').getAttribute('aria-selected'), 'true');
      assert.equal((await lens.lastState())?.zoom, saved?.zoom);
      await finish(lens);
    },
  },
  {
    name: 'side view: follows FocusToken, lists the top keys, switches head, and a row click reveals',
    run: async (ctx) => {
      const p = smallCausal();
      const lens = await openRun(ctx, p, 'sidebar');
      await lens.post({ type: 'focusToken', runId: 1, index: 9 } as never);
      await lens.post({ type: 'focusToken', runId: 0, index: 3 } as never);
      await lens.until(`document.querySelector('.sidebar-view .bar-list').children.length === 10`);
      assert.ok(((await lens.page.locator('.focus-token').textContent()) ?? '').startsWith(JSON.stringify(p.summary.tokens[9].display)), 'a FocusToken of an older run is ignored');
      assert.equal((await lens.posted()).filter((m) => m.type === 'revealToken').length, 0, 'following the cursor does not reveal');
      const meanRows = await lens.page.locator('.sidebar-view .bar-list').first().locator('.bar-row').allTextContents();
      await chooseOption(lens, '.sidebar-view .head-select vscode-single-select', 1);
      await lens.until(`document.querySelector('.sidebar-view .section-title').textContent.includes('head 0')`);
      const headRows = await lens.page.locator('.sidebar-view .bar-list').first().locator('.bar-row').allTextContents();
      assert.notDeepEqual(headRows, meanRows);
      await lens.page.locator('.sidebar-view .bar-list').first().locator('.bar-row').first().click();
      const reveal = (await lens.posted()).filter((m) => m.type === 'revealToken');
      assert.equal(reveal.length, 1);
      assert.equal((await lens.lastState())?.selected, reveal[0].index);
      await lens.post({ type: 'renderExport', requestId: 7, format: 'png' } as never);
      await lens.until(`window.__lens.posted.some((m) => m.type === 'exportRendered' && m.requestId === 7)`);
      await finish(lens);
    },
  },
];
