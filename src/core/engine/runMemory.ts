// Whether a run fits in memory, decided before it allocates anything: what its outputs and activations need
// against what the machine (or the container's memory limit) has free. A run that would not fit is refused
// with the numbers and the largest input that would fit, instead of exhausting memory mid-run.
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { formatBytes } from '../byteSize';
import { LensError } from '../types';

/** The shape facts a run's memory depends on (ModelConfig has them). */
export interface RunShape {
  layers: number;
  heads: number;
  hiddenSize: number;
  vocabSize: number;
}

/**
 * Share of the available memory a run may plan for. The estimate leaves out onnxruntime's arena rounding and
 * the allocator's slack, and the editor, its renderer and the language servers need memory during the run too.
 */
export const RUN_MEMORY_SHARE = 0.75;

/** Memory a run could use now, and where that number comes from (the message names it). */
export interface AvailableMemory {
  bytes: number;
  /** e.g. "free on this machine", "left under the container's memory limit". */
  source: string;
}

/**
 * Rough peak bytes of one inspect: logits (S × V, fp32), activations (~16 tensors of S × d per layer), and with
 * attention what the run keeps to compute its maps (queries and keys, S × d twice per layer, and a mask of
 * S × S per layer at most) and one layer's maps computed from them twice (onnxruntime's and the copy sent on).
 */
export function estimateRunBytes(tokens: number, shape: RunShape, attention: boolean): number {
  const logits = tokens * shape.vocabSize * 4;
  const activations = 16 * tokens * shape.hiddenSize * 4 * shape.layers;
  const kept = shape.layers * (2 * tokens * shape.hiddenSize + tokens * tokens) * 4;
  const maps = attention ? kept + 2 * shape.heads * tokens * tokens * 4 : 0;
  return logits + activations + maps;
}

/** A cgroup file's number; undefined when it is absent or says "max" (no limit). */
function cgroupNumber(file: string): number | undefined {
  try {
    const value = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** What is left under this process's cgroup memory limit (v2, else v1), if one is set. */
function cgroupHeadroom(): number | undefined {
  const versions = [
    ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory.current'],
    ['/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory/memory.usage_in_bytes'],
  ];
  for (const [limitFile, usageFile] of versions) {
    const limit = cgroupNumber(limitFile);
    const usage = cgroupNumber(usageFile);
    // cgroup v1 writes "no limit" as a number near 2^63.
    if (limit !== undefined && usage !== undefined && limit < os.totalmem()) return Math.max(0, limit - usage);
  }
  return undefined;
}

/**
 * Memory free for a run now: the system's available memory (Linux: MemAvailable, which counts reclaimable
 * caches), or less when a container's memory limit leaves less. A worker's resourceLimits are not counted:
 * they cap only the JavaScript heap, and onnxruntime's tensors and the maps live outside it.
 */
export function measureAvailableMemory(): AvailableMemory {
  const free = os.freemem();
  const headroom = cgroupHeadroom();
  return headroom !== undefined && headroom < free
    ? { bytes: headroom, source: "left under the container's memory limit" }
    : { bytes: free, source: 'free on this machine' };
}

/** The most tokens (0 when not even one) whose estimate fits in `usable` bytes; the estimate grows with tokens. */
function mostTokensFitting(upTo: number, usable: number, bytesFor: (tokens: number) => number): number {
  let low = 0;
  let high = upTo;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (bytesFor(mid) <= usable) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * Refuses (input-too-large) a run of `tokens` that would need more than RUN_MEMORY_SHARE of `available`. The
 * message says how much it needs, how much there is, and how many tokens would fit, with and without attention.
 */
export function checkRunFits(tokens: number, shape: RunShape, attention: boolean, available: AvailableMemory): void {
  const usable = Math.floor(available.bytes * RUN_MEMORY_SHARE);
  const needed = estimateRunBytes(tokens, shape, attention);
  if (needed <= usable) return;
  const withMaps = mostTokensFitting(tokens, usable, (n) => estimateRunBytes(n, shape, attention));
  const withoutMaps = attention ? mostTokensFitting(tokens, usable, (n) => estimateRunBytes(n, shape, false)) : withMaps;
  const what = `Inspecting ${tokens} tokens${attention ? ' with every attention map' : ''}`;
  const have =
    `${formatBytes(usable)} can be used ` + `(${RUN_MEMORY_SHARE * 100} % of the ${formatBytes(available.bytes)} ${available.source})`;
  let advice: string;
  if (withMaps === 0 && withoutMaps === 0) {
    advice = 'not even one token fits: close other programs to free memory, then inspect again.';
  } else if (attention && withoutMaps > withMaps) {
    const fitsWith = withMaps === 0 ? 'no token fits with attention maps' : `at most ${withMaps} tokens fit with attention maps`;
    advice =
      `${fitsWith}, ${withoutMaps} without: select less text, lower attentionLens.maxTokens, or inspect without attention maps ` +
      `(as the command line does unless given --attention).`;
  } else {
    advice = `at most ${withMaps} tokens fit: select less text or lower attentionLens.maxTokens.`;
  }
  throw new LensError(`${what} would need about ${formatBytes(needed)} of memory, but ${have}; ${advice}`, 'input-too-large');
}
