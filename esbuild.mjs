// Builds the extension host bundle, the inference worker, the CLI, the benchmark and the soak (Node, CommonJS) and the
// webview bundle (browser). `node esbuild.mjs --watch` rebuilds on change; `--production` minifies.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// onnxruntime-node is a native addon: it stays in node_modules and ships in the VSIX as it is.
const nodeExternal = ['vscode', 'onnxruntime-node'];

const nodeEntries = {
  extension: 'src/extension.ts',
  inferenceWorker: 'src/core/worker/inferenceWorker.ts',
  cli: 'src/cli/main.ts',
  bench: 'tools/bench/main.ts',
  soak: 'tools/soak/main.ts',
};

const builds = [
  {
    entryPoints: nodeEntries,
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: [...nodeExternal, '@huggingface/transformers', 'playwright-core'],
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
  },
  {
    // The inspector, Compare Tokenizers, and the notebook renderer with its stylesheet (linked by its script).
    entryPoints: {
      'webview/main': 'webview/main.ts',
      'webview/compare': 'webview/compare/main.ts',
      'webview/notebook': 'webview/notebook/renderer.ts',
      'webview/notebook-styles': 'webview/notebook/notebook.css',
    },
    outdir: 'dist',
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'esm',
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
  },
];

// A missing entry point is a broken tree, never a smaller build: say which and stop.
const missing = builds.flatMap((b) => Object.values(b.entryPoints)).filter((file) => !existsSync(file));
if (missing.length > 0) {
  console.error(`esbuild.mjs: entry point${missing.length > 1 ? 's' : ''} not found: ${missing.join(', ')}`);
  process.exit(1);
}

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
