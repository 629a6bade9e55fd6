// Records real result payloads from the tiny test models into test/fixtures/payloads/, in the shape the host
// sends to the webview (RunSummary + overview + layers), for the webview component tests.
//   npx tsc -p tsconfig.json && node out/tools/payloads/record.js
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { allLayers } from '../../src/core/engine/layerMaps';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { downsampleAttention } from '../../src/core/engine/overview';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { toOverview, toRunSummary } from '../../src/session/runSummary';
import { selfSet } from '../../test/support/engine';
import { fixtureModel, fixturesDir } from '../../test/support/paths';
import { savePayload } from '../../test/webview/payload';

const RECORDINGS = [
  { name: 'tiny-bert-masks', model: 'tiny-bert', text: 'The capital of France is [MASK]. The [MASK] sat on the mat, unbelievably 🙂.' },
  { name: 'tiny-gpt2-code', model: 'tiny-gpt2', text: 'def add(a, b):\n    """Return the sum."""\n    return a + b  # café 👋🏽' },
];

async function main(): Promise<void> {
  const out = path.join(fixturesDir, 'payloads');
  mkdirSync(out, { recursive: true });
  for (const [i, r] of RECORDINGS.entries()) {
    const runner = await ModelRunner.load(
      { id: r.model, source: 'local', folder: fixtureModel(r.model), device: 'cpu' },
      detectProviderEnvironment(),
    );
    const result = await runner.inspect(r.text, { attention: true, topK: 10 });
    const maps = await allLayers(selfSet(result.attention));
    await runner.dispose();
    const runId = i + 1;
    savePayload(out, {
      name: r.name,
      summary: toRunSummary(runId, result),
      overviews: [toOverview(runId, 'self', downsampleAttention(maps))],
      layer: (l) => maps.perLayer[l],
    });
    console.log(`${r.name}: ${result.tokens.length} tokens, ${maps.layers} layers × ${maps.heads} heads`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
