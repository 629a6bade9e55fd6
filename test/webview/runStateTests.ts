// Export rendering, stale data, layer replies and failures, state restore and the side view.
import assert from 'node:assert/strict';
import { smallCausal } from './fixtures';
import { chooseOption, finish, openRun } from './interactionTests';
import type { TestCase } from './run';
import type { LayerHeads } from '../../src/protocol';

const PNG = [137, 80, 78, 71, 13, 10, 26, 10];

export const runStateTests: TestCase[] = [
  {
    name: 'export: every view renders a non-empty PNG and SVG when the host asks',
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      let requestId = 100;
      for (const tab of ['tokens', 'head', 'model', 'matrix', 'predictions']) {
        await lens.tab(tab);
        if (tab === 'head' || tab === 'matrix')
          await lens.until(`!document.querySelector('.${tab}-view .hover-info').textContent.startsWith('Loading')`);
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
      assert.equal(
        await lens.page.locator('.notice.stale .stale-line span').textContent(),
        'The document changed: this result no longer matches the editor.',
      );
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
    name: "layer replies for an older run are dropped; the current run's reply is drawn",
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
      await lens.replyLayer(first.requestId as number, smallCausal(1), 0, 'self', first.heads as LayerHeads);
      await lens.settle();
      assert.match((await lens.page.locator('.matrix-view .hover-info').textContent()) ?? '', /^Loading layer 0/);
      await lens.replyLayer(second.requestId as number, smallCausal(2), 0, 'self', second.heads as LayerHeads);
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
      assert.match(
        (await lens.page.locator('.summary .status').textContent()) ?? '',
        /Attention is not available for this model: This ONNX graph/,
      );
      assert.equal((await lens.requests('layer')).length, 0);
      await finish(lens);
    },
  },
  {
    name: "a layer request that fails shows the host's reason and is not asked again in a loop",
    run: async (ctx) => {
      const lens = await openRun(ctx, smallCausal());
      await lens.setAutoReply(false);
      await lens.tab('matrix');
      const request = (await lens.requests('layer'))[0];
      await lens.post({ type: 'reply', inReplyTo: request.requestId as number, error: 'The inference worker stopped.' } as never);
      await lens.until(
        `document.querySelector('.matrix-view .hover-info').textContent === 'Layer 0 could not be loaded: The inference worker stopped.'`,
      );
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
      assert.ok(
        ((await lens.page.locator('.focus-token').textContent()) ?? '').startsWith(JSON.stringify(p.summary.tokens[9].display)),
        'a FocusToken of an older run is ignored',
      );
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
