// Head ablation as a user sees it: the extension from this checkout in the VS Code server, the tiny GPT-2 test model
// as the causal model, a line of sample.txt inspected from the palette, two heads shift-clicked in the model view,
// then the predictions view with each prediction's change, in the panel beside the editor. Fails unless the
// ablated predictions arrive.
//   node out/test/harness/ablationShot.js   → test-results/integration/ablation-model.png, ablation-predictions.png
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openBrowser, resultsDir, screenshot, writeConsoleLog } from './browser';
import { freshWorkspace, prepareProfile, profileDirs, repoRoot, startServer } from './vscodeServer';
import { inspectorFrame, openFile, runCommand, selectLine, STEP_TIMEOUT_MS } from './workbenchUi';

const MODEL = path.join(repoRoot, 'test', 'fixtures', 'models', 'tiny-gpt2');

async function main(): Promise<void> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-shot-'));
  const dirs = profileDirs(temp);
  prepareProfile(dirs, { 'attentionLens.activeModel': 'causal', 'attentionLens.causalModel': MODEL });
  const workspace = freshWorkspace(temp);
  const server = await startServer({ dirs, smokeTestDriver: true, logFile: path.join(resultsDir, 'shot-server.log') });
  const browser = await openBrowser();
  try {
    const { page } = browser;
    const extension = `vscode-remote://${server.authority}${repoRoot}`;
    const payload = encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', extension]]));
    await page.goto(`${server.base}/?folder=${encodeURIComponent(workspace)}&payload=${payload}`);
    await openFile(page, 'sample.txt', 'Transformer');
    await selectLine(page, 1);
    await runCommand(page, 'Attention Lens: Inspect Selection');
    const frame = inspectorFrame(page);
    await frame.locator('vscode-tab-header[data-tab="model"]').click();
    const canvas = frame.locator('.model-view canvas[data-draw-ms]');
    await canvas.waitFor({ timeout: STEP_TIMEOUT_MS });
    const box = (await canvas.boundingBox())!;
    const [left, top, pitch] = ((await canvas.getAttribute('data-grid')) ?? '').split(',').map(Number);
    for (const [layer, head] of [
      [0, 1],
      [2, 3],
    ]) {
      await page.keyboard.down('Shift');
      await page.mouse.click(box.x + left + pitch * head + pitch / 2, box.y + top + pitch * layer + pitch / 2);
      await page.keyboard.up('Shift');
    }
    await frame
      .locator('.model-view .ablation-text', { hasText: 'Ablated heads (layer.head): 0.1, 2.3' })
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.waitForTimeout(300);
    await screenshot(page, 'ablation-model.png');
    await frame.locator('vscode-tab-header[data-tab="predictions"]').click();
    await frame
      .locator('.predictions-view .section-title', { hasText: 'with heads 0.1, 2.3 zeroed' })
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.waitForTimeout(300);
    if (!(await screenshot(page, 'ablation-predictions.png'))) throw new Error('the screenshot failed');
  } finally {
    writeConsoleLog(browser.consoleLines, 'shot-console.log');
    await browser.close();
    await server.stop();
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
