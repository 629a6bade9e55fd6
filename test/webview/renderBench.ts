// Render benchmark (for the benchmark script, not a timed test): the model view at 512 tokens × 12 × 12
// heads, and the head view's hover update. Times come from the views' own data-draw-ms (the drawing work)
// and from wall time around a posted message / mouse move until the next frame has been painted.
// benchModelView: the model view alone on any causal shape (the large decoders' 24 × 14 heads at 2,048 tokens).
import type { Page } from 'playwright-core';
import { largeCausal } from './fixtures';
import { makePayload } from './makePayload';
import type { Payload } from './payload';
import { LensPage, launch, startServer } from './harness';

export interface RenderTimes {
  /** Median time to build and draw the model view's pixels from a fresh overview. */
  modelViewMs: number;
  /** Median wall time in the page from the overview message's arrival to the end of the frame showing it. */
  modelViewWallMs: number;
  /** Median time to redraw the head view for one hover move (one head, the default). */
  hoverUpdateMs: number;
  /** The same with all 12 heads overlaid (the worst case). */
  hoverAllHeadsMs: number;
  /** Median time to redraw the matrix view for one hover move. */
  matrixHoverMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

/** The shape of a synthetic causal run for the model view alone (the benchmark's large decoders). */
export interface ModelViewShape {
  tokens: number;
  layers: number;
  heads: number;
}

/** `page` is any Playwright page of a browser; the webview is opened in a new page of the same context. */
export async function measureRender(page: Page, origin: string, runs = 7): Promise<RenderTimes> {
  const browser = page.context().browser();
  if (!browser) throw new Error('measureRender needs a page of a launched browser');
  const lens = await LensPage.open(browser, origin, 'inspector', 'dark', { width: 1280, height: 900 });
  const p = largeCausal();
  await lens.sendRun(p);
  const { modelViewMs, modelViewWallMs } = await measureModelView(lens, p, runs);
  await lens.tab('head');
  await lens.until(`!document.querySelector('.head-view .hover-info').textContent.startsWith('Loading')`);
  const canvas = lens.page.locator('.head-canvas');
  const box = await canvas.boundingBox();
  if (!box) throw new Error('no head canvas');
  const hover: number[] = [];
  for (let i = 0; i < runs * 3; i++) {
    await lens.page.mouse.move(box.x + 40, box.y + 9 + 18 * (i % 30));
    await lens.settle();
    hover.push(Number(await canvas.getAttribute('data-draw-ms')));
  }
  await lens.page.locator('.head-view .toolbar vscode-button').click();
  await lens.settle();
  const hoverAll: number[] = [];
  for (let i = 0; i < runs * 3; i++) {
    await lens.page.mouse.move(box.x + 40, box.y + 9 + 18 * (i % 30));
    await lens.settle();
    hoverAll.push(Number(await canvas.getAttribute('data-draw-ms')));
  }
  await lens.tab('matrix');
  await lens.until(`!document.querySelector('.matrix-view .hover-info').textContent.startsWith('Loading')`);
  const mCanvas = lens.page.locator('.matrix-view canvas');
  const mBox = await mCanvas.boundingBox();
  if (!mBox) throw new Error('no matrix canvas');
  const mHover: number[] = [];
  for (let i = 0; i < runs * 3; i++) {
    await lens.page.mouse.move(mBox.x + 130 + i * 11, mBox.y + 110 + i * 9);
    await lens.settle();
    mHover.push(Number(await mCanvas.getAttribute('data-draw-ms')));
  }
  await lens.page.close();
  return {
    modelViewMs,
    modelViewWallMs,
    hoverUpdateMs: median(hover),
    hoverAllHeadsMs: median(hoverAll),
    matrixHoverMs: median(mHover),
  };
}

/** The model view's drawing and message-to-frame times, from `runs` fresh overviews of the run already sent. */
async function measureModelView(lens: LensPage, p: Payload, runs: number): Promise<{ modelViewMs: number; modelViewWallMs: number }> {
  await lens.tab('model');
  const model: number[] = [];
  const modelWall: number[] = [];
  const ov = p.overviews[0];
  const b64 = Buffer.from(ov.data.buffer, ov.data.byteOffset, ov.data.byteLength).toString('base64');
  await lens.page.evaluate(`window.__benchOverview = window.__lens.fromB64(${JSON.stringify(b64)})`);
  for (let i = 0; i < runs; i++) {
    // A fresh overview array (same run) makes the view rebuild every thumbnail; the wall time runs from
    // the message's arrival to the end of the frame that shows it.
    const wall = await lens.page.evaluate<number>(`new Promise((resolve) => {
      const canvas = document.querySelector('.model-view canvas');
      canvas.removeAttribute('data-draw-ms');
      const t0 = performance.now();
      window.__lens.deliver({ type: 'overview',
        overview: { runId: ${ov.runId}, set: '${ov.set}', rows: ${ov.rows}, cols: ${ov.cols}, data: window.__benchOverview.slice() } });
      const poll = () => (canvas.hasAttribute('data-draw-ms') ? setTimeout(() => resolve(performance.now() - t0), 0)
        : requestAnimationFrame(poll));
      requestAnimationFrame(poll);
    })`);
    modelWall.push(wall);
    model.push(Number(await lens.page.locator('.model-view canvas').getAttribute('data-draw-ms')));
  }
  return { modelViewMs: median(model), modelViewWallMs: median(modelWall) };
}

/** Starts its own server and browser: what the benchmark script calls. */
export async function benchRender(): Promise<RenderTimes> {
  const { server, origin } = await startServer();
  const browser = await launch();
  try {
    return await measureRender(await browser.newPage(), origin);
  } finally {
    await browser.close();
    server.close();
  }
}

/** The model view alone on a synthetic causal run of `shape` (overview side as the host picks it). */
export async function benchModelView(shape: ModelViewShape): Promise<{ modelViewMs: number; modelViewWallMs: number }> {
  const { server, origin } = await startServer();
  const browser = await launch();
  try {
    const lens = await LensPage.open(browser, origin, 'inspector', 'dark', { width: 1280, height: 900 });
    const p = makePayload({ name: 'decoder-shaped', kind: 'causal', ...shape, runId: 1 });
    await lens.sendRun(p);
    return await measureModelView(lens, p, 7);
  } finally {
    await browser.close();
    server.close();
  }
}
