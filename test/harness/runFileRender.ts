// Run files in a real VS Code, through its UI: the extension from this checkout in the VS Code server, driven by
// Chromium (devWorkbench), each check reading what the webviews show.
// - Open Run File: a run file written by python/attention_lens.py from the project's tiny GPT-2 in PyTorch
//   (test/support/python.ts), opened with "Attention Lens: Open Run File…" from the palette. The panel counts its
//   tokens and says it was read from the file; the head view offers the file's one set with its layers and heads; the
//   weights the head view's line says a token attends to are the file's own (to the 3 decimals it shows).
// - Notebook output: the committed notebook test/integration/workspace/run-output.ipynb (a stored output of MIME
//   application/vnd.attention-lens.run+json, a tiny GPT-2 run with base64 maps, made by tools/runFiles/makeRunFiles.ts)
//   opened with no kernel: the summary says it was read from the output, the model view and the head view draw.
// Screenshots: test-results/integration/{runfile,notebook}-*.png.
//   node out/test/harness/runFileRender.js   → "N passed, N failed"
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame, FrameLocator, Page } from 'playwright-core';
import { findPython, writeTinyGpt2Runs } from '../support/python';
import { screenshot } from './browser';
import { withDevWorkbench } from './devWorkbench';
import { runMain } from './runMain';
import { repoRoot } from './vscodeServer';
import { inspectorFrame, openFile, openRunFile, STEP_TIMEOUT_MS } from './workbenchUi';

const NOTEBOOK = 'run-output.ipynb';
/** The weights the head view's line shows: three decimals. */
const SHOWN_DECIMALS = 3;

interface RunFile {
  model: { id: string; layers: number; heads: number };
  tokens: { piece: string; display?: string }[];
  attentionSets: { name: string }[];
  attention: { perLayer: number[][][][] };
}

type Checks = [string, boolean][];

/** "Hover a token…" until a token is selected: the line that names what it attends to, in which layer and head. */
async function headViewLine(frame: FrameLocator): Promise<string> {
  const info = frame.locator('vscode-tab-panel[data-tab="head"] .hover-info');
  const canvas = frame.locator('vscode-tab-panel[data-tab="head"] canvas.head-canvas');
  await canvas.focus();
  await canvas.press('ArrowDown');
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const text = (await info.textContent()) ?? '';
    if (text.includes(' attends to ') || Date.now() > deadline) return text;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function openRunFileChecks(page: Page, checks: Checks): Promise<void> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-py-runs-'));
  try {
    const [file] = writeTinyGpt2Runs(out, repoRoot);
    const name = path.basename(file);
    const run = JSON.parse(fs.readFileSync(file, 'utf8')) as RunFile;
    await openRunFile(page, file);
    const frame = inspectorFrame(page);
    const facts = frame.locator('.summary .facts');
    await facts.filter({ hasText: name }).waitFor({ timeout: STEP_TIMEOUT_MS });
    const factsText = (await facts.textContent()) ?? '';
    checks.push([
      `Open Run File shows ${name} (written by attention_lens.py from PyTorch), says where it came from and counts its ` +
        `${run.tokens.length} tokens: "${factsText}"`,
      factsText.includes(run.model.id) &&
        factsText.includes(`read from ${name}, no model loaded`) &&
        factsText.includes(`${run.tokens.length} tokens`),
    ]);
    const chips = (await frame.locator('.token-list .chip').allTextContents()).length;
    checks.push([`the token list has the file's ${run.tokens.length} tokens (${chips})`, chips === run.tokens.length]);

    await frame.locator('vscode-tab-header[data-tab="head"]').click();
    const head = frame.locator('vscode-tab-panel[data-tab="head"]');
    await head.locator('canvas[data-draw-ms]').first().waitFor({ timeout: STEP_TIMEOUT_MS });
    const layers = await head.locator('.layer-select vscode-option').count();
    const heads = await head.locator('.head-toggles vscode-checkbox').count();
    const setChoice = await head.locator('.set-select').isVisible();
    checks.push([
      `the head view shows the file's one set ("${run.attentionSets.map((s) => s.name).join(', ')}", no set to choose) with its ` +
        `${run.model.layers} layers and ${run.model.heads} heads (shown: ${layers} layers, ${heads} heads)`,
      run.attentionSets.length === 1 && !setChoice && layers === run.model.layers && heads === run.model.heads,
    ]);

    const line = await headViewLine(frame);
    await page.waitForTimeout(300);
    await screenshot(page, 'runfile-head.png');
    const where = /attends to \(layer (\d+)[^,]*, head (\d+)\): (.*)$/.exec(line);
    const shown = [...(where?.[3] ?? '').matchAll(/"(?:[^"\\]|\\.)*" (\d\.\d+)/g)].map((m) => m[1]);
    const query = 1; // ArrowDown from no selection selects token 1
    const row = where ? run.attention.perLayer[Number(where[1])][Number(where[2])][query] : [];
    const expected = [...row]
      .sort((a, b) => b - a)
      .slice(0, shown.length)
      .map((w) => w.toFixed(SHOWN_DECIMALS));
    const who = JSON.stringify(run.tokens[query].display || run.tokens[query].piece);
    checks.push([
      `the weights the head view says token ${query} attends to are the file's row (layer ${where?.[1]}, head ${where?.[2]}): ` +
        `shown ${shown.join(', ')}, in the file ${expected.join(', ')} ("${line}")`,
      where !== null && line.startsWith(who) && shown.length > 0 && shown.join() === expected.join(),
    ]);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** The frame that holds the rendered output: VS Code draws a notebook's outputs in a webview of their own. */
async function outputFrame(page: Page): Promise<Frame> {
  const until = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    for (const frame of page.frames()) {
      if (
        (await frame
          .locator('.attention-lens-output')
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    if (Date.now() > until) throw new Error(`no Attention Lens output drawn in ${STEP_TIMEOUT_MS} ms`);
    await page.waitForTimeout(250);
  }
}

async function notebookChecks(page: Page, checks: Checks): Promise<void> {
  const run = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'integration', 'workspace', NOTEBOOK), 'utf8')).cells[0].outputs[0]
    .data['application/vnd.attention-lens.run+json'];
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page.keyboard.type(NOTEBOOK);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: NOTEBOOK }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Enter');
  const frame = await outputFrame(page);
  const output = frame.locator('.attention-lens-output').first();
  const facts = output.locator('.summary .facts');
  await facts.waitFor({ timeout: STEP_TIMEOUT_MS });
  const factsText = (await facts.textContent()) ?? '';
  checks.push([
    `the summary names the model and says the run was read from the output: "${factsText}"`,
    factsText.includes(run.model.id) && factsText.includes('read from a notebook output, no model loaded'),
  ]);
  checks.push([`it counts the run's ${run.tokens.length} tokens`, factsText.includes(`${run.tokens.length} tokens`)]);
  await screenshot(page, 'notebook-tokens.png');
  for (const tab of ['model', 'head']) {
    await output.locator(`vscode-tab-header[data-tab="${tab}"]`).click();
    const drawn = output.locator(`vscode-tab-panel[data-tab="${tab}"] canvas[data-draw-ms]`).first();
    const ok = await drawn.waitFor({ timeout: STEP_TIMEOUT_MS }).then(
      () => true,
      () => false,
    );
    checks.push([`the ${tab} view draws its canvas from the stored maps`, ok]);
    await page.waitForTimeout(300);
    await screenshot(page, `notebook-${tab}.png`);
  }
  const status = (await output.locator('.summary .status').textContent()) ?? '';
  checks.push([`no request failed (status: "${status}")`, !/could not|error/i.test(status)]);
}

async function main(): Promise<number> {
  findPython('numpy, torch, onnx');
  const checks: Checks = [];
  await withDevWorkbench('runfile', {}, async (page) => {
    await openFile(page, 'sample.txt', 'Transformer');
    for (const [what, part] of [
      ['Open Run File', openRunFileChecks],
      ['the notebook', notebookChecks],
    ] as const) {
      await part(page, checks).catch(async (error: unknown) => {
        checks.push([`${what} opened and rendered: ${(error as Error).message}`, false]);
        await screenshot(page, `runfile-failed-${what.replace(/\W+/g, '-')}.png`);
      });
    }
  });
  for (const [what, ok] of checks) console.log(`${ok ? 'ok' : 'FAILED'} - ${what}`);
  const failed = checks.filter(([, ok]) => !ok).length;
  console.log(`${checks.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

runMain(main);
