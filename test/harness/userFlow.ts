// A user's flow through the real UI: the packaged VSIX is installed into a fresh profile of the VS Code server,
// and headless Chromium drives the workbench by keyboard — Quick Open sample.txt, select a line, F1 →
// "Attention Lens: Inspect Selection" — then reads what the panel's webview shows (tokens, the mask's
// predictions, the model view), opens the side view on a token, and takes screenshots of each.
//   node out/test/harness/userFlow.js [--vsix file.vsix]   (without --vsix it runs tools/package.mjs first)
// Model: the embedded default if models/ has it, else the tiny BERT fixture (same bert-base-uncased tokens).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { inspectorFrame, openFile, runCommand, selectLine, STEP_TIMEOUT_MS, webviewFrameWith } from './workbenchUi';
import { openBrowser, resultsDir, screenshot, writeConsoleLog } from './browser';
import { buildVsix, freshWorkspace, installVsix, prepareProfile, profileDirs, repoRoot, startServer } from './vscodeServer';
import { runMain } from './runMain';

const SENTENCE_TOKENS = ['[CLS]', 'the', 'cat', 'sat', 'on', 'the', 'mat', 'because', 'it', 'was', 'tired', '.', '[SEP]'];

interface Check {
  name: string;
  run: () => Promise<void>;
}

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? path.resolve(process.argv[at + 1] ?? '') : undefined;
}

function modelSettings(): Record<string, unknown> {
  // ATTENTION_LENS_UI_MODEL=causal shows the embedded GPT-2 model instead, to look at its panels (the masked
  // model's checks then fail: they read [MASK] predictions).
  if (process.env.ATTENTION_LENS_UI_MODEL === 'causal') return { 'attentionLens.activeModel': 'causal' };
  const embedded = path.join(repoRoot, 'models', 'lens-bert-mini', 'onnx', 'model.onnx');
  if (fs.existsSync(embedded)) return { 'attentionLens.activeModel': 'masked' };
  const fixture = path.join(repoRoot, 'test', 'fixtures', 'models', 'tiny-bert');
  console.log(`(no embedded default model in models/: using ${path.relative(repoRoot, fixture)})`);
  return { 'attentionLens.activeModel': 'masked', 'attentionLens.maskedModel': fixture };
}

/** Waits until `read` returns a value that `ok` accepts; fails with the last value read. */
async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let value = await read();
  while (!ok(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: the view shows ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}

async function chipTexts(frame: FrameLocator, expectedCount: number): Promise<string[]> {
  const chips = frame.locator('.token-list .chip');
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let texts: string[] = [];
  while (Date.now() < deadline) {
    texts = (await chips.allTextContents().catch(() => [])).map((t) => t.trim());
    if (texts.length === expectedCount) return texts;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return texts;
}

async function main(): Promise<number> {
  const started = Date.now();
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-ui-'));
  const dirs = profileDirs(temp);
  prepareProfile(dirs, modelSettings());
  const workspace = freshWorkspace(temp);
  const results: { name: string; error?: string }[] = [];
  const check = async ({ name, run }: Check): Promise<boolean> => {
    try {
      await run();
      results.push({ name });
      console.log(`✔ ${name}`);
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.push({ name, error: message });
      console.log(`✖ ${name}\n    ${message.split('\n').slice(0, 6).join('\n    ')}`);
      return false;
    }
  };

  const installed = await check({
    name: 'the packaged VSIX installs into a fresh VS Code profile',
    run: async () => installVsix(dirs, argValue('--vsix') ?? buildVsix(temp)),
  });
  if (installed) {
    const server = await startServer({ dirs, logFile: path.join(resultsDir, 'userflow-server.log') });
    const browser = await openBrowser().catch(async (error: unknown) => {
      await server.stop();
      throw error;
    });
    const { page } = browser;
    try {
      await page.goto(`${server.base}/?folder=${encodeURIComponent(workspace)}`);
      const opened = await check({
        name: 'Quick Open shows sample.txt in the editor',
        run: async () => {
          await openFile(page, 'sample.txt', 'Transformer');
        },
      });
      if (opened) {
        await check({
          name: "Inspect Selection from the command palette shows the selected line's tokens in the panel",
          run: async () => {
            await selectLine(page, 1);
            await runCommand(page, 'Attention Lens: Inspect Selection');
            const texts = await chipTexts(inspectorFrame(page), SENTENCE_TOKENS.length);
            await screenshot(page, 'inspector.png');
            if (JSON.stringify(texts) !== JSON.stringify(SENTENCE_TOKENS)) {
              throw new Error(`token chips: expected ${JSON.stringify(SENTENCE_TOKENS)}, the panel shows ${JSON.stringify(texts)}`);
            }
          },
        });
        await check({
          name: 'a second inspection (the [MASK] line) replaces the panel content',
          run: async () => {
            await selectLine(page, 2);
            await runCommand(page, 'Attention Lens: Inspect Selection');
            const expected = ['[CLS]', 'paris', 'is', 'the', '[MASK]', 'of', 'france', '.', '[SEP]'];
            const texts = await chipTexts(inspectorFrame(page), expected.length);
            await screenshot(page, 'inspector-mask.png');
            if (JSON.stringify(texts) !== JSON.stringify(expected)) {
              throw new Error(`token chips: expected ${JSON.stringify(expected)}, the panel shows ${JSON.stringify(texts)}`);
            }
          },
        });
        await check({
          name: 'clicking a token chip selects its span in the editor beside; the inspector stays in view, no second copy opens',
          run: async () => {
            const frame = inspectorFrame(page);
            await frame.locator('.token-list .chip', { hasText: 'france' }).click();
            await page.locator('.editor-instance .selected-text').first().waitFor({ timeout: STEP_TIMEOUT_MS });
            await screenshot(page, 'inspector-token-click.png');
            const copies = await page.locator('.tabs-container .tab', { hasText: 'sample.txt' }).count();
            if (copies !== 1) throw new Error(`sample.txt has ${copies} tabs after the click; one expected`);
            if (!(await frame.locator('.token-list .chip', { hasText: 'france' }).isVisible()))
              throw new Error('the inspector is no longer visible');
          },
        });
        await check({
          name: "the Predictions tab lists the [MASK]'s top-k, most probable first",
          run: async () => {
            const frame = inspectorFrame(page);
            await frame.locator('vscode-tab-header[data-tab="predictions"]').click();
            const values = await until(
              'the top-k probabilities',
              async () =>
                (
                  await frame
                    .locator('.predictions-view .bar-value')
                    .allTextContents()
                    .catch(() => [])
                ).map((t) => Number.parseFloat(t)),
              (v) => v.length >= 5,
            );
            await screenshot(page, 'inspector-predictions.png');
            if (!values.every((p, i) => p > 0 && p <= 1 && (i === 0 || p <= values[i - 1])))
              throw new Error(`probabilities out of order or range: ${values.join(', ')}`);
          },
        });
        await check({
          name: 'the Model view draws every layer × head of the default model',
          run: async () => {
            const frame = inspectorFrame(page);
            await frame.locator('vscode-tab-header[data-tab="model"]').click();
            await until(
              'the model view canvas',
              () => frame.locator('.view canvas[data-draw-ms]').count(),
              (n) => n > 0,
            );
            await screenshot(page, 'inspector-model.png');
          },
        });
        await check({
          name: 'the side view follows the cursor onto a token and shows what it attends to',
          run: async () => {
            await runCommand(page, 'Attention Lens: Show Side View');
            // The view takes the focus when its webview loads: wait for it, then click into "Paris" itself.
            const frame = await webviewFrameWith(page, '.sidebar-view');
            const focused = async () => (await frame.locator('.focus-token').textContent()) ?? '';
            // A webview that is still loading can take the focus back once: click again if the keys went there.
            for (let attempt = 0; attempt < 3 && !(await focused()).includes('paris'); attempt++) {
              await page
                .locator('.editor-instance .view-line', { hasText: 'Paris is the' })
                .first()
                .click({ position: { x: 4, y: 4 } });
              for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowRight');
              await new Promise((resolve) => setTimeout(resolve, 2000));
            }
            await until('the focused token', focused, (t) => t.includes('paris'));
            await until(
              'the attended tokens',
              () => frame.locator('.sidebar-view .bar-list .bar-row').count(),
              (n) => n > 0,
            );
            await screenshot(page, 'side-view.png');
          },
        });
        await check({
          name: 'typing a Hub id into Select Model offers "Use Hub model …"',
          run: async () => {
            await page.keyboard.press('Escape');
            await runCommand(page, 'Attention Lens: Select Model');
            await page
              .locator('.quick-input-list .monaco-list-row', { hasText: 'lens-bert-mini' })
              .first()
              .waitFor({ timeout: STEP_TIMEOUT_MS });
            await page.keyboard.type('Xenova/gpt2');
            await page
              .locator('.quick-input-list .monaco-list-row', { hasText: 'Use Hub model Xenova/gpt2' })
              .first()
              .waitFor({ timeout: STEP_TIMEOUT_MS });
            await screenshot(page, 'model-picker-typed.png');
            await page.keyboard.press('Escape');
          },
        });
      }
    } finally {
      if (results.some((r) => r.error)) await screenshot(page, 'userflow-failure.png');
      writeConsoleLog(browser.consoleLines, 'userflow-console.log');
      await browser.close();
      await server.stop();
    }
  }
  fs.rmSync(temp, { recursive: true, force: true });
  const failed = results.filter((r) => r.error).length;
  console.log(`(user flow: ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${path.relative(repoRoot, resultsDir)}/)`);
  console.log(`${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

runMain(main);
