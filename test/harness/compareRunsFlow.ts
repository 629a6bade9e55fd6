// Two runs compared and a pinned token, as a user does it in a real VS Code (the extension from this checkout in the
// VS Code server, the tiny GPT-2 test model): a line of sample.txt inspected, "black " typed into it, inspected again,
// Compare with Previous Run from the palette (screenshot: the Compare runs tab beside the editor); then the side view
// on "cat" under the editor cursor, its Pin token clicked, the cursor moved on: the side view stays on "cat"
// (screenshot). Fails with the step that did not happen.
//   flock /tmp/heavy.lock node out/test/harness/compareRunsFlow.js   → test-results/compare-runs-vscode.png, pin-vscode.png
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { screenshot } from './browser';
import { runScript, withDevWorkbench } from './devWorkbench';
import { repoRoot } from './vscodeServer';
import { inspectSampleLine, runCommand, selectLine, STEP_TIMEOUT_MS } from './workbenchUi';

const MODEL = path.join(repoRoot, 'test', 'fixtures', 'models', 'tiny-gpt2');

/** The side view's webview frame (the one whose page has the side view). */
async function sideViewFrame(page: Page): Promise<Frame> {
  const until = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    for (const frame of page.frames()) if (await frame.$('.sidebar-view').catch(() => null)) return frame;
    if (Date.now() > until) throw new Error('the side view did not open');
    await page.waitForTimeout(250);
  }
}

/** Puts the editor cursor on line 1, `column` characters in (the editor has the focus after a click into it). */
async function cursorAt(page: Page, column: number): Promise<void> {
  await page.locator('.editor-instance .view-lines').first().click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Home');
  for (let i = 0; i < column; i++) await page.keyboard.press('ArrowRight');
}

async function main(): Promise<void> {
  await withDevWorkbench('compare', { 'attentionLens.activeModel': 'causal', 'attentionLens.causalModel': MODEL }, async (page) => {
    const frame = await inspectSampleLine(page, 1);
    await frame.locator('.token-list[data-list="input"] .chip', { hasText: 'cat' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await cursorAt(page, 4);
    await page.keyboard.type('black ');
    await selectLine(page, 1);
    await runCommand(page, 'Attention Lens: Inspect Selection');
    await frame.locator('.token-list[data-list="input"] .chip', { hasText: 'black' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await runCommand(page, 'Attention Lens: Compare with Previous Run');
    const status = frame.locator('.compare-status', { hasText: '1 only in this run' });
    await status.waitFor({ timeout: STEP_TIMEOUT_MS });
    await frame.locator('canvas.compare-maps').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    console.log(`compare: ${await status.textContent()}`);
    await page.waitForTimeout(500);
    await screenshot(page, 'compare-runs-vscode.png');

    await runCommand(page, 'Attention Lens: Show Side View');
    const side = await sideViewFrame(page);
    // Line 1 reads "The black cat sat on the mat…": column 11 is inside "cat".
    await cursorAt(page, 11);
    const token = side.locator('.focus-token');
    await side.locator('.focus-token', { hasText: 'cat' }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await side.locator('.pin-toggle').click();
    await side.locator('.focus-token', { hasText: 'Pinned' }).waitFor({ timeout: STEP_TIMEOUT_MS });
    // The cursor moves on to "mat": the side view stays on the pinned "cat".
    await cursorAt(page, 27);
    await page.waitForTimeout(1500);
    const shown = (await token.textContent()) ?? '';
    if (!/^Pinned .*cat/.test(shown)) throw new Error(`the pinned token did not stay: the side view shows ${JSON.stringify(shown)}`);
    console.log(`pin: ${shown}`);
    await screenshot(page, 'pin-vscode.png');
    await side.locator('.pin-toggle').click();
    await cursorAt(page, 26);
    await side.locator('.focus-token', { hasText: 'mat' }).waitFor({ timeout: STEP_TIMEOUT_MS });
    console.log('unpinned: the side view follows the cursor again');
  });
}

runScript(main);
