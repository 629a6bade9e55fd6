// The walkthrough on first run, in this code-server build: on a fresh profile (VS Code's own startup editor, the Welcome
// page) the packaged VSIX is installed in the running window with "Extensions: Install from VSIX…". VS Code then
// offers "Get Started with Attention Lens" on the Welcome page, marked New (its openOnInstall pins the Welcome page but,
// in this build and this headless window, does not switch it to the walkthrough: the script prints which it saw). The
// walkthrough opens from there with its six steps; the first step's button, Try on a Sample Sentence, runs its
// command (the inspector opens on the sample sentence), and the step is ticked done.
//   node out/test/harness/walkthroughFirstRun.js [--vsix file.vsix]   → "N passed, N failed", test-results/integration/first-run-*.png
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { screenshot } from './browser';
import { withDevWorkbench } from './devWorkbench';
import { runMain } from './runMain';
import { buildVsix } from './vscodeServer';
import { inspectorFrame, pickInOpenDialog, runCommand, STEP_TIMEOUT_MS } from './workbenchUi';

const WALKTHROUGH = 'Get Started with Attention Lens';
const FIRST_STEP = 'Inspect a sample';
const BUTTON = 'Try on a Sample Sentence';
/** Tokens of the sample's first line that the embedded BERT gives (src/commands/sampleText.ts). */
const SAMPLE_WORD = 'animal';

type Checks = [string, boolean][];

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? path.resolve(process.argv[at + 1] ?? '') : undefined;
}

/** Extensions: Install from VSIX…, the file named in the open dialog. */
async function installFromVsix(page: Page, vsix: string): Promise<void> {
  await runCommand(page, 'Extensions: Install from VSIX...');
  await pickInOpenDialog(page, vsix);
}

async function firstRun(page: Page, vsix: string, checks: Checks): Promise<void> {
  await page.locator('.gettingStartedContainer').first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await installFromVsix(page, vsix);
  const details = page.locator('.gettingStartedSlideDetails');
  const title = details.locator('h2.category-title', { hasText: WALKTHROUGH });
  const offered = page.locator('button.getting-started-category', { hasText: WALKTHROUGH }).first();
  const seen = await Promise.any([
    title.waitFor({ timeout: STEP_TIMEOUT_MS }).then(() => 'opened by itself' as const),
    offered.waitFor({ timeout: STEP_TIMEOUT_MS }).then(() => 'offered on the Welcome page' as const),
  ]).catch(() => undefined);
  await screenshot(page, 'first-run-installed.png');
  console.log(`note - after the install, the walkthrough was ${seen ?? 'nowhere'}`);
  const badge = seen === 'offered on the Welcome page' ? ((await offered.textContent()) ?? '') : '';
  checks.push([
    `installing the VSIX in the window offers "${WALKTHROUGH}" (${seen ?? 'not shown'}${badge.includes('New') ? ', marked New' : ''})`,
    seen !== undefined,
  ]);
  if (seen === undefined) return;
  if (seen === 'offered on the Welcome page') await offered.click();
  await title.waitFor({ timeout: STEP_TIMEOUT_MS });
  const steps = await details.locator('button.getting-started-step h3.step-title').allTextContents();
  checks.push([`it opens with the six steps, "${FIRST_STEP}" first: ${steps.join(' · ')}`, steps.length === 6 && steps[0] === FIRST_STEP]);

  await details.locator('button.getting-started-step[data-step-id$="#inspect"]').click();
  await details.getByRole('button', { name: BUTTON }).first().click();
  const chip = inspectorFrame(page).locator('.token-list .chip', { hasText: SAMPLE_WORD }).first();
  const inspected = await chip.waitFor({ timeout: STEP_TIMEOUT_MS }).then(
    () => true,
    () => false,
  );
  await page.waitForTimeout(500);
  await screenshot(page, 'first-run-try-sample.png');
  checks.push([`the step's "${BUTTON}" button runs its command: the inspector shows the sample's tokens ("${SAMPLE_WORD}")`, inspected]);
  // The step completes on its command (completionEvents onCommand:attentionLens.trySample): VS Code ticks it.
  // The walkthrough's tab (named after the extension) is the first group's, before the sample's untitled editor.
  await page
    .locator('.tabs-container .tab', { hasText: /Welcome|Attention Lens/ })
    .first()
    .click();
  const ticked = await details
    .locator('button.getting-started-step[data-step-id$="#inspect"][aria-checked="true"]')
    .waitFor({ timeout: STEP_TIMEOUT_MS })
    .then(
      () => true,
      () => false,
    );
  await screenshot(page, 'first-run-step-done.png');
  checks.push([`"${FIRST_STEP}" is marked done after its command ran`, ticked]);
}

async function main(): Promise<number> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-first-run-'));
  const checks: Checks = [];
  try {
    const vsix = argValue('--vsix') ?? buildVsix(temp);
    // VS Code's own startup editor (the quiet test profile turns it off).
    const settings = { 'workbench.startupEditor': 'welcomePage' };
    await withDevWorkbench(
      'first-run',
      settings,
      (page) =>
        firstRun(page, vsix, checks).catch(async (error: unknown) => {
          checks.push([`the first run went through: ${(error as Error).message}`, false]);
          await screenshot(page, 'first-run-failed.png');
        }),
      { developExtension: false },
    );
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
  for (const [what, ok] of checks) console.log(`${ok ? 'ok' : 'FAILED'} - ${what}`);
  const failed = checks.filter(([, ok]) => !ok).length;
  console.log(`${checks.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

runMain(main);
