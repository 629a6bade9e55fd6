// Progress events arrive per network chunk (thousands a second); the UI needs a few a second.

/** Calls `emit` at most every `intervalMs`, and always for the final event (final = true). */
export function throttle<T>(intervalMs: number, emit: ((event: T) => void) | undefined): (event: T, final?: boolean) => void {
  let last = -Infinity;
  return (event, final = false) => {
    if (!emit) return;
    const now = performance.now();
    if (!final && now - last < intervalMs) return;
    last = now;
    emit(event);
  };
}
