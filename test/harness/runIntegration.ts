// Runs the mocha suite under test/integration/ inside a real VS Code extension host (the VS Code server from
// code-server, on Node 24), loading this repository as the extension under development. VS Code's smoke-test
// hook does the work: /?folder=…&payload=[["extensionDevelopmentPath",…],["extensionTestsPath",…]] runs the
// suite and calls window.codeAutomationExit(code, logs) when it ends.
//   node out/test/harness/runIntegration.js          (after setup.sh, node esbuild.mjs, tsc -p tsconfig.json)
//   node out/test/harness/runIntegration.js --extension DIR --tests DIR/index.js   (any other extension)
// Env: ATTENTION_LENS_IT_TIMEOUT_MS (default 300000), ATTENTION_LENS_VERBOSE=1 prints the browser console.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openBrowser, resultsDir, screenshot, writeConsoleLog } from './browser';
import { freshWorkspace, prepareProfile, profileDirs, repoRoot, startServer, type RunningServer } from './vscodeServer';
import { runMain } from './runMain';

interface AutomationLog {
  relativePath: string;
  contents: string;
}

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? path.resolve(process.argv[at + 1] ?? '') : undefined;
}

const extensionDir = argValue('--extension') ?? repoRoot;
const testsEntry = argValue('--tests') ?? path.join(repoRoot, 'out', 'test', 'integration', 'index.js');

function requireBuilt(): void {
  const needed = extensionDir === repoRoot ? [path.join(repoRoot, 'dist', 'extension.js'), testsEntry] : [testsEntry];
  for (const file of needed) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run node esbuild.mjs and npx tsc -p tsconfig.json`);
  }
}

function payloadUrl(server: RunningServer, folder: string, env: Record<string, string>): string {
  const remote = (file: string): string => `vscode-remote://${server.authority}${file}`;
  const payload = [
    ['extensionDevelopmentPath', remote(extensionDir)],
    ['extensionTestsPath', remote(testsEntry)],
    ['extensionEnvironment', JSON.stringify(env)],
  ];
  return `${server.base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

// Console errors of an offline VS Code web client that say nothing about the extension.
const knownNoise = new RegExp(
  String.raw`open-vsx\.org|status of 404|ERR_NAME_NOT_RESOLVED|Service Worker|serviceWorker|authentication provider|` +
    String.raw`Long running operations during shutdown|Unable to read file .*(settings|tasks|mcp)\.json|vsda|web worker extension host`,
);

/** Reads "N passed, N failed" from the suite's result file. */
export function parseCounts(text: string): { passed: number; failed: number } | undefined {
  const match = /^(\d+) passed, (\d+) failed\s*$/m.exec(text);
  return match ? { passed: Number(match[1]), failed: Number(match[2]) } : undefined;
}

async function main(): Promise<number> {
  requireBuilt();
  const started = Date.now();
  const timeoutMs = Number(process.env.ATTENTION_LENS_IT_TIMEOUT_MS || 300_000);
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-it-'));
  const dirs = profileDirs(temp);
  prepareProfile(dirs);
  const workspace = freshWorkspace(temp);
  const resultFile = path.join(temp, 'results.txt');
  fs.mkdirSync(resultsDir, { recursive: true });

  const server = await startServer({ dirs, smokeTestDriver: true, logFile: path.join(resultsDir, 'exthost-server.log') });
  const browser = await openBrowser().catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  let outcome: string | number;
  try {
    const { page } = browser;
    if (process.env.ATTENTION_LENS_VERBOSE) page.on('console', (m) => console.log('[browser]', m.text().replace(/%c/g, '')));
    let finish: (value: string | number) => void = () => undefined;
    const exited = new Promise<string | number>((resolve) => (finish = resolve));
    await page.exposeFunction('codeAutomationExit', (code: number, logs?: AutomationLog[]) => {
      for (const log of logs ?? []) {
        const file = path.join(resultsDir, 'logs', log.relativePath);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, log.contents);
      }
      finish(code);
    });
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    await page.goto(payloadUrl(server, workspace, { TEST_RESULT_FILE: resultFile, ATTENTION_LENS_TEST: '1' }));
    outcome = await exited;
    clearTimeout(timer);
    await screenshot(page, 'exthost.png');
  } finally {
    writeConsoleLog(browser.consoleLines, 'exthost-console.log');
    await browser.close();
    await server.stop();
  }

  const results = fs.existsSync(resultFile) ? fs.readFileSync(resultFile, 'utf8') : '';
  fs.rmSync(temp, { recursive: true, force: true });
  const body = results.replace(/^\d+ passed, \d+ failed\s*$/m, '').trimEnd();
  if (body) console.log(body);
  let counts = parseCounts(results);
  if (outcome !== 0 || !counts) {
    const why = outcome === 'timeout' ? `timed out after ${timeoutMs} ms` : `exit code ${outcome}`;
    console.log(`extension host suite ${why}${counts ? '' : ', no result file'}; see ${resultsDir}/exthost-console.log`);
    const consoleTail = browser.consoleLines.filter((l) => /error|Extension Host/i.test(l) && !knownNoise.test(l)).slice(-25);
    for (const line of consoleTail) console.log(`  ${line.slice(0, 300)}`);
    if (!counts || counts.failed === 0) counts = { passed: counts?.passed ?? 0, failed: 1 };
  }
  console.log(`(integration suite: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  return counts.failed === 0 && outcome === 0 ? 0 : 1;
}

runMain(main);
