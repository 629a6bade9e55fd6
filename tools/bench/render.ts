// Figure 6 (render): the webview helper's test/webview/renderBench.ts (headless Chromium, the real webview
// bundle) run in a child process from its tsc output. It is not bundled into dist/bench.js: bundled, its
// modules' `require.main === module` checks would all be true and start their command-line mains.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { RenderFigures } from './report';

/** The model view alone, for a decoder's shape (renderBench's benchModelView). */
export interface ModelViewFigures {
  tokens: number;
  layers: number;
  heads: number;
  modelViewMs: number;
  modelViewWallMs: number;
}

/** Runs `call` (an expression on renderBench's exports, e.g. "benchRender()") in a child; its JSON, or why not. */
function renderBenchInChild(repoRoot: string, call: string): Promise<Record<string, unknown> | string> {
  const source = path.join(repoRoot, 'test', 'webview', 'renderBench.ts');
  const compiled = path.join(repoRoot, 'out', 'test', 'webview', 'renderBench.js');
  if (!existsSync(source)) return Promise.resolve('test/webview/renderBench.ts does not exist');
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(source).mtimeMs) {
    return Promise.resolve('out/test/webview/renderBench.js is missing or older than its source: run `npx tsc -p tsconfig.json` first');
  }
  if (!existsSync(path.join(repoRoot, 'dist', 'webview', 'main.js')))
    return Promise.resolve('dist/webview/main.js is missing: run `npm run build` first');
  const script =
    `require(${JSON.stringify(compiled)}).${call}.then((r) => { console.log('RENDER=' + JSON.stringify(r)); ` +
    `process.exit(0); }, (e) => { console.error(e && e.message); process.exit(1); });`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], { cwd: repoRoot, timeout: 300_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const match = /^RENDER=(.*)$/m.exec(stdout);
      if (error || !match)
        resolve(`renderBench failed: ${(stderr.trim().split('\n').pop() ?? '') || (error?.message ?? 'no result printed')}`);
      else resolve(JSON.parse(match[1]) as Record<string, unknown>);
    });
  });
}

export async function measureRenderInChild(repoRoot: string): Promise<RenderFigures | string> {
  const r = await renderBenchInChild(repoRoot, 'benchRender()');
  if (typeof r === 'string') return r;
  const numbers = ['modelViewMs', 'modelViewWallMs', 'hoverUpdateMs', 'matrixHoverMs'] as const;
  if (numbers.some((k) => typeof r[k] !== 'number')) return `renderBench returned unexpected fields: ${JSON.stringify(r).slice(0, 200)}`;
  return r as unknown as RenderFigures;
}

export async function measureModelViewInChild(
  repoRoot: string,
  shape: { tokens: number; layers: number; heads: number },
): Promise<ModelViewFigures | string> {
  const r = await renderBenchInChild(repoRoot, `benchModelView(${JSON.stringify(shape)})`);
  if (typeof r === 'string') return r;
  if (typeof r.modelViewMs !== 'number' || typeof r.modelViewWallMs !== 'number')
    return `renderBench returned unexpected fields: ${JSON.stringify(r).slice(0, 200)}`;
  return { ...shape, modelViewMs: r.modelViewMs, modelViewWallMs: r.modelViewWallMs };
}
