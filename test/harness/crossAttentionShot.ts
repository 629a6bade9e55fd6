// The README's cross-attention screenshot, taken as a user sees it: the extension from this checkout in the VS Code
// server, the tiny T5 test model as the causal model, a line of sample.txt inspected from the palette, a target typed
// into the panel's Target box, then the head view on the cross-attention set — target tokens on the left (queries),
// source tokens on the right (keys) — in the panel beside the editor.
//   node out/test/harness/crossAttentionShot.js   → media/screenshot-cross-attention.png
import * as fs from 'node:fs';
import * as path from 'node:path';
import { screenshot } from './browser';
import { runScript, withDevWorkbench } from './devWorkbench';
import { repoRoot } from './vscodeServer';
import { inspectSampleLine, STEP_TIMEOUT_MS } from './workbenchUi';

const MODEL = path.join(repoRoot, 'test', 'fixtures', 'models', 'tiny-t5');
const TARGET = 'Die Katze saß auf der Matte.';
const OUT = path.join(repoRoot, 'media', 'screenshot-cross-attention.png');

async function main(): Promise<void> {
  await withDevWorkbench('shot', { 'attentionLens.activeModel': 'causal', 'attentionLens.causalModel': MODEL }, async (page) => {
    const frame = await inspectSampleLine(page, 1);
    const summarySays = (text: string) => frame.locator('.summary', { hasText: text }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await summarySays('generated (greedy)');
    await frame.locator('.target-box textarea').fill(TARGET);
    await frame.locator('.target-box vscode-button', { hasText: 'Run with this target' }).click();
    await summarySays('given (teacher forcing)');
    await frame.locator('vscode-tab-header[data-tab="head"]').click();
    // The Attention selector is a vscode-single-select: set its value and tell the view, as picking an option does.
    await frame.locator('vscode-tab-panel[data-tab="head"] .set-select vscode-single-select').evaluate((select) => {
      (select as unknown as { value: string }).value = 'cross';
      select.dispatchEvent(new Event('change'));
    });
    await frame.locator('vscode-tab-panel[data-tab="head"] canvas[data-draw-ms]').first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.waitForTimeout(500);
    const file = await screenshot(page, 'cross-attention.png');
    if (!file) throw new Error('the screenshot failed');
    fs.copyFileSync(file, OUT);
    console.log(`saved ${path.relative(repoRoot, OUT)}`);
  });
}

runScript(main);
