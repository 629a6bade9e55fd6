// How surprisal in bits maps to the editor's colour levels, and which tokens are the most surprising: plain
// functions, so the editor (src/surprisal) only draws what they decide.

/** Colour levels, coolest first: level i covers [i, i + 1) × scale / LEVELS bits; the last also everything above. */
export const LEVELS = 5;

/** The level of a surprisal under a scale of `scaleBits` (the bits that get the hottest colour). */
export function levelOf(bits: number, scaleBits: number): number {
  return Math.max(0, Math.min(LEVELS - 1, Math.floor((bits / scaleBits) * LEVELS)));
}

/** The legend: each level's lower bound in bits, "0 · 3.2 · 6.4 · 9.6 · 12.8+ bits" for a scale of 16. */
export function legend(scaleBits: number): string {
  const bounds = Array.from({ length: LEVELS }, (_, i) => `${round1((i * scaleBits) / LEVELS)}`);
  return `${bounds.slice(0, -1).join(' · ')} · ${bounds[LEVELS - 1]}+ bits`;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The indices of the `fraction` most surprising scored tokens (at least one when any is scored), most first. */
export function mostSurprising(bits: ReadonlyArray<number | null | undefined>, fraction: number): number[] {
  const scored: number[] = [];
  bits.forEach((b, i) => {
    if (typeof b === 'number') scored.push(i);
  });
  scored.sort((a, b) => (bits[b] as number) - (bits[a] as number));
  return scored.slice(0, Math.max(scored.length > 0 ? 1 : 0, Math.ceil(scored.length * fraction)));
}

/** The token whose span holds `offset`, spans sorted by start (special tokens, with empty spans, never match). */
export function tokenAt(starts: ArrayLike<number>, ends: ArrayLike<number>, offset: number): number | undefined {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (offset < starts[mid]) hi = mid - 1;
    else if (offset >= ends[mid]) lo = mid + 1;
    else return mid;
  }
  return undefined;
}
