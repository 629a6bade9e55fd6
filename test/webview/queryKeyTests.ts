// The query·key view in the matrix tab: the q·k toggle asks the host for the shown head at the selected query token,
// draws q, each listed key's k and q ⊙ k as strips with q·k, the score and the probability, says how the score is
// made and which key/value head a grouped-query head reads, and asks for more keys on "Show more". The host's reply
// is made here from a q and keys whose products the test knows, so every number the view prints is checked.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { QueryKeyView } from '../../src/protocol';
import { gqaPayload } from './gqaPayload';
import { LensPage } from './harness';
import { chooseOption, finish } from './interactionTests';
import type { TestCase } from './run';

/** The inspector beside an editor, as the integration tier's workbench lays it out. */
const BESIDE_EDITOR = { width: 520, height: 780 };
const TOKENS = 120;
const DIM = 16;
const long = gqaPayload({ name: 'qk-gqa', layers: 2, heads: 4, kvHeads: 2, tokens: TOKENS });

/** A reply as plain arrays, with each listed key's q·k (`dots`) for the checks. */
type Reply = Omit<QueryKeyView, 'q' | 'scores' | 'probs' | 'k'> & {
  q: number[];
  scores: number[];
  probs: number[];
  k: number[];
  dots: number[];
};

/** A reply as the host makes it: keys after the query masked (causal), score = q·k / √d, the top keys' vectors. */
function reply(query: number, head: number, count: number): Reply {
  const rnd = (i: number) => Math.sin(i * 12.9898 + head * 78.233) * 1.7;
  const q = Array.from({ length: DIM }, (_, c) => rnd(c + 1));
  const k = Array.from({ length: TOKENS }, (_, j) => Array.from({ length: DIM }, (_, c) => rnd(1000 + j * DIM + c)));
  const dots = k.map((kj) => kj.reduce((s, x, c) => s + x * q[c], 0));
  const scores = dots.map((d, j) => (j > query ? -Infinity : d / Math.sqrt(DIM)));
  const top = Math.max(...scores);
  const exp = scores.map((s) => Math.exp(s - top));
  const total = exp.reduce((a, b) => a + b, 0);
  const probs = exp.map((e) => e / total);
  const order = probs
    .map((_, j) => j)
    .sort((a, b) => probs[b] - probs[a] || a - b)
    .slice(0, count);
  return {
    runId: long.summary.runId,
    set: 'self',
    layer: 1,
    head,
    query,
    dim: DIM,
    keys: TOKENS,
    scale: 1 / Math.sqrt(DIM),
    q,
    scores,
    probs,
    top: order,
    k: order.flatMap((j) => k[j]),
    dots: order.map((j) => dots[j]),
  };
}

async function answer(lens: LensPage, requestId: number, r: Reply): Promise<void> {
  const { dots: _dots, ...view } = r;
  await lens.page.evaluate(
    ({ requestId, view }) => {
      const lens = (globalThis as unknown as { __lens: { deliver(x: unknown): void } }).__lens;
      const f32 = (a: number[]) => Float32Array.from(a);
      const v = view as Record<string, unknown> & { q: number[]; scores: number[]; probs: number[]; k: number[] };
      lens.deliver({
        type: 'reply',
        inReplyTo: requestId,
        result: { ...v, q: f32(v.q), scores: f32(v.scores.map((s) => (s === null ? -Infinity : s))), probs: f32(v.probs), k: f32(v.k) },
      });
    },
    // JSON carries −∞ as null; the page turns it back.
    { requestId, view: JSON.parse(JSON.stringify(view)) as unknown },
  );
  await lens.settle();
}

export const queryKeyTests: TestCase[] = [
  {
    name: 'query·key: q·k toggle asks for the head at the selected token, prints q·k, scores, probabilities and GQA sharing (screenshot)',
    run: async (ctx) => {
      const lens = await LensPage.open(ctx.browser, ctx.origin, 'inspector', 'dark', BESIDE_EDITOR);
      await lens.sendRun(long);
      await lens.until(`document.querySelectorAll('.chip').length === ${TOKENS}`);
      await lens.page.locator('.chip').nth(100).click();
      await lens.tab('matrix');
      await chooseOption(lens, '.matrix-view .layer-select vscode-single-select', 1);
      await lens.page.locator('.matrix-view .qk-toggle').click();
      await lens.settle();
      assert.match(await lens.page.locator('.qk-caption').innerText(), /Choose one head/);
      assert.equal((await lens.requests('queryKey')).length, 0, 'no request for the mean of heads');
      await chooseOption(lens, '.matrix-view .head-select vscode-single-select', 4);
      await lens.until(`window.__lens.posted.some((m) => m.type === 'request' && m.method === 'queryKey')`);
      const [asked] = await lens.requests('queryKey');
      assert.deepEqual(
        { ...asked, requestId: 0 },
        { type: 'queryKey', requestId: 0, runId: long.summary.runId, set: 'self', layer: 1, head: 3, query: 100, keys: 48 },
      );
      const r = reply(100, 3, 48);
      await answer(lens, asked.requestId as number, r);
      const caption = await lens.page.locator('.qk-caption').innerText();
      assert.match(caption, /Layer 1, head 3 · KV 1 · reads key\/value head 1 \(query heads 2–3 share its keys\)/);
      assert.match(caption, /query #100 .* d = 16 · score = q·k × 0\.2500 \(1\/√16\), then the mask/);
      assert.match(caption, /120 keys, 19 masked \(−∞\), the 48 most attended listed/);
      const rows = lens.page.locator('.qk-keys tbody tr');
      assert.equal(await rows.count(), 48);
      for (const i of [0, 1, 47]) {
        const cells = await rows.nth(i).locator('td').allInnerTexts();
        const key = r.top[i];
        assert.ok(cells[0].startsWith(`#${key} `), `row ${i} is key ${key}: ${cells[0]}`);
        assert.ok(Math.abs(Number(cells[3]) - r.dots[i]) < 1e-3, `row ${i}: q·k ${cells[3]} is Σ q ⊙ k = ${r.dots[i]}`);
        assert.ok(Math.abs(Number(cells[4]) - r.dots[i] / 4) < 1e-3, `row ${i}: score ${cells[4]}`);
        assert.ok(Math.abs(Number(cells[5]) - r.probs[key]) < 1e-4, `row ${i}: probability ${cells[5]}`);
      }
      assert.equal(await lens.page.locator('.qk-keys canvas.qk-strip').count(), 1 + 48 * 2, 'q, then k and q ⊙ k per key');
      await lens.page.screenshot({ path: join(ctx.shots, 'query-key-beside-editor.png') });
      // More keys: the next request asks for twice as many, and the rows follow.
      await lens.page.locator('.qk-more').click();
      await lens.until(`window.__lens.posted.filter((m) => m.type === 'request' && m.method === 'queryKey').length === 2`);
      const more = (await lens.requests('queryKey'))[1];
      assert.equal(more.keys, 96);
      await answer(lens, more.requestId as number, reply(100, 3, 96));
      assert.equal(await rows.count(), 96);
      // Off again: the matrix is back.
      await lens.page.locator('.matrix-view .qk-toggle').click();
      await lens.settle();
      assert.equal(await lens.page.locator('.qk-view').isHidden(), true);
      assert.equal(await lens.page.locator('.matrix-view .matrix-area').isVisible(), true);
      await finish(lens);
    },
  },
];
