// Serves the built webview (dist/webview) and a page made by the real buildWebviewHtml on 127.0.0.1, and
// drives it in headless Chromium with the VS Code API replaced by PAGE_STUB.
import { chromiumArgs } from '../harness/browser';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { LayerHeads, ToWebviewMessage } from '../../src/protocol';
import { buildWebviewHtml, createNonce } from '../../src/panels/webviewHtml';
import { layerReply, type Payload } from './payload';
import { PAGE_STUB } from './pageStub';
import { repoRoot } from './paths';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
};

export async function startServer(): Promise<{ server: Server; origin: string }> {
  const dist = join(repoRoot(), 'dist/webview');
  if (!existsSync(join(dist, 'main.js'))) throw new Error('dist/webview/main.js is missing: run `node esbuild.mjs` first');
  let origin = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const views = { '/sidebar': 'sidebar', '/inspector': 'inspector', '/compare': 'compare' } as const;
    const view = views[url.pathname as keyof typeof views] ?? null;
    if (view) {
      // Compare Tokenizers runs its own bundle (src/panels/webviewSetup.ts).
      const bundle = view === 'compare' ? 'compare' : 'main';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        buildWebviewHtml({
          cspSource: origin,
          nonce: createNonce(),
          scriptUri: `${origin}/dist/webview/${bundle}.js`,
          styleUri: `${origin}/dist/webview/${bundle}.css`,
          view,
          title: 'Attention Lens',
        }),
      );
      return;
    }
    if (url.pathname === '/notebook') {
      // A notebook's output page, as far as a renderer sees it: an element to draw in, and the module it activates.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body class="vscode-${url.searchParams.get('theme') ?? 'dark'}">` +
          `<div id="output"></div><script type="module">import { activate } from '/dist/webview/notebook.js';` +
          `window.__renderer = activate();</script></body></html>`,
      );
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^\/dist\/webview\//, '');
    const file = join(dist, rel);
    if (!url.pathname.startsWith('/dist/webview/') || !file.startsWith(dist + '/') || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no server address');
  origin = `http://127.0.0.1:${address.port}`;
  return { server, origin };
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: chromiumArgs,
  });
}

export interface PostedSummary {
  type: string;
  [key: string]: unknown;
}

/** One webview page with its stubbed host. */
export class LensPage {
  payload: Payload | null = null;
  readonly errors: string[] = [];

  private constructor(readonly page: Page) {}

  static async open(
    browser: Browser,
    origin: string,
    view: 'inspector' | 'sidebar' | 'compare',
    theme = 'dark',
    size = { width: 1100, height: 800 },
  ): Promise<LensPage> {
    const page = await browser.newPage({ viewport: size });
    const lens = new LensPage(page);
    page.on('pageerror', (e) => lens.errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy|Refused to/i.test(m.text()))
        lens.errors.push(`console.${m.type()}: ${m.text()}`);
    });
    await page.addInitScript(PAGE_STUB);
    await page.exposeFunction('__lensHost', (json: string) => lens.answer(json));
    await page.goto(`${origin}/${view}?theme=${theme}`);
    await lens.until('window.__lens && window.__lens.posted.some((m) => m.type === "ready")');
    return lens;
  }

  /** The stub host's answer to the layer and logits requests, from the current payload. */
  private answer(json: string): { meta: string; data: string } | null {
    type Asked = { requestId: number; method: string; params: { set: string; layer: number; heads?: number[]; position: number } };
    const { requestId, method, params } = JSON.parse(json) as Asked;
    const m = { requestId, ...params };
    const p = this.payload;
    if (!p) return null;
    const base64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
    const error = (message: string) => ({ meta: JSON.stringify({ type: 'reply', inReplyTo: m.requestId, error: message }), data: '' });
    if (method === 'logits') {
      if (!p.logitsAt) return error('this recorded payload has no logits');
      const { logits, top } = p.logitsAt(m.position);
      return { meta: JSON.stringify({ type: 'reply', inReplyTo: m.requestId, result: { top } }), data: base64(logits) };
    }
    const reply = layerReply(p, m.set, m.layer, m.heads);
    if ('error' in reply) return error(reply.error);
    return { meta: JSON.stringify({ type: 'reply', inReplyTo: m.requestId, result: reply.meta }), data: base64(reply.data) };
  }

  /** Answers a layer request by hand (with autoReply off), with a layer of the given payload's set (or some heads). */
  async replyLayer(requestId: number, p: Payload, layer: number, set = 'self', heads?: LayerHeads): Promise<void> {
    const reply = layerReply(p, set, layer, heads);
    if ('error' in reply) throw new Error(reply.error);
    const { meta, data } = reply;
    const b64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
    await this.page.evaluate(
      ({ requestId, meta, b64 }) => {
        const lens = (globalThis as unknown as { __lens: { deliver(x: unknown): void; fromB64(s: string): Float32Array } }).__lens;
        lens.deliver({ type: 'reply', inReplyTo: requestId, result: { ...meta, data: lens.fromB64(b64) } });
      },
      { requestId, meta, b64 },
    );
  }

  async setAutoReply(on: boolean): Promise<void> {
    await this.page.evaluate(`window.__lens.autoReply = ${on}`);
  }

  /** No page errors, no CSP violations, acquireVsCodeApi called exactly once. */
  async assertClean(): Promise<void> {
    const violations = await this.violations();
    const acquired = await this.page.evaluate('window.__lens.acquired');
    if (this.errors.length || violations.length || acquired !== 1) {
      throw new Error(
        `page not clean: errors ${JSON.stringify(this.errors)}, ` +
          `CSP violations ${JSON.stringify(violations)}, acquireVsCodeApi calls ${acquired}`,
      );
    }
  }

  async post(message: ToWebviewMessage): Promise<void> {
    await this.page.evaluate(
      (m) => (globalThis as unknown as { __lens: { deliver(x: unknown): void } }).__lens.deliver(m),
      message as unknown as Record<string, unknown>,
    );
  }

  /** Sends Result and an Overview per set as the host does after a run. */
  async sendRun(p: Payload): Promise<void> {
    this.payload = p;
    await this.post({ type: 'result', summary: p.summary } as ToWebviewMessage);
    for (const { data, ...meta } of p.overviews) {
      const b64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
      await this.page.evaluate(
        ({ meta, b64 }) => {
          const lens = (globalThis as unknown as { __lens: { deliver(x: unknown): void; fromB64(s: string): Float32Array } }).__lens;
          lens.deliver({ type: 'overview', overview: { ...meta, data: lens.fromB64(b64) } });
        },
        { meta, b64 },
      );
    }
  }

  /** What the webview posted, with binary data summarised. */
  async posted(): Promise<PostedSummary[]> {
    return this.page.evaluate(() =>
      (globalThis as unknown as { __lens: { posted: Record<string, unknown>[] } }).__lens.posted.map((m) => {
        const d = m.data;
        if (d instanceof Uint8Array) return { ...m, data: { bytes: d.length, head: Array.from(d.slice(0, 8)) } };
        return m;
      }),
    ) as Promise<PostedSummary[]>;
  }

  /** The requests of one method the webview made, in order: each its id and params. */
  async requests(method: string): Promise<PostedSummary[]> {
    const asked = (await this.posted()).filter((m) => m.type === 'request' && m.method === method);
    return asked.map((m) => ({ type: m.method as string, requestId: m.requestId, ...(m.params as Record<string, unknown>) }));
  }

  async lastState(): Promise<Record<string, unknown> | undefined> {
    return this.page.evaluate(() => {
      const s = (globalThis as unknown as { __lens: { states: unknown[] } }).__lens.states;
      return s[s.length - 1] as Record<string, unknown> | undefined;
    });
  }

  async violations(): Promise<string[]> {
    return this.page.evaluate(() => (globalThis as unknown as { __lens: { violations: string[] } }).__lens.violations);
  }

  /**
   * Polls a JS expression in the page until it is truthy. (Playwright's waitForFunction with a string uses
   * eval inside the page, which the webview's CSP rightly refuses; page.evaluate goes through the debugger.)
   */
  async until(expression: string, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (await this.page.evaluate(expression)) return;
      if (Date.now() > end) throw new Error(`timed out waiting for: ${expression}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Waits two animation frames so scheduled draws have run. */
  async settle(): Promise<void> {
    await this.page.evaluate(() => {
      const raf = (globalThis as unknown as { requestAnimationFrame: (f: () => void) => number }).requestAnimationFrame;
      return new Promise<void>((r) => raf(() => raf(() => r())));
    });
  }

  /** Counts pixels of a canvas that differ from its top-left pixel (the background), and a cheap hash. */
  async ink(selector: string): Promise<{ width: number; height: number; inked: number; hash: number }> {
    return this.page
      .locator(selector)
      .first()
      .evaluate((el) => {
        const c = el as unknown as {
          width: number;
          height: number;
          getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
        };
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let inked = 0;
        let hash = 0;
        for (let i = 0; i < d.length; i += 4) {
          if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) inked++;
          hash = (hash * 31 + d[i] + d[i + 1] * 7 + d[i + 2] * 13) | 0;
        }
        return { width: c.width, height: c.height, inked, hash };
      });
  }

  async tab(name: string): Promise<void> {
    await this.page.locator(`vscode-tab-header[data-tab="${name}"]`).click();
    await this.settle();
    await this.settle();
  }
}
