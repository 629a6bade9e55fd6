// A screenshot of the logit lens as a user sees it: the extension from this checkout in the VS Code server, the
// tiny GPT-2 test model as the causal model, a line of sample.txt inspected from the palette, the Logit lens tab
// open with a cell hovered, in the panel beside the editor.
//   node out/test/harness/logitLensShot.js   → test-results/logit-lens.png
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
    await frame.locator('vscode-tab-header[data-tab="lens"]').click();
    await frame.locator('.logit-lens .hover-info', { hasText: 'layers ×' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    const box = await frame.locator('.logit-lens canvas').boundingBox();
    if (!box) throw new Error('the logit lens grid is not shown');
    await page.mouse.move(box.x + 92 + (box.width - 92) * 0.3, box.y + 11);
    await frame.locator('.logit-lens .hover-info', { hasText: 'p(final top-1' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.waitForTimeout(300);
    const file = await screenshot(page, 'logit-lens.png');
    if (!file) throw new Error('the screenshot failed');
    console.log(`saved ${path.relative(repoRoot, file)}`);
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
