// The model, head and matrix views read as they should: sized to the panel, captions whole, one colour per
// head, the colour bar clear of the labels, tokens (not bare indices) as labels; screenshots at 20, 100 and 512
// tokens in light, dark and high contrast.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LensPage } from './harness';
import { makePayload } from './makePayload';
import type { Payload } from './payload';
import { argmaxRow } from './expect';
import { smallCausal } from './fixtures';
import { finish } from './interactionTests';
import type { TestCase, TestContext } from './run';

const payloads = new Map<string, Payload>();
function sized(kind: 'masked' | 'causal', tokens: number, layers: number, heads: number): Payload {
  const key = `${kind}-${tokens}-${layers}x${heads}`;
  if (!payloads.has(key)) payloads.set(key, makePayload({ name: key, kind, tokens, layers, heads }));
  return payloads.get(key)!;
}

async function open(ctx: TestContext, p: Payload, theme = 'dark', size = { width: 1100, height: 800 }): Promise<LensPage> {
  const lens = await LensPage.open(ctx.browser, ctx.origin, 'inspector', theme, size);
  await lens.sendRun(p);
  await lens.until(`document.querySelectorAll('.chip').length === ${p.summary.tokens.length}`);
  return lens;
}

async function showView(lens: LensPage, view: 'head' | 'model' | 'matrix'): Promise<void> {
  await lens.tab(view);
  if (view !== 'model') await lens.until(`!document.querySelector('.${view}-view .hover-info').textContent.startsWith('Loading')`);
  await lens.settle();
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
interface Drawn {
  kind: 'text' | 'strokeRect';
  text: string;
  box: Box;
}

/**
 * Records what the matrix canvas draws as text and outlined rectangles, with their boxes in CSS px (the
 * current transform applied: rotated labels get the box of their corners).
 */
async function recordMatrixDrawing(lens: LensPage): Promise<void> {
  // In-page JavaScript as text: this file is compiled without the DOM's types.
  await lens.page.evaluate(`(() => {
    window.__drawn = [];
    const proto = CanvasRenderingContext2D.prototype;
    const box = (ctx, x, y, w, h) => {
      const m = ctx.getTransform();
      const pts = [[x, y], [x + w, y], [x, y + h], [x + w, y + h]].map(([a, b]) => [(m.a * a + m.c * b + m.e) / devicePixelRatio,
        (m.b * a + m.d * b + m.f) / devicePixelRatio]);
      return { x0: Math.min(...pts.map((p) => p[0])), y0: Math.min(...pts.map((p) => p[1])),
        x1: Math.max(...pts.map((p) => p[0])), y1: Math.max(...pts.map((p) => p[1])) };
    };
    const inMatrix = (ctx) => !!ctx.canvas.closest && !!ctx.canvas.closest('.matrix-view');
    const fillText = proto.fillText;
    proto.fillText = function (text, ...rest) {
      if (inMatrix(this) && text) {
        const m = this.measureText(text);
        const [x, y] = rest;
        window.__drawn.push({ kind: 'text', text, box: box(this, x - m.actualBoundingBoxLeft, y - m.actualBoundingBoxAscent,
          m.actualBoundingBoxLeft + m.actualBoundingBoxRight, m.actualBoundingBoxAscent + m.actualBoundingBoxDescent) });
      }
      return fillText.call(this, text, ...rest);
    };
    const strokeRect = proto.strokeRect;
    proto.strokeRect = function (x, y, w, h) {
      if (inMatrix(this)) window.__drawn.push({ kind: 'strokeRect', text: '', box: box(this, x, y, w, h) });
      return strokeRect.call(this, x, y, w, h);
    };
  })()`);
}

/** What the matrix drew in its latest frame (a redraw is forced by moving the mouse off the canvas). */
async function matrixFrame(lens: LensPage): Promise<Drawn[]> {
  const box = (await lens.page.locator('.matrix-view canvas').boundingBox())!;
  await lens.page.mouse.move(box.x + 5, box.y + 5);
  await lens.settle();
  await lens.page.evaluate('window.__drawn.length = 0');
  await lens.page.mouse.move(1, 1);
  await lens.settle();
  return await lens.page.evaluate<Drawn[]>('window.__drawn');
}

const overlap = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** The colour bar's outline (10 px wide plus its 1 px border) and the labels beside and under it. */
function colourBar(drawn: Drawn[]): { bar: Box; labels: Drawn[] } {
  const outline = drawn.find((d) => d.kind === 'strokeRect' && Math.abs(d.box.x1 - d.box.x0 - 11) < 0.5);
  assert.ok(outline, 'a colour bar is drawn');
  const bar = outline.box;
  const labels = drawn.filter(
    (d) => d.kind === 'text' && d.box.x0 >= bar.x0 - 1 && d.box.x0 <= bar.x1 + 8 && d.box.y0 >= bar.y0 - 2 && d.box.y0 <= bar.y1 + 20,
  );
  return { bar, labels };
}

type Canvas2d = {
  width: number;
  height: number;
  getBoundingClientRect(): { width: number };
  getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
};

/** Pixels of a canvas region that are the background blended with exactly one of the given colours. */
async function pureColourCounts(lens: LensPage, selector: string, colours: string[], region: Box): Promise<number[]> {
  return lens.page.locator(selector).evaluate(
    (el, { colours, region }) => {
      const c = el as unknown as Canvas2d;
      const dpr = c.width / c.getBoundingClientRect().width;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const rgb = (hex: string): number[] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      const bg = [d[0], d[1], d[2]];
      const dirs = colours.map((h) => rgb(h).map((v, i) => v - bg[i]));
      const counts = colours.map(() => 0);
      for (let y = Math.round(region.y0 * dpr); y < Math.round(region.y1 * dpr); y++) {
        for (let x = Math.round(region.x0 * dpr); x < Math.round(region.x1 * dpr); x++) {
          const o = (y * c.width + x) * 4;
          const p = [d[o] - bg[0], d[o + 1] - bg[1], d[o + 2] - bg[2]];
          dirs.forEach((dir, i) => {
            const len2 = dir.reduce((s, v) => s + v * v, 0);
            const a = (p[0] * dir[0] + p[1] * dir[1] + p[2] * dir[2]) / len2;
            const residual = Math.hypot(p[0] - a * dir[0], p[1] - a * dir[1], p[2] - a * dir[2]);
            if (a > 0.35 && residual < 10) counts[i]++;
          });
        }
      }
      return counts;
    },
    { colours, region },
  );
}

export const viewTests: TestCase[] = [
  {
    name: 'model view: the thumbnails grow with the panel, to its width or its height, with a colour bar beside them',
    run: async (ctx) => {
      const p = smallCausal();
      const cells: number[] = [];
      for (const size of [
        { width: 1100, height: 800 },
        { width: 1500, height: 1000 },
      ]) {
        const lens = await open(ctx, p, 'dark', size);
        await showView(lens, 'model');
        const canvas = (await lens.page.locator('.model-view canvas').boundingBox())!;
        const scroller = (await lens.page.locator('.model-scroller').boundingBox())!;
        const fillsWidth = canvas.x + canvas.width >= scroller.x + scroller.width - 40;
        const fillsHeight = canvas.y + canvas.height >= size.height - 40;
        assert.ok(
          fillsWidth || fillsHeight,
          `the grid (${canvas.width}×${canvas.height} at ${canvas.x},${canvas.y}) uses the ${size.width}×${size.height} panel`,
        );
        assert.ok(canvas.y + canvas.height <= size.height, 'and stays inside it');
        const [, , pitch] = ((await lens.page.locator('.model-view canvas').getAttribute('data-grid')) ?? '').split(',').map(Number);
        cells.push(pitch);
        // The colour bar's labels are drawn right of the last thumbnail: some ink there.
        const ink = await lens.page.locator('.model-view canvas').evaluate(
          (el, from) => {
            const c = el as unknown as Canvas2d;
            const scale = c.width / c.getBoundingClientRect().width;
            const d = c.getContext('2d').getImageData(Math.round(from * scale), 0, c.width - Math.round(from * scale), c.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) n++;
            return n;
          },
          40 + 4 * pitch + 4,
        );
        assert.ok(ink > 200, `a colour bar right of the thumbnails (${ink} px)`);
        // Any thumbnail, here the last, opens its map at full resolution: every token × every token.
        const n = p.summary.tokens.length;
        await lens.page.mouse.click(canvas.x + 40 + pitch * 3.5, canvas.y + 22 + pitch * 3.5);
        await lens.until(`document.querySelector('.matrix-view .hover-info').textContent.startsWith('Layer 3, head 3 · ${n}×${n} ')`);
        await finish(lens);
      }
      assert.ok(cells[1] > cells[0] * 1.2, `a larger panel, larger thumbnails (${cells.join(' → ')} px)`);
      assert.ok(cells[0] > 130, `4 × 4 heads in 1100 × 800 px get thumbnails larger than 130 px (${cells[0]})`);
    },
  },
  {
    name: 'model, head and matrix views: captions wrap in a narrow panel instead of being cut off',
    run: async (ctx) => {
      const p = smallCausal();
      const lens = await open(ctx, p, 'dark', { width: 560, height: 800 });
      const whole = async (selector: string): Promise<void> => {
        const [scroll, client, text] = (await lens.page
          .locator(selector)
          .evaluate((el) => [el.scrollWidth, el.clientWidth, el.textContent])) as [number, number, string];
        assert.ok(text.length > 40, `${selector} says something (${text})`);
        assert.ok(scroll <= client + 1, `${selector} is not cut off (${scroll} > ${client} px): ${text}`);
      };
      await showView(lens, 'model');
      await whole('.model-view .hover-info');
      await whole('.model-view .caption');
      await showView(lens, 'head');
      const head = (await lens.page.locator('.head-canvas').boundingBox())!;
      await lens.page.mouse.move(head.x + 40, head.y + 18 * 5 + 9);
      await lens.settle();
      await whole('.head-view .hover-info');
      await showView(lens, 'matrix');
      await whole('.matrix-view .hover-info');
      await finish(lens);
    },
  },
  {
    name: 'head view: with several heads shown, each keeps its own colour even where they attend alike',
    run: async (ctx) => {
      // Heads 0 and 1 identical: drawn on the same lines, one colour would cover or blend into the other.
      const base = smallCausal();
      const n = base.summary.tokens.length;
      const p: Payload = {
        ...base,
        layer: (l) =>
          base
            .layer(l)
            .slice()
            .copyWithin(n * n, 0, n * n),
      };
      const lens = await open(ctx, p);
      await showView(lens, 'head');
      await lens.page.locator('vscode-checkbox[data-head="1"]').click();
      await lens.settle();
      assert.deepEqual((await lens.lastState())?.heads, [0, 1]);
      const box = (await lens.page.locator('.head-canvas').boundingBox())!;
      const colW = Math.min(180, Math.max(70, box.width * 0.28));
      const counts = await pureColourCounts(lens, '.head-canvas', ['#3794ff', '#d18616'], {
        x0: colW + 20,
        y0: 0,
        x1: box.width - colW - 20,
        y1: box.height,
      });
      assert.ok(counts[0] > 400 && counts[1] > 400, `pixels in head 0's and head 1's own colour: ${counts.join(', ')}`);
      // The caption names each shown head's own strongest key, not a mean over heads.
      await lens.page.mouse.move(box.x + 40, box.y + 18 * 12 + 9);
      await lens.settle();
      const top = argmaxRow(p.layer(0), n, 0, 12);
      const weight = p.layer(0)[12 * n + top].toFixed(3);
      const caption = (await lens.page.locator('.head-view .hover-info').textContent()) ?? '';
      const one = `${JSON.stringify(p.summary.tokens[top].display)} ${weight}`;
      assert.equal(
        caption,
        `${JSON.stringify(p.summary.tokens[12].display)} attends to (layer 0), strongest per head: H0 ${one} · H1 ${one}`,
      );
      await finish(lens);
    },
  },
  {
    name: 'matrix: axes titled; the colour bar covers no label, zoomed in or not; labels are tokens, with indices only beside them',
    run: async (ctx) => {
      const p = sized('causal', 512, 2, 2);
      const lens = await open(ctx, p);
      await recordMatrixDrawing(lens);
      await showView(lens, 'matrix');
      const check = async (zoomed: boolean): Promise<void> => {
        const drawn = await matrixFrame(lens);
        const texts = drawn.filter((d) => d.kind === 'text');
        assert.ok(
          texts.some((d) => d.text === 'Keys (attended to) →'),
          'the key axis is titled',
        );
        assert.ok(
          texts.some((d) => d.text === 'Queries (attending) →'),
          'the query axis is titled',
        );
        const { bar, labels } = colourBar(drawn);
        assert.ok(
          labels.some((d) => d.text === '0') && labels.some((d) => d.text.startsWith('≥')),
          `the bar has its scale: ${labels.map((d) => d.text).join(', ')}`,
        );
        const [left, top] = ((await lens.page.locator('.matrix-view canvas').getAttribute('data-plot')) ?? '').split(',').map(Number);
        const axisLabels = texts.filter(
          (d) => !labels.includes(d) && !d.text.includes('→') && (d.box.x1 <= left + 1 || d.box.y1 <= top + 1),
        );
        assert.ok(axisLabels.length >= 20, `${zoomed ? 'zoomed' : 'fit'}: labels along both axes (${axisLabels.length})`);
        for (const d of axisLabels) {
          assert.ok(!/^\d+$/.test(d.text), `a label is a token, not a bare index: "${d.text}"`);
          for (const cover of [bar, ...labels.map((l) => l.box)])
            assert.ok(!overlap(d.box, cover), `"${d.text}" ${JSON.stringify(d.box)} is clear of the colour bar ${JSON.stringify(cover)}`);
        }
        const tokens = new Set(p.summary.tokens.map((t) => t.display));
        const named = axisLabels.filter((d) => tokens.has(d.text.replace(/^\d+ /, '').replace(/…$/, '')) || d.text.endsWith('…'));
        assert.ok(
          named.length >= axisLabels.length * 0.9,
          `labels name tokens: ${axisLabels
            .slice(0, 6)
            .map((d) => d.text)
            .join(' | ')}`,
        );
      };
      await check(false);
      // Zoomed so that cells are large enough for every token and the column labels run the plot's width.
      for (let i = 0; i < 9; i++) await lens.page.locator('.matrix-view vscode-button[title^="Zoom in"]').click();
      await lens.settle();
      assert.ok(Number((await lens.lastState())?.zoom) >= 11, `zoomed in (${(await lens.lastState())?.zoom} px per token)`);
      await check(true);
      await finish(lens);
    },
  },
  ...(['light', 'dark', 'hc'] as const).map((theme) => ({
    name: `head, model and matrix views at 20, 100 and 512 tokens (${theme} theme, screenshots)`,
    run: async (ctx: TestContext) => {
      for (const [kind, tokens, layers, heads] of [
        ['masked', 20, 4, 4],
        ['causal', 100, 12, 12],
        ['masked', 512, 4, 4],
      ] as const) {
        const p = sized(kind, tokens, layers, heads);
        const lens = await open(ctx, p, theme);
        for (const view of ['head', 'model', 'matrix'] as const) {
          await showView(lens, view);
          if (view === 'head') await lens.page.locator('.head-view vscode-button', { hasText: 'All heads' }).click();
          await lens.settle();
          const ink = await lens.ink(view === 'head' ? '.head-canvas' : `.${view}-view canvas`);
          assert.ok(ink.inked > ink.width * ink.height * 0.01, `${view} at ${tokens} tokens has content`);
          await lens.page.screenshot({ path: join(ctx.shots, `views-${tokens}-${view}-${theme}.png`) });
        }
        // What several heads look like for one token: hovering a query in the head view.
        await showView(lens, 'head');
        const head = (await lens.page.locator('.head-canvas').boundingBox())!;
        await lens.page.mouse.move(head.x + 40, head.y + 18 * 5 + 9);
        await lens.settle();
        await lens.page.screenshot({ path: join(ctx.shots, `views-${tokens}-head-hover-${theme}.png`) });
        await finish(lens);
      }
    },
  })),
];
