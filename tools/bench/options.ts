// Command-line options of `npm run bench` (node dist/bench.js).
import * as os from 'node:os';
import * as path from 'node:path';

export type BenchDevice = 'cpu' | 'cuda';

export interface BenchOptions {
  quick: boolean;
  device: BenchDevice;
  /** Folder holding bert-base-shaped/ and gpt2-shaped/ (made by `python3 -m lens_models.make_bench_models`). */
  models: string;
  /** Only these models (default all): bert, gpt2 (each with the floor, test models and render figures) or qwen. */
  only?: 'bert' | 'gpt2' | 'qwen' | 'rollout';
  /** Write the table into BENCHMARKS.md (default yes; --no-write only prints). */
  write: boolean;
  /** Where BENCHMARKS.md is. */
  repoRoot: string;
}

export const USAGE = `usage: node dist/bench.js [--quick] [--device cpu|cuda] [--models DIR] [--only bert|gpt2|qwen|rollout] [--no-write]
  --quick     fewer repeats, 128 tokens only (a smoke run; its figures are not written as the record)
  --only      one model: bert, gpt2 or qwen (the Qwen2.5-0.5B-shaped decoder, fp32 and q4, in its own section);
              rollout: attention rollout at the BERT-base shape, 512 tokens (its own section; needs no model)
  --device    execution provider for every session (default cpu)
  --models    folder with bert-base-shaped/, gpt2-shaped/ and qwen2.5-0.5b-shaped/ (default $ATTENTION_LENS_BENCH_MODELS or
              ~/.cache/attention-lens-bench; make them with
              PYTHONPATH=tools /usr/bin/python3 -m lens_models.make_bench_models)`;

export function defaultModelsDir(): string {
  return process.env.ATTENTION_LENS_BENCH_MODELS ?? path.join(os.homedir(), '.cache', 'attention-lens-bench');
}

export function parseOptions(argv: string[], repoRoot: string): BenchOptions {
  const options: BenchOptions = { quick: false, device: 'cpu', models: defaultModelsDir(), write: true, repoRoot };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return next;
    };
    if (arg === '--quick') options.quick = true;
    else if (arg === '--no-write') options.write = false;
    else if (arg === '--device') {
      const device = value();
      if (device !== 'cpu' && device !== 'cuda') throw new Error(`--device must be cpu or cuda\n${USAGE}`);
      options.device = device;
    } else if (arg === '--models') options.models = path.resolve(value());
    else if (arg === '--only') {
      const only = value();
      if (only !== 'bert' && only !== 'gpt2' && only !== 'qwen' && only !== 'rollout') {
        throw new Error(`--only must be bert, gpt2, qwen or rollout\n${USAGE}`);
      }
      options.only = only;
    } else if (arg === '--help' || arg === '-h') throw new Error(USAGE);
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return options;
}
