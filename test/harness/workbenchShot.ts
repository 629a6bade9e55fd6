// The scaffolding of the README shots: a fresh profile with `model` as the causal model, the VS Code server with this
// checkout as the extension, a browser on the workbench; `act` drives it and takes its picture; everything is closed
// after. runShot ends the process with 0 or, printing why, 1.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, resultsDir, writeConsoleLog } from './browser';
import { freshWorkspace, prepareProfile, profileDirs, repoRoot, startServer } from './vscodeServer';

export async function withWorkbench(model: string, act: (page: Page) => Promise<void>): Promise<void> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-shot-'));
  const dirs = profileDirs(temp);
  prepareProfile(dirs, { 'attentionLens.activeModel': 'causal', 'attentionLens.causalModel': model });
  const workspace = freshWorkspace(temp);
  const server = await startServer({ dirs, smokeTestDriver: true, logFile: path.join(resultsDir, 'shot-server.log') });
  const browser = await openBrowser();
  try {
    const { page } = browser;
    const extension = `vscode-remote://${server.authority}${repoRoot}`;
    const payload = encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', extension]]));
    await page.goto(`${server.base}/?folder=${encodeURIComponent(workspace)}&payload=${payload}`);
    await act(page);
  } finally {
    writeConsoleLog(browser.consoleLines, 'shot-console.log');
    await browser.close();
    await server.stop();
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

export function runShot(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    },
  );
}
