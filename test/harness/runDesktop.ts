// The same in-extension-host suite (test/integration/) in DESKTOP VS Code, through @vscode/test-electron.
// Not part of `npm test`: test-electron downloads VS Code from update.code.visualstudio.com (no internet here),
// so `npm test` uses the VS Code server instead (runIntegration.ts). On a machine with internet or desktop
// VS Code:
//   node esbuild.mjs && npx tsc -p tsconfig.json && node out/test/harness/runDesktop.js
// Env: VSCODE_VERSION (default 'stable'), VSCODE_EXECUTABLE (use an installed Code binary, no download).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { freshWorkspace, repoRoot } from './vscodeServer';

async function main(): Promise<number> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-desktop-'));
  const workspace = freshWorkspace(temp);
  const resultFile = path.join(temp, 'results.txt');
  try {
    await runTests({
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(repoRoot, 'out', 'test', 'integration', 'index.js'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
      extensionTestsEnv: { TEST_RESULT_FILE: resultFile, ATTENTION_LENS_TEST: '1' },
      ...(process.env.VSCODE_EXECUTABLE
        ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE }
        : { version: process.env.VSCODE_VERSION || 'stable' }),
    });
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return 1;
  } finally {
    // The suite prints its lines in VS Code's output; the result file has them with the closing count.
    if (fs.existsSync(resultFile)) process.stdout.write(fs.readFileSync(resultFile, 'utf8'));
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

void main().then((code) => process.exit(code));
