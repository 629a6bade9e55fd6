// A screenshot script's session: the extension from this checkout in the VS Code server with a fresh profile (the
// given settings) and workspace, one browser page on it; everything is stopped and removed afterwards, and the
// script exits 1 with the stack when a step fails.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, resultsDir, writeConsoleLog } from './browser';
import { freshWorkspace, prepareProfile, profileDirs, repoRoot, startServer } from './vscodeServer';

export async function inWorkbench(settings: Record<string, unknown>, work: (page: Page) => Promise<void>): Promise<void> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-shot-'));
  const dirs = profileDirs(temp);
  prepareProfile(dirs, settings);
  const workspace = freshWorkspace(temp);
  const server = await startServer({ dirs, smokeTestDriver: true, logFile: path.join(resultsDir, 'shot-server.log') });
  const browser = await openBrowser();
  try {
    const extension = `vscode-remote://${server.authority}${repoRoot}`;
    const payload = encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', extension]]));
    await browser.page.goto(`${server.base}/?folder=${encodeURIComponent(workspace)}&payload=${payload}`);
    await work(browser.page);
  } finally {
    writeConsoleLog(browser.consoleLines, 'shot-console.log');
    await browser.close();
    await server.stop();
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

/** Runs a screenshot script's main and exits with its outcome. */
export function runShot(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    },
  );
}
