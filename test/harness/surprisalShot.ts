// Show Surprisal as a user sees it: the extension from this checkout in the VS Code server, the embedded causal
// model, sample.ts opened and "Attention Lens: Show Surprisal" run from the palette; the screenshot is taken once
// the status bar shows the legend (the scan has finished), with the coloured tokens and the ruler marks.
//   node out/test/harness/surprisalShot.js   → test-results/integration/surprisal.png
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openBrowser, resultsDir, screenshot, writeConsoleLog } from './browser';
import { freshWorkspace, prepareProfile, profileDirs, repoRoot, startServer } from './vscodeServer';
import { openFile, runCommand, STEP_TIMEOUT_MS } from './workbenchUi';

async function main(): Promise<void> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-shot-'));
  const dirs = profileDirs(temp);
  prepareProfile(dirs, {
    'attentionLens.activeModel': 'causal',
    'attentionLens.surprisal.window': 64,
    'attentionLens.surprisal.scale': 20,
  });
  const workspace = freshWorkspace(temp);
  const server = await startServer({ dirs, smokeTestDriver: true, logFile: path.join(resultsDir, 'shot-server.log') });
  const browser = await openBrowser();
  try {
    const { page } = browser;
    const extension = `vscode-remote://${server.authority}${repoRoot}`;
    const payload = encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', extension]]));
    await page.goto(`${server.base}/?folder=${encodeURIComponent(workspace)}&payload=${payload}`);
    await openFile(page, 'sample.ts', 'function');
    await runCommand(page, 'Attention Lens: Show Surprisal');
    await page.locator('.statusbar-item', { hasText: 'bits' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.waitForTimeout(800);
    const file = await screenshot(page, 'surprisal.png');
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
