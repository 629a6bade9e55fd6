// Run as a separate process by the concurrency test: one more "VS Code window" downloading the same model.
// Usage: node hubChild.js <hubUrl> <cacheDir> <modelId>. Prints one JSON line: { ok, folder } or { ok, code, message }.
import { ensureHubModel } from '../../src/core/hub/hubModel';
import { LensError } from '../../src/core/types';

async function main(): Promise<void> {
  const [hubUrl, cacheDir, modelId] = process.argv.slice(2);
  try {
    const folder = await ensureHubModel({ hubUrl, cacheDir, modelId, lockPollMs: 50 });
    process.stdout.write(`${JSON.stringify({ ok: true, folder })}\n`);
  } catch (err) {
    const code = err instanceof LensError ? err.code : 'unexpected';
    process.stdout.write(`${JSON.stringify({ ok: false, code, message: String((err as Error).message) })}\n`);
    process.exitCode = 1;
  }
}

void main();
