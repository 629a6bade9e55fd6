// A screenshot of the logit lens as a user sees it: the extension from this checkout in the VS Code server, the
// tiny GPT-2 test model as the causal model, four lines of sample.txt inspected from the palette (more tokens than
// fit), the Logit lens tab open, its window moved on once with ▶ and a cell hovered, in the panel beside the editor.
//   node out/test/harness/logitLensShot.js   → test-results/logit-lens.png
import * as path from 'node:path';
import { screenshot } from './browser';
import { runScript, withDevWorkbench } from './devWorkbench';
import { repoRoot } from './vscodeServer';
import { inspectorFrame, openFile, runCommand, selectLine, STEP_TIMEOUT_MS } from './workbenchUi';

const MODEL = path.join(repoRoot, 'test', 'fixtures', 'models', 'tiny-gpt2');

runScript(() =>
  withDevWorkbench('shot', { 'attentionLens.activeModel': 'causal', 'attentionLens.causalModel': MODEL }, async (page) => {
    await openFile(page, 'sample.txt', 'Transformer');
    await selectLine(page, 0);
    for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+End');
    await runCommand(page, 'Attention Lens: Inspect Selection');
    const frame = inspectorFrame(page);
    await frame.locator('vscode-tab-header[data-tab="lens"]').click();
    const info = frame.locator('.logit-lens .hover-info');
    await info
      .filter({ hasText: /layers × \d+ tokens \(tokens 0–/ })
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await frame.locator('.logit-lens .lens-later').click();
    await info
      .filter({ hasText: /\(tokens [1-9]\d*–/ })
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    const box = await frame.locator('.logit-lens canvas').boundingBox();
    if (!box) throw new Error('the logit lens grid is not shown');
    await page.mouse.move(box.x + 92 + (box.width - 92) * 0.3, box.y + 11);
    await info.filter({ hasText: 'p(final top-1' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.waitForTimeout(300);
    const file = await screenshot(page, 'logit-lens.png');
    if (!file) throw new Error('the screenshot failed');
    console.log(`saved ${path.relative(repoRoot, file)}`);
  }),
);
