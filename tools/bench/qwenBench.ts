// The Qwen2.5-0.5B-shaped model's part of `npm run bench` (`--only qwen` runs it alone): both files (fp32, q4)
// through decoderScenario.ts, the model view of its 24 × 14 heads in Chromium, and its own section of
// BENCHMARKS.md. A missing model folder is reported, not thrown: the rest of a full run still counts.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { readDecoderShape } from './decoderModel';
import type { DecoderResults } from './decoderReport';
import { measureDecoder, type DecoderOptions } from './decoderScenario';
import { describeMachine, noteLoad } from './machine';
import { measureInChild } from './memory';
import type { BenchOptions } from './options';
import { measureModelViewInChild } from './render';

export const QWEN_FOLDER = 'qwen2.5-0.5b-shaped';
export const QWEN_VARIANTS = [
  { label: 'fp32', file: 'onnx/model.onnx' },
  { label: 'q4', file: 'onnx/model_q4.onnx' },
] as const;
const MAKE = 'cd tools && PYTHONPATH=. /usr/bin/python3 -m lens_models.make_bench_models --only qwen';

export async function benchQwen(options: BenchOptions, repoRoot: string, log: (message: string) => void): Promise<DecoderResults> {
  const folder = path.join(options.models, QWEN_FOLDER);
  const results: DecoderResults = {
    machine: describeMachine(),
    device: options.device,
    model: QWEN_FOLDER,
    rows: [],
    modelView: 'not run',
  };
  if (!existsSync(path.join(folder, 'config.json'))) {
    results.missing = `no ${QWEN_FOLDER} model in ${options.models}: make it once with \`${MAKE}\` (about 3 GB with both files)`;
    return results;
  }
  const shape = readDecoderShape(folder);
  results.shape = shape;
  const longest = options.quick ? 512 : 2048;
  for (const variant of QWEN_VARIANTS) {
    if (!existsSync(path.join(folder, variant.file))) continue;
    const scenario: DecoderOptions = {
      device: options.device,
      lengths: options.quick ? [512] : [512, 2048],
      // A forward pass at 2,048 tokens takes tens of seconds on 2 shared cores: there each timed run is its
      // session's first (both contenders alike), and at 512 tokens each session runs once untimed first.
      warmRuns: { 512: 1 },
      rounds: options.quick ? 1 : 2,
      log: (message) => log(`qwen ${message}`),
      memory: {
        tokens: longest,
        child: (config, tokens) =>
          measureInChild({ config, tokens, device: options.device, runs: 1, decoder: { folder, file: variant.file } }),
      },
    };
    results.rows.push(await measureDecoder({ label: variant.label, folder, file: variant.file }, scenario));
  }
  log('qwen: the model view in headless Chromium');
  results.modelView = await measureModelViewInChild(repoRoot, { tokens: longest, layers: shape.layers, heads: shape.heads });
  noteLoad(results.machine);
  return results;
}
