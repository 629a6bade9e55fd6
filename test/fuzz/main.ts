// `npm run fuzz -- [--cases N] [--seed S] [--target onnx|model|zip] [--case I] [--verbose]`: the fuzz tier
// beyond the bounded run in `npm test`. --cases is per target; --case I replays one case of the given seed.
import { TARGETS, type Target } from './fuzzCases';
import { DEFAULT_SEED, describeFailure, describeSummary, runFuzz } from './fuzzRunner';
import { mb } from './verdict';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : process.argv[at + 1];
}

function integer(name: string, fallback: number): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, not ${raw}`);
  return value;
}

async function main(): Promise<number> {
  const target = option('target');
  if (target !== undefined && !TARGETS.includes(target as Target)) throw new Error(`--target must be one of ${TARGETS.join(', ')}`);
  const targets = target ? [target as Target] : [...TARGETS];
  const seed = integer('seed', DEFAULT_SEED);
  const one = option('case') !== undefined ? integer('case', 0) : undefined;
  const cases = one !== undefined ? 1 : integer('cases', 200);
  const verbose = process.argv.includes('--verbose') || one !== undefined;
  let failed = 0;
  for (const t of targets) {
    const summary = await runFuzz({
      target: t,
      seed,
      cases,
      first: one ?? 0,
      onCase: (report, found) => {
        if (found.length > 0) console.log(describeFailure({ report, defects: found }));
        else if (verbose)
          console.log(
            `ok ${t} case ${report.index} (${report.outcome}, ${Math.round(report.ms)} ms, ${Math.round(report.cpuMs)} ms CPU, peak ` +
              `+${mb(report.peakGrowth)} MB): ${report.what}${report.message ? `\n  message: ${report.message}` : ''}`,
          );
      },
    });
    console.log(describeSummary(summary));
    failed += summary.failures.length;
  }
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(2);
  },
);
