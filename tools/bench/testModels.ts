// Figure 0: the project's tiny test models (test/fixtures/models), which every test runs on: a plain forward
// pass against a run that returns every attention map, interleaved, at the models' full context.
import * as path from 'node:path';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { median, pairedRatio } from './benchMath';
import type { BenchDevice } from './options';
import { interleave } from './speed';
import { benchModelAt, PlainSession, textOfLength } from './workload';

export interface TestModelRow {
  model: string;
  tokens: number;
  plainMs: number;
  inspectMs: number;
  ratio: number;
}

const TEST_MODELS = [
  { name: 'tiny-bert', key: 'bert' },
  { name: 'tiny-gpt2', key: 'gpt2' },
] as const;

export async function measureTestModels(repoRoot: string, device: BenchDevice, repeats: number): Promise<TestModelRow[]> {
  const rows: TestModelRow[] = [];
  for (const { name, key } of TEST_MODELS) {
    const model = benchModelAt(path.join(repoRoot, 'test', 'fixtures', 'models', name), key, name, false);
    const runner = await ModelRunner.load({ id: name, source: 'local', folder: model.folder, device }, detectProviderEnvironment());
    const plain = await PlainSession.create(model, device);
    const text = textOfLength(runner.model.tokenizer, model.maxPositions);
    const feeds = plain.feeds(runner.model.tokenizer.encode(text).map((t) => t.id));
    const times = await interleave(
      {
        plain: async () => {
          await plain.forward(feeds);
        },
        inspect: async () => {
          await runner.inspect(text, { attention: true, topK: 10 });
        },
      },
      ['plain', 'inspect'],
      { warmup: 2, repeats },
    );
    rows.push({
      model: name,
      tokens: model.maxPositions,
      plainMs: median(times.plain),
      inspectMs: median(times.inspect),
      ratio: pairedRatio(times.inspect, times.plain),
    });
    await runner.dispose();
    await plain.release();
  }
  return rows;
}
