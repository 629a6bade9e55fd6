// The notebook renderer's bundle (dist/webview/notebook.js) in Chromium, as VS Code's output webview runs it: a stored
// output of a run file (the tiny GPT-2 run of test/integration/workspace/run-output.ipynb, maps in base64) is drawn
// with the inspector's views, answered from the file alone; a malformed output lists its problems instead.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from './paths';
import type { TestCase, TestContext } from './run';

const MIME = 'application/vnd.attention-lens.run+json';

function storedOutput(): Record<string, unknown> {
  const notebook = JSON.parse(readFileSync(join(repoRoot(), 'test', 'integration', 'workspace', 'run-output.ipynb'), 'utf8'));
  return notebook.cells[0].outputs[0].data[MIME];
}

async function render(ctx: TestContext, data: unknown, theme: string): Promise<{ page: Page; errors: string[] }> {
  const page = await ctx.browser.newPage({ viewport: { width: 1000, height: 760 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${ctx.origin}/notebook?theme=${theme}`);
  await page.waitForFunction('window.__renderer !== undefined');
  await page.evaluate(
    ([data, mime]) => {
      const renderer = (globalThis as unknown as { __renderer: { renderOutputItem(item: unknown, element: unknown): void } }).__renderer;
      const doc = (globalThis as unknown as { document: { getElementById(id: string): unknown } }).document;
      renderer.renderOutputItem({ id: 'cell-1-output-1', mime, json: () => data }, doc.getElementById('output'));
    },
    [data, MIME] as const,
  );
  return { page, errors };
}

export const notebookTests: TestCase[] = [
  {
    name: 'notebook renderer: a stored run output draws the tokens, model view and head view from the file, offline',
    async run(ctx) {
      const run = storedOutput();
      for (const theme of ['dark', 'light']) {
        const { page, errors } = await render(ctx, run, theme);
        const facts = page.locator('.attention-lens-output .summary .facts');
        await facts.waitFor();
        const text = (await facts.textContent()) ?? '';
        assert.match(text, /tiny-gpt2/);
        assert.match(text, /read from a notebook output, no model loaded/);
        assert.match(text, new RegExp(`${(run.tokens as unknown[]).length} tokens`));
        for (const tab of ['model', 'head', 'matrix', 'predictions']) {
          await page.locator(`vscode-tab-header[data-tab="${tab}"]`).click();
          if (tab !== 'predictions') await page.locator(`vscode-tab-panel[data-tab="${tab}"] canvas[data-draw-ms]`).first().waitFor();
          await page.waitForTimeout(200);
          await page.screenshot({ path: join(ctx.shots, `notebook-${tab}-${theme}.png`) });
        }
        const status = (await page.locator('.attention-lens-output .summary .status').textContent()) ?? '';
        assert.doesNotMatch(status, /could not|error/i, 'every layer came from the file');
        assert.deepEqual(errors, []);
        await page.close();
      }
    },
  },
  {
    name: 'notebook renderer: a malformed output lists its problems, each at its path, and draws no views',
    async run(ctx) {
      const run = { ...storedOutput(), format: 'attention-lens-run/9' };
      const { page, errors } = await render(ctx, run, 'dark');
      const problems = page.locator('.attention-lens-output.invalid li');
      await problems.first().waitFor();
      assert.match((await problems.first().textContent()) ?? '', /^\$\.format: must be one of "attention-lens-run\/3"/);
      assert.equal(await page.locator('vscode-tabs').count(), 0);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
];
