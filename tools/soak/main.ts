// `npm run soak` (node dist/soak.js [--inspects N]): 1,000 inspects through one inference worker, both embedded
// models in turn; prints the settled memory curve and exits non-zero when judgeSoak() finds a problem.
import * as path from 'node:path';
import { MAX_RUNS_WITH_MAPS } from '../../src/core/worker/workerRuns';
import { garbageCollector } from '../exposeGc';
import { heldBytes, judgeSoak, LEVEL_WINDOW, runSoak, type SoakSample } from './soak';

const USAGE = 'usage: node dist/soak.js [--inspects N]   (N ≥ 100; default 1000)';
const WARMUP = 50;
const SAMPLE_EVERY = 10;

function parseInspects(argv: string[]): number {
  if (argv.length === 0) return 1000;
  const n = Number(argv[1]);
  if (argv.length !== 2 || argv[0] !== '--inspects' || !Number.isInteger(n) || n < 2 * WARMUP) throw new Error(USAGE);
  return n;
}

function row(sample: SoakSample, reference: SoakSample | undefined): string {
  const mb = (bytes: number) => (bytes / 1024 ** 2).toFixed(1).padStart(7);
  const change = reference ? `${((sample.rssBytes / reference.rssBytes - 1) * 100).toFixed(1).padStart(6)} %` : ' (reference)';
  const bar = '#'.repeat(Math.round(sample.rssBytes / 1024 ** 2 / 10));
  return (
    `${String(sample.inspects).padStart(8)} ${(sample.elapsedMs / 1000).toFixed(0).padStart(6)} s ${mb(sample.rssBytes)} ${change} ` +
    `${mb(heldBytes(sample))} ${String(sample.openSessions).padStart(8)} ${String(sample.keptRuns).padStart(5)}  ${bar}`
  );
}

async function main(): Promise<number> {
  const inspects = parseInspects(process.argv.slice(2));
  console.log(
    `soak: ${inspects} inspects, both embedded models in turn; settled memory after the ${WARMUP}-inspect warm-up, then ` +
      `every ${SAMPLE_EVERY}; a level is the lowest of ${LEVEL_WINDOW} samples`,
  );
  console.log('inspects   time  RSS (MB)   change  held (MB) sessions  kept  RSS, # = 10 MB');
  let reference: SoakSample | undefined;
  const report = await runSoak({
    inspects,
    modelsDir: path.join(__dirname, '..', 'models'),
    warmup: WARMUP,
    sampleEvery: SAMPLE_EVERY,
    collectGarbage: garbageCollector(),
    onSample: (sample) => {
      console.log(row(sample, reference));
      reference ??= sample;
    },
  });
  console.log(`${report.completed} inspects completed, ${report.cancelled} cancelled by a newer one`);
  const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  console.log(
    `levels after the warm-up (at ${report.reference.inspects}): RSS ${mb(report.reference.rssBytes)}, held ` +
      `${mb(heldBytes(report.reference))}; at the end (at ${report.final.inspects}): RSS ${mb(report.final.rssBytes)}, held ` +
      `${mb(heldBytes(report.final))}`,
  );
  const failures = judgeSoak(report);
  for (const failure of failures) console.log(`FAIL: ${failure}`);
  if (failures.length === 0) console.log(`ok: memory within the bound, one session open, at most ${MAX_RUNS_WITH_MAPS} runs' maps kept`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(2);
  },
);
