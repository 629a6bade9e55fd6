// The in-extension-host test runner (VS Code's contract: extensionTestsPath exports run(): Promise<void>).
// Runs every out/test/integration/**/*.test.js with mocha and writes one line per test plus a closing
// "N passed, N failed" to the file named by TEST_RESULT_FILE (the harness passes it in extensionEnvironment).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

function testFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...testFiles(full));
    else if (entry.name.endsWith('.test.js')) found.push(full);
  }
  return found.sort();
}

export function run(): Promise<void> {
  const resultFile = process.env.TEST_RESULT_FILE;
  const lines: string[] = [];
  const log = (line: string): void => {
    lines.push(line);
    console.log(line);
  };
  // The Base reporter prints nothing: the lines below are the report (the extension host's stdout is a log).
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: false, reporter: Mocha.reporters.Base });
  const grep = process.env.ATTENTION_LENS_GREP;
  if (grep) mocha.grep(grep);
  for (const file of testFiles(__dirname)) mocha.addFile(file);

  return new Promise((resolve, reject) => {
    let passed = 0;
    let failed = 0;
    const runner = mocha.run(() => {
      log(`${passed} passed, ${failed} failed`);
      if (resultFile) fs.writeFileSync(resultFile, lines.join('\n') + '\n');
      if (failed > 0) reject(new Error(`${failed} integration test(s) failed`));
      else if (passed === 0) reject(new Error('no integration tests ran'));
      else resolve();
    });
    runner.on('pass', (test) => {
      passed++;
      log(`✔ ${test.fullTitle()} (${test.duration ?? 0} ms)`);
    });
    runner.on('fail', (test, error: Error) => {
      failed++;
      log(
        `✖ ${test.fullTitle()}\n    ${String(error?.stack ?? error)
          .split('\n')
          .slice(0, 8)
          .join('\n    ')}`,
      );
    });
  });
}
