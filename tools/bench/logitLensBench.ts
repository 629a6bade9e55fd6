// The logit lens's cost (issue 21): on the BERT-base-shaped model at 512 tokens, an inspect that also computes the
// lens in the same run ÷ the same inspect without it: at the view's first window (InspectOptions.lensWindow, 16
// tokens around the mask: what each inspect carries once the view is in use), and at P = 1 and 64 positions for
// scale; and a logitLens request over 16 positions (a run of its own: the view's first ask, or a moved window),
// ÷ the inspect. The lens's head costs P × layers vocabulary projections, a twelfth of a forward pass per 43
// positions of BERT-base, so P sets the figure. Every contender runs once per round in a rotating order (speed.ts).
// Prints JSON. In-process, CPU, under the heavy lock:
//
//   npx tsc -p tsconfig.json && flock /tmp/heavy.lock node out/tools/bench/logitLensBench.js [--models DIR] [--repeats N]
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { LENS_SHOWN } from '../../src/protocol/logitLens';
import { median, pairedRatio } from './benchMath';
import { defaultModelsDir } from './options';
import { interleave } from './speed';
import { textOfLength } from './workload';

const TOKENS = 512;
const TOP_K = 10;
const WINDOWS = [1, 64] as const;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const folder = path.join(arg('--models', defaultModelsDir()), 'bert-base-shaped');
  const repeats = Number(arg('--repeats', '5'));
  const runner = await ModelRunner.load({ id: 'bert-base-shaped', source: 'local', folder, device: 'cpu' }, detectProviderEnvironment());
  const text = textOfLength(runner.model.tokenizer, TOKENS);
  const mask = runner.model.tokenizer.encode(text).findIndex((t) => t.id === runner.model.tokenizer.maskTokenId);
  const around = (count: number) => Array.from({ length: count }, (_, i) => mask - Math.floor(count / 2) + i);
  const options = { attention: true, topK: TOP_K };
  const calls: Record<string, () => Promise<void>> = {
    inspect: async () => void (await runner.inspect(text, options)),
    viewWindow: async () => void (await runner.inspect(text, { ...options, lensWindow: LENS_SHOWN })),
    request16: async () => void (await runner.logitLens(text, { positions: around(LENS_SHOWN), topK: TOP_K })),
  };
  for (const p of WINDOWS) calls[`lens${p}`] = async () => void (await runner.inspect(text, { ...options, logitLens: around(p) }));
  const names = Object.keys(calls);
  const times = await interleave(calls, names, { warmup: 1, repeats });
  await runner.dispose();
  const ratio = (name: string) => Number(pairedRatio(times[name], times.inspect).toFixed(3));
  const result = {
    model: 'BERT-base shape (12 layers, d 768, vocabulary 30,522)',
    tokens: TOKENS,
    repeats,
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
    medianMs: Object.fromEntries(names.map((name) => [name, Math.round(median(times[name]))])),
    inspectWithViewWindowOverInspect: ratio('viewWindow'),
    inspectWithLensOverInspect: Object.fromEntries(WINDOWS.map((p) => [`${p} positions`, ratio(`lens${p}`)])),
    lensRequest16OverInspect: ratio('request16'),
  };
  console.log(JSON.stringify(result, null, 1));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
