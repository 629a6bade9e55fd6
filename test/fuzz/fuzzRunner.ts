// Runs fuzz cases in a child process (fuzzChild.ts) and judges each report (verdict.ts). A case that crashes
// the child or outlives the time limit is recorded as such; the next case gets a fresh child.
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CaseRequest } from './fuzzChild';
import type { Target } from './fuzzCases';
import { defects, HANG_LIMIT_MS, mb, type CaseReport } from './verdict';

/** The seed of `npm test`'s bounded run (test/unit/fuzz.test.ts) and of `npm run fuzz` by default. */
export const DEFAULT_SEED = 20261202;

export interface FuzzOptions {
  target: Target;
  seed: number;
  /** Cases [first, first + cases). */
  cases: number;
  first?: number;
  /** Called with every report as it comes, and its defects. */
  onCase?: (report: CaseReport, found: string[]) => void;
}

export interface FuzzSummary {
  target: Target;
  seed: number;
  tried: number;
  loaded: number;
  refused: number;
  failures: { report: CaseReport; defects: string[] }[];
  /** The most CPU time a case took, the highest peak growth, and the highest against its bound. */
  slowestCpuMs: number;
  worstPeakGrowth: number;
  worstMemoryShare: number;
}

const childScript = path.join(__dirname, 'fuzzChild.js');
/** The child's own start (onnxruntime's native library, the first model) is not a case's time. */
const START_LIMIT_MS = 60_000;

class CaseProcess {
  private child: ChildProcess | undefined;
  /** The end of the child's stderr: what a crash said. */
  private stderr = '';
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-fuzz-'));

  constructor(private readonly target: Target) {}

  private async start(): Promise<ChildProcess> {
    const child = fork(childScript, [], {
      env: { ...process.env, LENS_FUZZ_DIR: this.dir, LENS_FUZZ_TARGET: this.target },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the fuzz child did not start')), START_LIMIT_MS);
      child.once('message', () => (clearTimeout(timer), resolve()));
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`the fuzz child exited with ${code} while starting`))));
    });
    this.child = child;
    return child;
  }

  /** Runs one case; a crash or a hang ends this child and the next case starts another. */
  async run(request: CaseRequest): Promise<CaseReport> {
    const child = this.child ?? (await this.start());
    const started = performance.now();
    const ended = await new Promise<CaseReport | { crashed: string } | { hung: true }>((resolve) => {
      const done = (value: CaseReport | { crashed: string } | { hung: true }) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(value);
      };
      const onMessage = (report: CaseReport) => done(report);
      const onExit = (code: number | null, signal: string | null) =>
        done({ crashed: `exit code ${code}, signal ${signal}; stderr ends: ${this.stderr.trim().split('\n').slice(-6).join(' | ')}` });
      // The child measures the run's CPU time itself (see verdict.ts); this ends one that never returns.
      const timer = setTimeout(() => done({ hung: true }), HANG_LIMIT_MS);
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send(request);
    });
    if ('outcome' in ended) return ended;
    this.child = undefined;
    child.kill('SIGKILL');
    const base = {
      ...request,
      what: '(see the replay)',
      bytes: 0,
      ms: performance.now() - started,
      cpuMs: 0,
      peakGrowth: 0,
      memoryBound: 0,
    };
    return 'crashed' in ended ? { ...base, outcome: 'crashed', message: ended.crashed } : { ...base, outcome: 'hung' };
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const summary: FuzzSummary = {
    target: options.target,
    seed: options.seed,
    tried: 0,
    loaded: 0,
    refused: 0,
    failures: [],
    slowestCpuMs: 0,
    worstPeakGrowth: 0,
    worstMemoryShare: 0,
  };
  const processes = new CaseProcess(options.target);
  try {
    const first = options.first ?? 0;
    for (let index = first; index < first + options.cases; index++) {
      const report = await processes.run({ target: options.target, seed: options.seed, index });
      const found = defects(report);
      summary.tried++;
      if (found.length > 0) summary.failures.push({ report, defects: found });
      else if (report.outcome === 'loaded') summary.loaded++;
      else summary.refused++;
      summary.slowestCpuMs = Math.max(summary.slowestCpuMs, report.cpuMs);
      summary.worstPeakGrowth = Math.max(summary.worstPeakGrowth, report.peakGrowth);
      if (report.memoryBound > 0) summary.worstMemoryShare = Math.max(summary.worstMemoryShare, report.peakGrowth / report.memoryBound);
      options.onCase?.(report, found);
    }
  } finally {
    await processes.close();
  }
  return summary;
}

/** The command that runs one case again, alone. */
export const replayCommand = (r: Pick<CaseReport, 'target' | 'seed' | 'index'>) =>
  `npm run fuzz -- --target ${r.target} --seed ${r.seed} --case ${r.index}`;

/** A failure as printed: the case, how to replay it, what went wrong, the message. */
export function describeFailure(f: { report: CaseReport; defects: string[] }): string {
  const r = f.report;
  return [
    `FAIL ${r.target} seed ${r.seed} case ${r.index}: ${r.what}`,
    `  replay: ${replayCommand(r)}`,
    ...f.defects.map((d) => `  - ${d}`),
    ...(r.message ? [`  message: ${r.message.slice(0, 500)}`] : []),
  ].join('\n');
}

export function describeSummary(s: FuzzSummary): string {
  return (
    `${s.target}: ${s.tried} cases (seed ${s.seed}), ${s.tried - s.failures.length} survived (${s.loaded} loaded, ${s.refused} ` +
    `refused with a clear message), ${s.failures.length} failed; at most ${Math.round(s.slowestCpuMs)} ms of CPU time a case, peak RSS ` +
    `at most ${mb(s.worstPeakGrowth)} MB above a case's start and ${(100 * s.worstMemoryShare).toFixed(0)} % of its bound`
  );
}
