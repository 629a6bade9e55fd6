// The query·key view as a user sees it in the real VS Code: the extension from this checkout in the VS Code server,
// tiny-llama (rotary, 4 query heads on 2 key/value heads) as the causal model, a line of sample.txt inspected from
// the palette, a token clicked, then the matrix tab on layer 1, head 3 with its q·k button pressed, in the panel
// beside the editor. It fails unless the table is drawn with the scale the model applies (1/√16).
//   node out/test/harness/queryKeyShot.js   → test-results/integration/query-key.png
import * as path from 'node:path';
import { screenshot } from './browser';
import { runScript, withDevWorkbench } from './devWorkbench';
import { repoRoot } from './vscodeServer';
import { inspectSampleLine, STEP_TIMEOUT_MS } from './workbenchUi';

const MODEL = path.join(repoRoot, 'test', 'fixtures', 'models', 'tiny-llama');

runScript(() =>
  withDevWorkbench('shot', { 'attentionLens.activeModel': 'causal', 'attentionLens.causalModel': MODEL }, async (page) => {
    const frame = await inspectSampleLine(page, 1);
    await frame.locator('.chip').nth(5).click({ timeout: STEP_TIMEOUT_MS });
    await frame.locator('vscode-tab-header[data-tab="matrix"]').click();
    const panel = frame.locator('vscode-tab-panel[data-tab="matrix"]');
    // The selectors are vscode-single-selects: set the value and tell the view, as picking an option does.
    for (const [select, value] of [
      ['.layer-select', '1'],
      ['.head-select', '3'],
    ]) {
      await panel.locator(`${select} vscode-single-select`).evaluate((el, v) => {
        (el as unknown as { value: string }).value = v;
        el.dispatchEvent(new Event('change'));
      }, value);
    }
    await panel.locator('.qk-toggle').click();
    await panel.locator('.qk-keys tbody tr').first().waitFor({ timeout: STEP_TIMEOUT_MS });
    const caption = (await panel.locator('.qk-caption').innerText()).replace(/\s+/g, ' ');
    console.log(caption);
    if (!caption.includes('head 3 · KV 1') || !caption.includes('score = q·k × 0.2500 (1/√16)')) {
      throw new Error(`the query·key view says: ${caption}`);
    }
    await page.waitForTimeout(500);
    const file = await screenshot(page, 'query-key.png');
    if (!file) throw new Error('the screenshot failed');
    console.log(`saved ${path.relative(repoRoot, file)}`);
  }),
);
