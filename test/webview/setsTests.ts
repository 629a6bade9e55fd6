// A run of two token lists and three attention sets (encoder, decoder, cross): the set selector, the head view's
// two lists, the non-square matrix with its titled axes, the model view of the chosen set, and what is drawn.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TokenView } from '../../src/protocol';
import { exportView } from './chromeTests';
import { smallCausal } from './fixtures';
import type { LensPage } from './harness';
import { chooseOption, finish, openRun } from './interactionTests';
import { layerReply } from './payload';
import { setsPayload } from './setsPayload';
import type { TestCase } from './run';

const p = setsPayload();
const input = p.summary.tokens;
const target = p.summary.target!.tokens;
const ROW = 18;

/** Picks a set by name in a view's selector (the options are in the run's order of sets). */
export async function pickSet(lens: LensPage, view: string, name: string): Promise<void> {
  const names = p.summary.attentionSets.map((s) => s.name);
  const from = names.indexOf(((await lens.lastState())?.set as string) || names[0]);
  const steps = names.indexOf(name) - from;
  await lens.page.locator(`.${view}-view .set-select vscode-single-select`).click();
  for (let i = 0; i < Math.abs(steps); i++) await lens.page.keyboard.press(steps > 0 ? 'ArrowDown' : 'ArrowUp');
  await lens.page.keyboard.press('Enter');
  await lens.settle();
  assert.equal((await lens.lastState())?.set, name);
}

async function loaded(lens: LensPage, view: string): Promise<void> {
  await lens.until(`!document.querySelector('.${view}-view .hover-info').textContent.startsWith('Loading')`);
}

async function info(lens: LensPage, view: string): Promise<string> {
  return (await lens.page.locator(`.${view}-view .hover-info`).textContent()) ?? '';
}

/** The head view's text for the top 5 of a row or a column, as describeRanked writes it (ties keep index order). */
function ranked(weights: number[], names: TokenView[]): string {
  const order = weights
    .map((w, i) => ({ w, i }))
    .sort((a, b) => b.w - a.w || a.i - b.i)
    .slice(0, 5);
  return order.map((r) => `${JSON.stringify(names[r.i].display)} ${r.w.toFixed(3)}`).join(', ');
}

/** The matrix cell under (q, k) by the plot's geometry (data-plot: left, top, px per cell, pan x, pan y). */
async function hoverCell(lens: LensPage, q: number, k: number): Promise<string | null> {
  const [left, top, cell] = ((await lens.page.locator('.matrix-view canvas').getAttribute('data-plot')) ?? '').split(',').map(Number);
  const box = (await lens.page.locator('.matrix-view canvas').boundingBox())!;
  await lens.page.mouse.move(box.x + left + cell * (k + 0.5), box.y + top + cell * (q + 0.5));
  await lens.settle();
  const tip = lens.page.locator('.matrix-view .tooltip');
  return (await tip.isVisible()) ? await tip.textContent() : null;
}

export const setsTests: TestCase[] = [
  {
    name: "attention sets: the stub sends every set's layers as rows that sum to 1, a causal set 0 above the diagonal",
    run: async () => {
      for (const set of p.summary.attentionSets) {
        for (let l = 0; l < set.layers; l++) {
          const reply = layerReply(p, set.name, l);
          assert.ok(!('error' in reply));
          const { heads, queries, keys } = reply.meta as { heads: number; queries: number; keys: number };
          assert.equal(reply.data.length, heads * queries * keys, `${set.name} layer ${l}`);
          for (let r = 0; r < heads * queries; r++) {
            const row = reply.data.subarray(r * keys, (r + 1) * keys);
            assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `${set.name} L${l} row ${r}`);
            if (set.causal)
              assert.ok(
                row.subarray((r % queries) + 1).every((w) => w === 0),
                `${set.name} L${l} row ${r} above the diagonal`,
              );
          }
        }
      }
      assert.deepEqual([target.length, input.length], [9, 14], 'two lists of different lengths');
    },
  },
  {
    name: "attention sets: one set shows no selector; several do, and the head view draws the set's two lists (screenshot)",
    run: async (ctx) => {
      const one = await openRun(ctx, smallCausal());
      for (const tab of ['head', 'model', 'matrix']) {
        await one.tab(tab);
        assert.equal(await one.page.locator(`.${tab}-view .set-select`).isVisible(), false, `${tab}: one set, no selector`);
      }
      assert.equal(await one.page.locator('.model-view .toolbar').isVisible(), false, 'nor an empty bar');
      await finish(one);
      const lens = await openRun(ctx, p);
      await lens.tab('head');
      assert.equal(await lens.page.locator('.head-view .set-select').isVisible(), true);
      const labels = await lens.page.locator('.head-view .set-select vscode-option').allTextContents();
      assert.deepEqual(
        labels.map((t) => t.trim()),
        p.summary.attentionSets.map((s) => s.label),
      );
      await chooseOption(lens, '.head-view .set-select vscode-single-select', 2);
      assert.equal((await lens.lastState())?.set, 'cross');
      assert.ok(
        (await lens.requests('layer')).some((m) => m.set === 'cross' && m.layer === 0),
        'asks for the cross set',
      );
      await loaded(lens, 'head');
      const canvas = lens.page.locator('.head-canvas');
      const box = (await canvas.boundingBox())!;
      const cross = p.layer(0, 'cross');
      // Left: the queries (target list); what a target token attends to is named from the keys (input list).
      await lens.page.mouse.move(box.x + 20, box.y + 2 * ROW + ROW / 2);
      await lens.settle();
      const row2 = Array.from(cross.subarray(2 * input.length, 3 * input.length));
      assert.equal(await info(lens, 'head'), `${JSON.stringify(target[2].display)} attends to (layer 0, head 0): ${ranked(row2, input)}`);
      await lens.page.screenshot({ path: join(ctx.shots, 'sets-head-cross-dark.png') });
      // Right: the keys (input list), longer than the target: row 12 has a key and no query.
      await lens.page.mouse.move(box.x + box.width - 20, box.y + 12 * ROW + ROW / 2);
      await lens.settle();
      const column12 = target.map((_, q) => cross[q * input.length + 12]);
      assert.equal(
        await info(lens, 'head'),
        `${JSON.stringify(input[12].display)} is attended by (layer 0, head 0): ${ranked(column12, target)}`,
      );
      await lens.page.mouse.move(box.x + 20, box.y + 12 * ROW + ROW / 2);
      await lens.settle();
      assert.match(await info(lens, 'head'), /^Hover a token/, 'no query in row 12');
      // A set with fewer layers keeps the layer within its own.
      await chooseOption(lens, '.head-view .layer-select vscode-single-select', 2);
      assert.equal((await lens.lastState())?.layer, 2);
      await pickSet(lens, 'head', 'encoder');
      assert.equal((await lens.lastState())?.layer, 1, 'the encoder has 2 layers');
      await finish(lens);
    },
  },
  {
    name: 'attention sets: the matrix is queries × keys, each axis titled with its list, and its rows sum to 1 (screenshot)',
    run: async (ctx) => {
      const lens = await openRun(ctx, p);
      await lens.tab('matrix');
      await pickSet(lens, 'matrix', 'cross');
      await loaded(lens, 'matrix');
      assert.match(await info(lens, 'matrix'), /^Layer 0, mean of heads · 9×14 · zoom/);
      const cross = p.layer(0, 'cross');
      const mean = (q: number, k: number): number => (cross[q * 14 + k] + cross[9 * 14 + q * 14 + k]) / 2;
      const tip = (await hoverCell(lens, 8, 13)) ?? '';
      assert.ok(tip.startsWith(`${target[8].display} → ${input[13].display}: `), tip);
      assert.ok(Math.abs(Number(tip.split(': ').pop()) - mean(8, 13)) < 1.5e-4, tip);
      assert.equal(await hoverCell(lens, 9, 3), null, 'no tenth query row');
      let sum = 0;
      for (let k = 0; k < input.length; k++) sum += Number((await hoverCell(lens, 3, k))!.split(': ').pop());
      assert.ok(Math.abs(sum - 1) < input.length * 6e-5, `the drawn row sums to ${sum}`);
      await lens.page.screenshot({ path: join(ctx.shots, 'sets-matrix-cross-dark.png') });
      const svg = await exportView(lens, 'svg');
      assert.equal(svg.name, 'matrix_cross_L0_mean');
      assert.ok(svg.svg?.includes('Keys: input tokens (attended to) →'), 'the column axis names the input list');
      assert.ok(svg.svg?.includes('Queries: target tokens (attending) →'), 'the row axis names the target list');
      assert.ok(svg.svg?.includes('Attention matrix · Cross-attention (target → input) · layer 0'), 'the caption names the set');
      await finish(lens);
    },
  },
  {
    name: 'attention sets: the model view draws the chosen set; a causal set is drawn 0 above the diagonal (screenshot)',
    run: async (ctx) => {
      const lens = await openRun(ctx, p);
      await lens.tab('model');
      await lens.until(`document.querySelector('.model-view .caption').textContent.startsWith('Each map')`);
      assert.match((await lens.page.locator('.model-view .caption').textContent()) ?? '', /^Each map shows all 14 × 14 weights/);
      const encoder = await lens.ink('.model-view canvas');
      await pickSet(lens, 'model', 'decoder');
      assert.match((await lens.page.locator('.model-view .caption').textContent()) ?? '', /^Each map shows all 9 × 9 weights/);
      assert.notEqual((await lens.ink('.model-view canvas')).hash, encoder.hash);
      const [left, top, pitch] = ((await lens.page.locator('.model-view canvas').getAttribute('data-grid')) ?? '').split(',').map(Number);
      const box = (await lens.page.locator('.model-view canvas').boundingBox())!;
      await lens.page.mouse.move(box.x + left + pitch * 1.5, box.y + top + pitch * 2.5);
      await lens.settle();
      const map = p.layer(2, 'decoder').subarray(81, 162);
      assert.match(
        await info(lens, 'model'),
        new RegExp(`^Layer 2, head 1: strongest weight ${Math.max(...map).toFixed(3)}\\.`),
        "the third layer is the decoder's",
      );
      await lens.page.screenshot({ path: join(ctx.shots, 'sets-model-decoder-dark.png') });
      // The matrix of the decoder's head 0: every cell above the diagonal has the colour of 0, the diagonal does not.
      await lens.page.mouse.click(box.x + left + pitch * 0.5, box.y + top + pitch * 0.5);
      await lens.settle();
      await loaded(lens, 'matrix');
      const [mLeft, mTop, cell] = ((await lens.page.locator('.matrix-view canvas').getAttribute('data-plot')) ?? '').split(',').map(Number);
      const colours = await lens.page.locator('.matrix-view canvas').evaluate(
        (el, g) => {
          const c = el as unknown as {
            width: number;
            clientWidth: number;
            getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
          };
          const dpr = c.width / c.clientWidth;
          const out: string[][] = [];
          for (let q = 0; q < 9; q++) {
            out.push([]);
            for (let k = 0; k < 9; k++) {
              const d = c
                .getContext('2d')
                .getImageData(Math.round((g.left + (k + 0.5) * g.cell) * dpr), Math.round((g.top + (q + 0.5) * g.cell) * dpr), 1, 1).data;
              out[q].push(`${d[0]},${d[1]},${d[2]}`);
            }
          }
          return out;
        },
        { left: mLeft, top: mTop, cell },
      );
      const zero = colours[0][8];
      for (let q = 0; q < 9; q++) for (let k = q + 1; k < 9; k++) assert.equal(colours[q][k], zero, `cell ${q},${k} above the diagonal`);
      assert.notEqual(colours[0][0], zero, 'the first query attends to itself alone');
      await finish(lens);
    },
  },
];
