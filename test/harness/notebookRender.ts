// The notebook renderer in a real VS Code: the extension from this checkout in the VS Code server, the committed
// notebook test/integration/workspace/run-output.ipynb (a stored output of MIME application/vnd.attention-lens.run+json,
// a tiny GPT-2 run with base64 maps, made by tools/runFiles/makeRunFiles.ts) opened with no kernel, and the output
// checked as drawn: the summary says it was read from the output, the tokens are there, and the model view and the
// head view draw. Screenshots: test-results/integration/notebook-*.png.
//   node out/test/harness/notebookRender.js   → "N passed, N failed"
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { openBrowser, resultsDir, screenshot, writeConsoleLog } from './browser';
import { freshWorkspace, prepareProfile, profileDirs, repoRoot, startServer } from './vscodeServer';
import { STEP_TIMEOUT_MS } from './workbenchUi';
import { runMain } from './runMain';

const NOTEBOOK = 'run-output.ipynb';

/** The frame that holds the rendered output: VS Code draws a notebook's outputs in a webview of their own. */
async function outputFrame(page: Page): Promise<Frame> {
  const until = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    for (const frame of page.frames()) {
      if (
        (await frame
          .locator('.attention-lens-output')
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    if (Date.now() > until) throw new Error(`no Attention Lens output drawn in ${STEP_TIMEOUT_MS} ms`);
    await page.waitForTimeout(250);
  }
}

async function main(): Promise<number> {
  const run = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'integration', 'workspace', NOTEBOOK), 'utf8')).cells[0].outputs[0]
    .data['application/vnd.attention-lens.run+json'];
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-notebook-'));
  const dirs = profileDirs(temp);
  prepareProfile(dirs);
  const workspace = freshWorkspace(temp);
  const server = await startServer({ dirs, smokeTestDriver: true, logFile: path.join(resultsDir, 'notebook-server.log') });
  const browser = await openBrowser();
  const checks: [string, boolean][] = [];
  try {
    const { page } = browser;
    const extension = `vscode-remote://${server.authority}${repoRoot}`;
    const payload = encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', extension]]));
    await page.goto(`${server.base}/?folder=${encodeURIComponent(workspace)}&payload=${payload}`);
    await page.locator('.explorer-folders-view').waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await page.keyboard.type(NOTEBOOK);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: NOTEBOOK }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.keyboard.press('Enter');
    const frame = await outputFrame(page);
    const output = frame.locator('.attention-lens-output').first();
    const facts = output.locator('.summary .facts');
    await facts.waitFor({ timeout: STEP_TIMEOUT_MS });
    const factsText = (await facts.textContent()) ?? '';
    checks.push([
      `the summary names the model and says the run was read from the output: "${factsText}"`,
      factsText.includes(run.model.id) && factsText.includes('read from a notebook output, no model loaded'),
    ]);
    checks.push([`it counts the run's ${run.tokens.length} tokens`, factsText.includes(`${run.tokens.length} tokens`)]);
    await screenshot(page, 'notebook-tokens.png');
    for (const tab of ['model', 'head']) {
      await output.locator(`vscode-tab-header[data-tab="${tab}"]`).click();
      const drawn = output.locator(`vscode-tab-panel[data-tab="${tab}"] canvas[data-draw-ms]`).first();
      const ok = await drawn.waitFor({ timeout: STEP_TIMEOUT_MS }).then(
        () => true,
        () => false,
      );
      checks.push([`the ${tab} view draws its canvas from the stored maps`, ok]);
      await page.waitForTimeout(300);
      await screenshot(page, `notebook-${tab}.png`);
    }
    const status = (await output.locator('.summary .status').textContent()) ?? '';
    checks.push([`no request failed (status: "${status}")`, !/could not|error/i.test(status)]);
  } catch (error) {
    checks.push([`the notebook opened and its output rendered: ${(error as Error).message}`, false]);
    await screenshot(browser.page, 'notebook-failed.png');
  } finally {
    writeConsoleLog(browser.consoleLines, 'notebook-console.log');
    await browser.close();
    await server.stop();
    fs.rmSync(temp, { recursive: true, force: true });
  }
  for (const [what, ok] of checks) console.log(`${ok ? 'ok' : 'FAILED'} - ${what}`);
  const failed = checks.filter(([, ok]) => !ok).length;
  console.log(`${checks.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

runMain(main);
