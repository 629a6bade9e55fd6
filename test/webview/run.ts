// Component tests of the webview bundle in headless Chromium. Build first (`node esbuild.mjs`), compile
// (`npx tsc -p tsconfig.json`), then: node out/test/webview/run.js [--filter text] [--bench]
// Prints one line per test and a closing "N passed, N failed"; exits non-zero on any failure.
// Screenshots of every view in light and dark go to test-results/webview/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launch, startServer } from './harness';
import { repoRoot } from './paths';
import { measureRender } from './renderBench';
import { ablationTests } from './ablationTests';
import { chromeTests } from './chromeTests';
import { compareTests } from './compareTests';
import { compareRunsTests } from './compareRunsTests';
import { gqaTests } from './gqaTests';
import { interactionTests } from './interactionTests';
import { notebookTests } from './notebookTests';
import { logitLensTests } from './logitLensTests';
import { seq2seqAnalysisTests } from './seq2seqAnalysisTests';
import { queryKeyTests } from './queryKeyTests';
import { renderTests } from './renderTests';
import { rolloutTests } from './rolloutTests';
import { setsTests } from './setsTests';
import { targetTests } from './targetTests';
import { staleRunTests } from './staleRunTests';
import { viewTests } from './viewTests';

export interface TestContext {
  browser: Browser;
  origin: string;
  shots: string;
}

export type TestCase = { name: string; run: (ctx: TestContext) => Promise<void> };

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const filterAt = argv.indexOf('--filter');
  const filter = filterAt >= 0 ? argv[filterAt + 1] : '';
  const shots = join(repoRoot(), 'test-results/webview');
  mkdirSync(shots, { recursive: true });
  const { server, origin } = await startServer();
  const browser = await launch();
  const ctx: TestContext = { browser, origin, shots };
  let passed = 0;
  let failed = 0;
  try {
    for (const t of [
      ...renderTests,
      ...interactionTests,
      ...viewTests,
      ...staleRunTests,
      ...chromeTests,
      ...setsTests,
      ...targetTests,
      ...gqaTests,
      ...compareTests,
      ...notebookTests,
      ...ablationTests,
      ...rolloutTests,
      ...logitLensTests,
      ...seq2seqAnalysisTests,
      ...queryKeyTests,
      ...compareRunsTests,
    ]) {
      if (filter && !t.name.includes(filter)) continue;
      const t0 = Date.now();
      try {
        await t.run(ctx);
        passed++;
        console.log(`  ✓ ${t.name} (${Date.now() - t0} ms)`);
      } catch (err) {
        failed++;
        console.log(
          `  ✗ ${t.name}\n` +
            `      ${err instanceof Error ? (err.stack ?? err.message).split('\n').slice(0, 6).join('\n      ') : String(err)}`,
        );
      }
    }
    if (argv.includes('--bench')) console.log('render benchmark:', JSON.stringify(await measureRender(await browser.newPage(), origin)));
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});
