// Driving the VS Code workbench in headless Chromium by keyboard, as a user does: Quick Open a file, select a line,
// run a command from the palette, and find the inspector's webview. Shared by the user flow and the README shots.
import type { Frame, FrameLocator, Page } from 'playwright-core';

export const STEP_TIMEOUT_MS = Number(process.env.ATTENTION_LENS_UI_TIMEOUT_MS || 90_000);

/** Opens `name` by Quick Open once the workbench is up, and waits for the editor to show `shows`. */
export async function openFile(page: Page, name: string, shows: string): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.locator('.explorer-folders-view').waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page.keyboard.type(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Enter');
  await page.locator('.editor-instance .view-lines', { hasText: shows }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
}

export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page.keyboard.type(title);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Enter');
}

export async function selectLine(page: Page, line: number): Promise<void> {
  await page.locator('.editor-instance .view-lines').first().click();
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < line; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+End');
}

/** The inspector's webview: VS Code nests the page in iframe.webview → #active-frame. */
export function inspectorFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
}

/** Opens sample.txt, selects one line, runs Inspect Selection from the palette and gives the inspector's page. */
export async function inspectSampleLine(page: Page, line: number): Promise<FrameLocator> {
  await openFile(page, 'sample.txt', 'Transformer');
  await selectLine(page, line);
  await runCommand(page, 'Attention Lens: Inspect Selection');
  return inspectorFrame(page);
}

/** The webview frame whose page shows `selector` (the inspector and the side view are both webviews). */
export async function webviewFrameWith(page: Page, selector: string): Promise<Frame> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (
        (await frame
          .locator(selector)
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no webview shows ${selector}`);
}

/**
 * Names `file` in VS Code's own (simple) open dialog, which a command has just opened. The dialog fills in its start
 * folder once it has read it, over anything typed before, and on a loaded machine that can come after the name
 * looked settled (Enter then opened the start folder): type the path again until it stays and Enter closes the dialog.
 */
export async function pickInOpenDialog(page: Page, file: string): Promise<void> {
  const widget = page.locator('.quick-input-widget').first();
  const input = widget.locator('input');
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    while ((await input.inputValue()) !== file || !(await stays(page, file))) {
      if (Date.now() > deadline) throw new Error(`the open dialog did not take ${file}`);
      await input.fill(file);
    }
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: file.split('/').pop() })
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.keyboard.press('Enter');
    const closed = await widget
      .waitFor({ state: 'hidden', timeout: 5_000 })
      .then(() => true)
      .catch(() => false);
    if (closed) return;
    if (Date.now() > deadline) throw new Error(`the open dialog did not open ${file}`);
  }
}

async function stays(page: Page, value: string): Promise<boolean> {
  await page.waitForTimeout(500);
  return (await page.locator('.quick-input-widget input').inputValue()) === value;
}

/** Attention Lens: Open Run File… from the palette, the file named in the open dialog. */
export async function openRunFile(page: Page, file: string): Promise<void> {
  await runCommand(page, 'Attention Lens: Open Run File…');
  await pickInOpenDialog(page, file);
}
