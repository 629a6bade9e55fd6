// Figure 3: how long the calling thread's event loop is blocked while a run is awaited. A 1 ms interval timer
// records the largest gap between its ticks (monitorEventLoopDelay samples at 10 ms at best, too coarse here);
// the gap from the last tick to the run's end counts too, so a fully synchronous call is seen whole.

/**
 * The same tracker while awaiting nothing but a timer of `ms`: on a machine shared with other jobs the
 * scheduler alone delays ticks, and this says how much of a stall figure is that rather than our code.
 */
export function idleStall(ms: number): Promise<number> {
  return longestStall(() => new Promise((resolve) => setTimeout(resolve, ms)));
}

export async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  try {
    // Let the timer tick once, so the measurement starts from a running loop.
    await new Promise((resolve) => setTimeout(resolve, 5));
    last = performance.now();
    worst = 0;
    await work();
    worst = Math.max(worst, performance.now() - last);
  } finally {
    clearInterval(timer);
  }
  return worst;
}

export interface StallRow {
  model: string;
  tokens: number;
  /** Largest event-loop gap while awaiting, ms (median over the repeats). */
  workerInspectMs: number;
  inThreadInspectMs: number;
  /** Largest gap while awaiting an idle timer as long as the worker inspect: the scheduler's share. */
  idleMs: number;
  workerLoadMs?: number;
  inThreadLoadMs?: number;
}
