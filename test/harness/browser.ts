// Headless Debian Chromium driven by playwright-core (no browser download: the system binary is used).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './vscodeServer';

export const resultsDir = path.join(repoRoot, 'test-results', 'integration');

/** Flags of every headless Chromium the tests start: no sandbox, GPU, network chatter or first-run UI. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface OpenBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every browser console line (the extension host's output arrives here too). */
  consoleLines: string[];
  close(): Promise<void>;
}

export async function openBrowser(): Promise<OpenBrowser> {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) throw new Error(`${executablePath} is missing: run bash test/harness/setup.sh`);
  const browser = await chromium.launch({ executablePath, headless: true, args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  const page = await context.newPage();
  const consoleLines: string[] = [];
  page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text().replace(/%c/g, '')}`));
  page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));
  return {
    browser,
    context,
    page,
    consoleLines,
    close: async () => {
      await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
    },
  };
}

/** Saves a screenshot under test-results/integration/ and returns its path (never throws: it is evidence). */
export async function screenshot(page: Page, name: string): Promise<string | undefined> {
  const file = path.join(resultsDir, name);
  fs.mkdirSync(resultsDir, { recursive: true });
  try {
    await page.screenshot({ path: file });
    return file;
  } catch (error) {
    console.log(`(screenshot ${name} failed: ${(error as Error).message})`);
    return undefined;
  }
}

export function writeConsoleLog(lines: string[], name: string): string {
  const file = path.join(resultsDir, name);
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
