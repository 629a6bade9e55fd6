// What a fuzz case must end in: a correct load, or one clear message; never a crash, a hang or runaway memory.
// A clear message is one line, names the file that is wrong, and is not a raw JavaScript error.

/** How one case ended, as the child process that ran it reports it. */
export interface CaseReport {
  target: string;
  seed: number;
  index: number;
  /** The seed file and what was done to it. */
  what: string;
  /** Bytes of the files the case hands the loader. */
  bytes: number;
  outcome: 'loaded' | 'refused' | 'crashed' | 'hung';
  /** Where a refusal came from: loading the files, or (after a load) running the model. */
  stage?: 'load' | 'run';
  message?: string;
  /** The error's class: LensError (model folders) or ZipError (archives) are the clear ones. */
  errorName?: string;
  /** A LensError's code ('worker-crashed' is a crash of the inference worker). */
  errorCode?: string;
  /** Wall time of the run, and the process's CPU time in it (every thread: the worker's and onnxruntime's too). */
  ms: number;
  cpuMs: number;
  /** How far the process's peak RSS rose above its RSS before the case (0 when it set no new peak). */
  peakGrowth: number;
  /** The memory the case may take: MEMORY_FACTOR × bytes + MEMORY_CONSTANT. */
  memoryBound: number;
}

/**
 * A case may take 10 s of CPU time. CPU time, not wall time: on this 2-core machine shared by several jobs a load
 * of the 8 MB seed took 0.5-17 s of wall time for the same work. A case that spins uses CPU and fails this; one
 * that waits forever is ended at HANG_LIMIT_MS of wall time.
 */
export const CASE_TIME_LIMIT_MS = 10_000;
export const HANG_LIMIT_MS = 60_000;
export const MEMORY_FACTOR = 2;
/** onnxruntime's session for the largest seed (8 MB) and the worker's own growth fit in this (measured: see README). */
export const MEMORY_CONSTANT = 192 * 1024 ** 2;

export const memoryBound = (bytes: number) => MEMORY_FACTOR * bytes + MEMORY_CONSTANT;

/** Signs of an error nobody meant the user to read. */
const RAW_ERROR = new RegExp(
  String.raw`\b(?:TypeError|RangeError|ReferenceError|SyntaxError|AggregateError)\b|Cannot (?:read|set) propert|` +
    String.raw`is not a function|is not iterable|is not defined|Maximum call stack|Invalid array length|` +
    String.raw`allocation failed|out of memory|\bat \S+ \(?\S+:\d+:\d+\)?`,
);
/** The files a model folder's messages can name. */
const MODEL_FILES = /config\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|\.onnx\b|model folder/;

/** What is wrong with how the case ended; empty when it ended well. */
export function defects(report: CaseReport): string[] {
  const found: string[] = [];
  if (report.outcome === 'crashed') found.push(`the process crashed: ${report.message ?? ''}`);
  if (report.errorCode === 'worker-crashed') found.push('the inference worker crashed');
  if (report.outcome === 'hung') found.push(`still running after ${HANG_LIMIT_MS} ms`);
  if (report.cpuMs > CASE_TIME_LIMIT_MS) found.push(`took ${Math.round(report.cpuMs)} ms of CPU time (limit ${CASE_TIME_LIMIT_MS})`);
  if (report.peakGrowth > report.memoryBound) {
    found.push(
      `peak RSS rose ${mb(report.peakGrowth)} MB, over the bound of ${mb(report.memoryBound)} MB (${MEMORY_FACTOR} ` +
        `× ${mb(report.bytes)} MB + ${mb(MEMORY_CONSTANT)} MB)`,
    );
  }
  if (report.outcome === 'refused') {
    const message = report.message ?? '';
    const clearClass = report.target === 'zip' ? 'ZipError' : 'LensError';
    if (report.errorName !== clearClass) found.push(`refused with a ${report.errorName}, not a ${clearClass}`);
    if (message.trim() === '') found.push('refused with an empty message');
    if (message.includes('\n')) found.push('the message has more than one line');
    if (RAW_ERROR.test(message)) found.push('the message is a raw JavaScript error');
    if (report.target !== 'zip' && report.stage === 'load' && !MODEL_FILES.test(message))
      found.push('the message does not say which file is wrong');
  }
  return found;
}

export const mb = (bytes: number) => (bytes / 1024 ** 2).toFixed(1);
