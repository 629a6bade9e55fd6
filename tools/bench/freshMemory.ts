// What onnxruntime-node's output copy costs on this machine: it copies every output into a new ArrayBuffer, and
// the kernel faults a new buffer's pages in on their first write. Copying one run's maps into new buffers against
// copying them into buffers already written once, interleaved, separates that cost from the copy itself.
import { median } from './benchMath';

export interface FreshMemoryRow {
  buffers: number;
  bytesEach: number;
  freshMs: number;
  reusedMs: number;
  /** Minor page faults of one copy into new buffers. */
  faults: number;
}

export function measureFreshMemory(buffers: number, bytesEach: number, repeats: number, collectGarbage: () => void): FreshMemoryRow {
  const length = bytesEach / 4;
  const sources = Array.from({ length: buffers }, (_, i) => new Float32Array(length).fill(1 / (i + 2)));
  const reused = Array.from({ length: buffers }, () => new Float32Array(length).fill(0));
  const fresh: number[] = [];
  const again: number[] = [];
  const faults: number[] = [];
  let kept: Float32Array[] = [];
  for (let r = 0; r < repeats; r++) {
    kept.length = 0;
    collectGarbage();
    const faultsBefore = process.resourceUsage().minorPageFault;
    let started = performance.now();
    kept = sources.map((source) => {
      const copy = new Float32Array(length);
      copy.set(source);
      return copy;
    });
    fresh.push(performance.now() - started);
    faults.push(process.resourceUsage().minorPageFault - faultsBefore);
    started = performance.now();
    sources.forEach((source, i) => reused[i].set(source));
    again.push(performance.now() - started);
  }
  if (kept.length !== buffers) throw new Error('fresh copies lost');
  return { buffers, bytesEach, freshMs: median(fresh), reusedMs: median(again), faults: median(faults) };
}
