// The Compare Tokenizers view and the sentence-pair marks, in the real bundles: a comparison made by the core from
// the embedded tokenizers is drawn with each token over exactly its characters (boxes of shared boundaries line up
// across tokenizers), the differing boundaries marked, the figures of the whole text, a cap on what is drawn that
// the view states, and a click that asks the host to reveal the token's span. Screenshots in light and dark.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { comparisonView } from '../../src/compare/comparisonView';
import { compareTokenizers } from '../../src/core/tokenize/compareTokenizers';
import { loadTextTokenizer } from '../../src/core/tokenize/textTokenizer';
import type { ComparisonView, RunSummary } from '../../src/protocol';
import { exportView, pngSize } from './chromeTests';
import { LensPage } from './harness';
import { finish } from './interactionTests';
import { makePayload } from './makePayload';
import { repoRoot } from './paths';
import type { TestCase, TestContext } from './run';

const TEXT = 'The unhappiest cat sat on the mat.\nZürich 東京 🙂 naïve — tokenizers disagree.\n\tIndented line with ünïcödé.\n';

async function comparison(text: string): Promise<ComparisonView> {
  const named = [];
  for (const name of ['lens-bert-mini', 'lens-gpt2-mini']) {
    named.push({ name, tokenizer: await loadTextTokenizer(join(repoRoot(), 'models', name)) });
  }
  return comparisonView(1, 'selection of sample.txt', text, compareTokenizers(text, named));
}

async function openWith(ctx: TestContext, view: ComparisonView, theme = 'dark'): Promise<LensPage> {
  const lens = await LensPage.open(ctx.browser, ctx.origin, 'compare', theme, { width: 900, height: 700 });
  await lens.page.evaluate((m) => (globalThis as unknown as { __lens: { deliver(x: unknown): void } }).__lens.deliver(m), {
    type: 'comparison',
    comparison: view,
  } as unknown as Record<string, unknown>);
  await lens.until(`document.body.dataset.comparison === '${view.id}'`);
  await lens.settle();
  return lens;
}

interface Box {
  row: string;
  start: number;
  end: number;
  left: number;
  right: number;
  line: number;
}

/** Every drawn token box: its tokenizer, span, and left and right edges on the page. */
async function boxes(lens: LensPage): Promise<Box[]> {
  // A string: the Node tsconfig has no DOM types.
  return lens.page.evaluate(`[...document.querySelectorAll('.line-block')].flatMap((block, line) =>
    [...block.querySelectorAll('.lane.tokens .piece')].map((p) => {
      const r = p.getBoundingClientRect();
      const { start, end } = p.dataset;
      return { row: p.parentElement.dataset.row, start: Number(start), end: Number(end), left: r.left, right: r.right, line };
    }))`);
}

export const compareTests: TestCase[] = [
  {
    name: 'compare tokenizers: figures, tokens over their characters, shared boundaries aligned, differing ones marked (screenshots)',
    async run(ctx) {
      const view = await comparison(TEXT);
      for (const theme of ['dark', 'light']) {
        const lens = await openWith(ctx, view, theme);
        // The figures: one row per tokenizer, the whole text's counts.
        const cells: string[][] = await lens.page.evaluate(
          `[...document.querySelectorAll('.compare-figures tbody tr')]
            .map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent))`,
        );
        assert.deepEqual(
          cells.map((c) => [c[0], c[1], c[2], c[4], c[5]]),
          view.rows.map((r) => [r.name, r.kind, String(r.stats.tokens), String(r.stats.differingBoundaries), String(r.stats.unknown)]),
        );
        assert.ok(view.rows[0].stats.unknown > 0, 'WordPiece has no piece for the emoji: [UNK]');
        assert.equal(cells[0][8], '[CLS] [SEP]');
        // Every token that covers text is drawn (split where it spans a line break), over its own characters.
        const drawn = await boxes(lens);
        for (const row of view.rows) {
          const covering = row.tokens.filter((t) => t.end > t.start);
          const starts = new Set(drawn.filter((b) => b.row === row.name).map((b) => `${b.start}-${b.end}`));
          assert.equal(starts.size, new Set(covering.map((t) => `${t.start}-${t.end}`)).size, `${row.name}: every token drawn`);
        }
        // Where both tokenizers end a token at the same character on the same line, their boxes end at the same x.
        const ends = (row: string) =>
          new Map(drawn.filter((b) => b.row === row && b.end <= TEXT.indexOf('\n')).map((b) => [b.end, b.right]));
        const [a, b] = [ends('lens-bert-mini'), ends('lens-gpt2-mini')];
        const shared = [...a.keys()].filter((end) => b.has(end));
        assert.ok(shared.length >= 5, `shared ends on line 1: ${shared.join(', ')}`);
        for (const end of shared) assert.ok(Math.abs(a.get(end)! - b.get(end)!) < 0.5, `boxes ending at char ${end} line up`);
        // One red mark per differing boundary.
        assert.equal(await lens.page.locator('.diff-mark').count(), view.differing.length);
        assert.ok(view.differing.length > 0);
        await lens.page.screenshot({ path: join(ctx.shots, `compare-tokenizers-${theme}.png`) });
        // A click asks the host to reveal that token's span.
        await lens.page.locator('.lane.tokens[data-row="lens-gpt2-mini"] .piece').nth(1).click();
        const posted = await lens.posted();
        const reveal = posted.find((m) => m.type === 'revealSpan');
        const second = view.rows[1].tokens.filter((t) => t.end > t.start)[1];
        assert.deepEqual(reveal, { type: 'revealSpan', start: second.start, end: second.end });
        await finish(lens);
      }
    },
  },
  {
    name: 'compare tokenizers export: PNG at 2× and SVG of vector shapes, titled, a box per token per lane (screenshots)',
    async run(ctx) {
      const view = await comparison(TEXT);
      const lens = await openWith(ctx, view, 'light');
      const buttons = await lens.page.locator('.compare-header vscode-button').allTextContents();
      assert.deepEqual(buttons, ['Export PNG', 'Export SVG', 'Export HTML', 'Export JSON']);
      await lens.page.locator('.compare-header vscode-button', { hasText: 'Export PNG' }).click();
      assert.ok(
        (await lens.posted()).some((m) => m.type === 'export' && m.format === 'png'),
        'the button asks the host',
      );
      const svg = await exportView(lens, 'svg');
      assert.equal(svg.error, undefined);
      assert.doesNotMatch(svg.svg!, /<image|data:image/, 'no raster inside');
      const title = 'Compare Tokenizers · selection of sample.txt';
      assert.ok(svg.svg!.includes(`>${title}`), 'the title is text');
      // One outlined box per token piece on a line (a token across a line break has one on each), in its row's colour.
      const pieces = await lens.page.locator('.lane.tokens .piece').count();
      const outlines = [...svg.svg!.matchAll(/<rect [^>]*fill="none" stroke="([^"]+)"/g)].map((m) => m[1]);
      assert.equal(outlines.length, pieces, 'an outline per drawn box');
      assert.equal(new Set(outlines).size, view.rows.length, 'one colour per tokenizer');
      const names = view.rows.map((r) => r.name);
      for (const name of names) assert.ok(svg.svg!.includes(`>${name}</text>`), `${name} labels its lanes`);
      const png = await exportView(lens, 'png');
      assert.equal(png.error, undefined);
      const size = pngSize(png.png!);
      // The view's widest line (its block is 8 px wider), then the lane labels: the figure is at least that, at 2×.
      const widest = await lens.page.evaluate(
        `Math.max(...[...document.querySelectorAll('.line-block')].map((b) => parseFloat(b.style.width)))`,
      );
      assert.ok(size.width >= 2 * (Number(widest) - 8), `2× the widest line (${size.width} px for ${String(widest)})`);
      assert.equal(size.width % 2, 0);
      const shot = await ctx.browser.newPage({ viewport: { width: 1100, height: 700 } });
      await shot.setContent(
        `<body style="margin:0"><img style="width:100%" src="data:image/png;base64,${png.png!.toString('base64')}"></body>`,
      );
      await shot.screenshot({ path: join(ctx.shots, 'compare-export-png.png') });
      await shot.setContent(`<body style="margin:0">${svg.svg!}</body>`);
      await shot.screenshot({ path: join(ctx.shots, 'compare-export-svg.png') });
      await shot.close();
      await finish(lens);
    },
  },
  {
    name: 'compare tokenizers by keyboard: each lane is a listbox with one tab stop, arrows move, Enter reveals the characters',
    async run(ctx) {
      const view = await comparison(TEXT);
      const lens = await openWith(ctx, view);
      const lanes = await lens.page.evaluate(`[...document.querySelectorAll('.lane.tokens')].map((lane) => ({
        role: lane.getAttribute('role'),
        stops: [...lane.querySelectorAll('.piece')].filter((p) => p.tabIndex === 0).length,
        options: [...lane.querySelectorAll('.piece')].every((p) => p.getAttribute('role') === 'option'),
      }))`);
      for (const lane of lanes as { role: string; stops: number; options: boolean }[])
        assert.deepEqual(lane, { role: 'listbox', stops: 1, options: true });
      const active = () =>
        lens.page.evaluate<{ row: string; start: number; end: number }>(`(() => { const p = document.activeElement;
          return { row: p.parentElement.dataset.row, start: Number(p.dataset.start), end: Number(p.dataset.end) }; })()`);
      const gpt2 = view.rows[1].tokens.filter((t) => t.end > t.start);
      await lens.page.locator('.lane.tokens[data-row="lens-bert-mini"] .piece').first().focus();
      // Tab leaves the lane for the next one: one stop per lane, not one per box.
      await lens.page.keyboard.press('Tab');
      assert.deepEqual(await active(), { row: 'lens-gpt2-mini', start: gpt2[0].start, end: gpt2[0].end });
      await lens.page.keyboard.press('ArrowRight');
      await lens.page.keyboard.press('ArrowRight');
      assert.deepEqual(await active(), { row: 'lens-gpt2-mini', start: gpt2[2].start, end: gpt2[2].end });
      await lens.page.keyboard.press('Enter');
      const reveal = (await lens.posted()).filter((m) => m.type === 'revealSpan');
      assert.deepEqual(reveal, [{ type: 'revealSpan', start: gpt2[2].start, end: gpt2[2].end }]);
      // The tab stop moved with the focus: Shift+Tab and Tab come back to the same box.
      await lens.page.keyboard.press('Shift+Tab');
      await lens.page.keyboard.press('Tab');
      assert.deepEqual(await active(), { row: 'lens-gpt2-mini', start: gpt2[2].start, end: gpt2[2].end });
      await lens.page.keyboard.press('End');
      const last = await active();
      assert.ok(last.end <= TEXT.indexOf('\n') + 1 && last.end > gpt2[2].end, "End: the lane's last box");
      await lens.page.screenshot({ path: join(ctx.shots, 'compare-keyboard-focus.png') });
      await finish(lens);
    },
  },
  {
    name: 'compare tokenizers on a whole file: the figures count all of it, the view draws its first lines and says so',
    async run(ctx) {
      const text = Array.from({ length: 3000 }, (_, i) => `Line ${i}: the quick brown fox jumps over the lazy dog.\n`).join('');
      const view = await comparison(text);
      assert.ok(view.text.length < text.length && view.text.endsWith('\n'));
      const lens = await openWith(ctx, view);
      const notice = await lens.page.locator('.compare-notice').textContent();
      const whole = text.length.toLocaleString('en-US');
      assert.ok(
        notice?.startsWith(`Drawn: the first ${view.text.length.toLocaleString('en-US')} of ${whole} characters (whole lines)`),
        notice ?? '',
      );
      const lines = await lens.page.locator('.line-block').count();
      assert.equal(lines, view.text.split('\n').length - 1);
      assert.ok(lines < 3000);
      const figures = await lens.page.locator('.compare-figures tbody tr').first().locator('td').nth(2).textContent();
      assert.equal(figures, view.rows[0].stats.tokens.toLocaleString('en-US'));
      assert.ok(view.rows[0].stats.tokens > 3000 * 10, 'counted over the whole file');
      await finish(lens);
    },
  },
  {
    name: 'sentence pair: the tokens view marks A and B and says whether segments are fed; the head view draws A → B only',
    async run(ctx) {
      const p = makePayload({ name: 'pair', kind: 'masked', tokens: 20, layers: 2, heads: 2 });
      const bStart = 9;
      const summary: RunSummary = {
        ...p.summary,
        pair: { sentenceBStart: bStart, segments: p.summary.tokens.map((_, i) => (i < bStart ? 0 : 1)), segmentsFed: false },
      };
      const lens = await LensPage.open(ctx.browser, ctx.origin, 'inspector', 'dark', { width: 1000, height: 760 });
      await lens.sendRun({ ...p, summary });
      await lens.until(`document.querySelectorAll('.chip').length === ${summary.tokens.length}`);
      assert.equal(await lens.page.locator('.chip.sentence-a').count(), bStart);
      assert.equal(await lens.page.locator('.chip.sentence-b').count(), summary.tokens.length - bStart);
      const note = await lens.page.locator('.tokens-view .pair-note').textContent();
      assert.match(note ?? '', /A = tokens 0–8, B = tokens 9–\d+ · .* takes no token_type_ids: it ignores segments/);
      await lens.page.screenshot({ path: join(ctx.shots, 'pair-tokens.png') });
      // The head view filtered to A → B: each line drawn goes from a query row of A to a key row of B.
      await lens.tab('head');
      await lens.page.locator('.head-view vscode-button', { hasText: 'All heads' }).click();
      await lens.page.locator('.head-view .pair-select vscode-single-select').click();
      await lens.page.keyboard.press('ArrowDown');
      await lens.page.keyboard.press('Enter');
      await lens.settle();
      assert.equal((await lens.lastState())?.pairFilter, 'ab');
      // Each line's y at its query end (moveTo) and its key end (lineTo), as the head view draws it.
      await lens.page.evaluate(`(() => {
        window.__lines = [];
        const proto = Path2D.prototype;
        const { moveTo, lineTo } = proto;
        proto.moveTo = function (x, y) { window.__lines.push([y]); return moveTo.call(this, x, y); };
        proto.lineTo = function (x, y) { window.__lines[window.__lines.length - 1]?.push(y); return lineTo.call(this, x, y); };
      })()`);
      await lens.page.setViewportSize({ width: 1040, height: 760 });
      await lens.settle();
      // Rows are 18 px; a head's lane keeps its line within its row.
      const lines = await lens.page.evaluate(() => (globalThis as unknown as { __lines: number[][] }).__lines);
      assert.ok(lines.length > 0, 'the filtered head view still draws A → B links');
      for (const [from, to] of lines) {
        assert.ok(Math.floor(from / 18) < bStart, `a line leaves query row ${Math.floor(from / 18)}, in sentence A`);
        assert.ok(Math.floor(to / 18) >= bStart, `and reaches key row ${Math.floor(to / 18)}, in sentence B`);
      }
      const note2 = await lens.page.locator('.head-view .pair-note').textContent();
      assert.match(note2 ?? '', /Sentence pair/);
      await lens.page.screenshot({ path: join(ctx.shots, 'pair-head-view-a-to-b.png') });
      await finish(lens);
    },
  },
];
