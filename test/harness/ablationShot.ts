// Head ablation as a user sees it: the extension from this checkout in the VS Code server, the tiny GPT-2 test model
// as the causal model, a line of sample.txt inspected from the palette, two heads shift-clicked in the model view,
// then the predictions view with each prediction's change, in the panel beside the editor. Fails unless the
// ablated predictions arrive.
//   node out/test/harness/ablationShot.js   → test-results/integration/ablation-model.png, ablation-predictions.png
import * as path from 'node:path';
import { screenshot } from './browser';
import { runScript, withDevWorkbench } from './devWorkbench';
import { repoRoot } from './vscodeServer';
import { inspectSampleLine, STEP_TIMEOUT_MS } from './workbenchUi';

const MODEL = path.join(repoRoot, 'test', 'fixtures', 'models', 'tiny-gpt2');

runScript(() =>
  withDevWorkbench('shot', { 'attentionLens.activeModel': 'causal', 'attentionLens.causalModel': MODEL }, async (page) => {
    const frame = await inspectSampleLine(page, 1);
    await frame.locator('vscode-tab-header[data-tab="model"]').click();
    const canvas = frame.locator('.model-view canvas[data-draw-ms]');
    await canvas.waitFor({ timeout: STEP_TIMEOUT_MS });
    const box = (await canvas.boundingBox())!;
    const [left, top, pitch] = ((await canvas.getAttribute('data-grid')) ?? '').split(',').map(Number);
    for (const [layer, head] of [
      [0, 1],
      [2, 3],
    ]) {
      await page.keyboard.down('Shift');
      await page.mouse.click(box.x + left + pitch * head + pitch / 2, box.y + top + pitch * layer + pitch / 2);
      await page.keyboard.up('Shift');
    }
    await frame
      .locator('.model-view .ablation-text', { hasText: 'Ablated heads (layer.head): 0.1, 2.3' })
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.waitForTimeout(300);
    await screenshot(page, 'ablation-model.png');
    await frame.locator('vscode-tab-header[data-tab="predictions"]').click();
    await frame
      .locator('.predictions-view .section-title', { hasText: 'with heads 0.1, 2.3 zeroed' })
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.waitForTimeout(300);
    if (!(await screenshot(page, 'ablation-predictions.png'))) throw new Error('the screenshot failed');
  }),
);
