// The walkthrough's images (media/walkthrough/*.png), taken as a user sees each step: the extension from this
// checkout in the VS Code server with its default (embedded) model, driven from the command palette.
//   flock /tmp/heavy.lock node out/test/harness/walkthroughShots.js [step…]   → media/walkthrough/{step}.png
// With step names, only those images are saved (the steps before them still run). The run-file step opens a run that
// python/attention_lens.py wrote from the tiny GPT-2 in PyTorch, with Open Run File… from the palette.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { SAMPLE_TEXT } from '../../src/commands/sampleText';
import { writeTinyGpt2Runs } from '../support/python';
import { screenshot } from './browser';
import { runScript, withDevWorkbench } from './devWorkbench';
import { repoRoot } from './vscodeServer';
import { inspectorFrame, openRunFile, runCommand, STEP_TIMEOUT_MS, webviewFrameWith } from './workbenchUi';

const OUT = path.join(repoRoot, 'media', 'walkthrough');
const ONLY = process.argv.slice(2);

async function shoot(page: Page, step: string): Promise<void> {
  if (ONLY.length > 0 && !ONLY.includes(step)) return;
  await page.waitForTimeout(700);
  const file = await screenshot(page, `walkthrough-${step}.png`);
  if (!file) throw new Error(`the screenshot of ${step} failed`);
  fs.copyFileSync(file, path.join(OUT, `${step}.png`));
  console.log(`saved media/walkthrough/${step}.png`);
}

/** Puts the cursor in the sample's first line on the word `word` (by keyboard, as the hover and side view follow it). */
async function cursorOn(page: Page, word: string): Promise<void> {
  await page
    .locator('.editor-instance .view-line', { hasText: 'animal' })
    .first()
    .click({ position: { x: 4, y: 4 } });
  await page.keyboard.press('Home');
  const before = SAMPLE_TEXT.indexOf(` ${word} `) + 1;
  for (let i = 0; i <= before; i++) await page.keyboard.press('ArrowRight');
}

/** Inspect, hover, side view, model picker, GPU: each step on the one before it, from Try on a Sample Sentence. */
async function sampleSteps(page: Page): Promise<void> {
  await runCommand(page, 'Attention Lens: Try on a Sample Sentence');
  const frame = inspectorFrame(page);
  await frame.locator('.token-list .chip', { hasText: 'animal' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await frame.locator('vscode-tab-header[data-tab="head"]').click();
  await frame.locator('vscode-tab-panel[data-tab="head"] canvas[data-draw-ms]').first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await shoot(page, 'inspect');

  await runCommand(page, 'Attention Lens: Toggle Token Boundaries');
  await cursorOn(page, 'it');
  await runCommand(page, 'Show or Focus Hover');
  await page.locator('.monaco-hover', { hasText: 'it' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await shoot(page, 'hover');
  await page.keyboard.press('Escape');

  await runCommand(page, 'Attention Lens: Show Side View');
  const side = await webviewFrameWith(page, '.sidebar-view');
  for (let attempt = 0; attempt < 3 && !((await side.locator('.focus-token').textContent()) ?? '').includes('it'); attempt++) {
    await cursorOn(page, 'it');
    await page.waitForTimeout(2000);
  }
  await side.locator('.sidebar-view .bar-list .bar-row').first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await shoot(page, 'sideView');

  await page.keyboard.press('Escape');
  await runCommand(page, 'Attention Lens: Select Model');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'lens-bert-mini' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.keyboard.type('Xenova/gpt2');
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: 'Use Hub model Xenova/gpt2' })
    .first()
    .waitFor({ timeout: STEP_TIMEOUT_MS });
  await shoot(page, 'pickModel');
  await page.keyboard.press('Escape');

  await runCommand(page, 'Attention Lens: Enable GPU (CUDA)');
  await page.locator('.monaco-dialog-box, .notification-toast').first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await shoot(page, 'gpu');
  await page.keyboard.press('Escape');
}

/** A run that attention_lens.py wrote from the tiny GPT-2 in PyTorch, opened with Open Run File… in the head view. */
async function runFileStep(page: Page): Promise<void> {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-py-runs-'));
  try {
    await openRunFile(page, writeTinyGpt2Runs(runs, repoRoot)[0]);
    // The inspector's webview from the steps above is open too: find the run file's by what it says.
    const file = await webviewFrameWith(page, '.summary .facts:has-text("tiny-gpt2-0.attention.json")');
    await file.locator('vscode-tab-header[data-tab="head"]').click();
    const canvas = file.locator('vscode-tab-panel[data-tab="head"] canvas.head-canvas');
    await canvas.waitFor({ timeout: STEP_TIMEOUT_MS });
    await canvas.focus();
    for (let i = 0; i < 4; i++) await canvas.press('ArrowDown');
    await shoot(page, 'runFile');
  } finally {
    fs.rmSync(runs, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await withDevWorkbench('walkthrough', {}, async (page) => {
    await page.locator('.explorer-folders-view').waitFor({ timeout: STEP_TIMEOUT_MS });
    // The run-file step needs none of the others.
    if (ONLY.length === 0 || ONLY.some((step) => step !== 'runFile')) await sampleSteps(page);
    await runFileStep(page);
  });
}

runScript(main);
