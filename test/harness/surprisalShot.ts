// Show Surprisal as a user sees it: the extension from this checkout in the VS Code server, the embedded causal
// model, sample.ts opened and "Attention Lens: Show Surprisal" run from the palette; the screenshot is taken once
// the status bar shows the legend (the scan has finished), with the coloured tokens and the ruler marks; then a
// token is hovered and the hover, with the top-k the worker computes on demand, is shot too.
//   node out/test/harness/surprisalShot.js   → test-results/integration/surprisal.png, surprisal-hover.png
import * as path from 'node:path';
import { screenshot } from './browser';
import { runScript, withDevWorkbench } from './devWorkbench';
import { repoRoot } from './vscodeServer';
import { openFile, runCommand, STEP_TIMEOUT_MS } from './workbenchUi';

async function main(): Promise<void> {
  const settings = { 'attentionLens.activeModel': 'causal', 'attentionLens.surprisal.window': 64, 'attentionLens.surprisal.scale': 20 };
  await withDevWorkbench('shot', settings, async (page) => {
    await openFile(page, 'sample.ts', 'function');
    await runCommand(page, 'Attention Lens: Show Surprisal');
    await page.locator('.statusbar-item', { hasText: 'bits' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.waitForTimeout(800);
    const file = await screenshot(page, 'surprisal.png');
    if (!file) throw new Error('the screenshot failed');
    console.log(`saved ${path.relative(repoRoot, file)}`);
    const line = (await page.locator('.editor-instance .view-line').nth(4).boundingBox())!;
    await page.mouse.move(line.x + 60, line.y + line.height / 2);
    // The hover waits for the top-k the worker computes for that token.
    const hover = page.locator('.monaco-hover', { hasText: 'The model expected' }).first();
    await hover.waitFor({ timeout: STEP_TIMEOUT_MS });
    const hovered = await screenshot(page, 'surprisal-hover.png');
    if (!hovered) throw new Error('the screenshot failed');
    console.log(`saved ${path.relative(repoRoot, hovered)}: ${(await hover.innerText()).replace(/\s+/g, ' ')}`);
  });
}

runScript(main);
