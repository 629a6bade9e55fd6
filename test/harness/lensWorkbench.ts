// A VS Code server with the extension from this checkout and one model as the causal model, opened in headless
// Chromium on a fresh copy of the sample workspace; shared by the scripts that drive it as a user (screenshots, flows).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, resultsDir, writeConsoleLog } from './browser';
import { freshWorkspace, prepareProfile, profileDirs, repoRoot, startServer } from './vscodeServer';

/** Runs `drive` on the workbench page; `name` prefixes the server and console logs in test-results. */
export async function withLensWorkbench(model: string, name: string, drive: (page: Page) => Promise<void>): Promise<void> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), `attention-lens-${name}-`));
  const dirs = profileDirs(temp);
  prepareProfile(dirs, { 'attentionLens.activeModel': 'causal', 'attentionLens.causalModel': model });
  const workspace = freshWorkspace(temp);
  const server = await startServer({ dirs, smokeTestDriver: true, logFile: path.join(resultsDir, `${name}-server.log`) });
  const browser = await openBrowser();
  try {
    const { page } = browser;
    const extension = `vscode-remote://${server.authority}${repoRoot}`;
    const payload = encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', extension]]));
    await page.goto(`${server.base}/?folder=${encodeURIComponent(workspace)}&payload=${payload}`);
    await drive(page);
  } finally {
    writeConsoleLog(browser.consoleLines, `${name}-console.log`);
    await browser.close();
    await server.stop();
    fs.rmSync(temp, { recursive: true, force: true });
  }
}
