// A VS Code server with the extension from this checkout (extensionDevelopmentPath) and Chromium on its workbench,
// for the scripts that take the README's and the walkthrough's screenshots: set up, hand over the page, tear down.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, resultsDir, writeConsoleLog } from './browser';
import { freshWorkspace, prepareProfile, profileDirs, repoRoot, startServer } from './vscodeServer';

/**
 * Runs `body` on a fresh profile (with `settings`) and workspace; `name` prefixes the server and console logs.
 * `developExtension: false` opens the workbench without this checkout's extension (a test that installs the VSIX).
 */
export async function withDevWorkbench(
  name: string,
  settings: Record<string, unknown>,
  body: (page: Page) => Promise<void>,
  { developExtension = true } = {},
): Promise<void> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), `attention-lens-${name}-`));
  const dirs = profileDirs(temp);
  prepareProfile(dirs, settings);
  const workspace = freshWorkspace(temp);
  const server = await startServer({ dirs, smokeTestDriver: true, logFile: path.join(resultsDir, `${name}-server.log`) });
  const browser = await openBrowser();
  try {
    const extension = `vscode-remote://${server.authority}${repoRoot}`;
    const payload = encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', extension]]));
    const develop = developExtension ? `&payload=${payload}` : '';
    await browser.page.goto(`${server.base}/?folder=${encodeURIComponent(workspace)}${develop}`);
    await body(browser.page);
  } finally {
    writeConsoleLog(browser.consoleLines, `${name}-console.log`);
    await browser.close();
    await server.stop();
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

/** A script's entry: exit 0 when `main` resolves, 1 with the error's stack when it rejects. */
export function runScript(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    },
  );
}
