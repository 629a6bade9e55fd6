// Mutations that know nothing of the format: flipped bits, cut files, overwritten and repeated spans.
import type { Prng } from './prng';

/** A mutated file and a one-line account of what was done to it, printed with any failure. */
export interface Mutated {
  bytes: Uint8Array;
  what: string;
}

/** A copy of [from, to) of `bytes` (a Buffer's own slice() would share the seed's memory). */
export const copyOf = (bytes: Uint8Array, from = 0, to = bytes.length) => Uint8Array.prototype.slice.call(bytes, from, to);

export function flipBits(rng: Prng, bytes: Uint8Array, from = 0, to = bytes.length): Mutated {
  const out = copyOf(bytes);
  const count = rng.between(1, 8);
  const at: number[] = [];
  for (let i = 0; i < count && to > from; i++) {
    const pos = rng.between(from, to - 1);
    out[pos] ^= 1 << rng.int(8);
    at.push(pos);
  }
  return { bytes: out, what: `flipped bits at ${at.join(', ')}` };
}

export function truncate(rng: Prng, bytes: Uint8Array): Mutated {
  const keep = rng.chance(0.3) ? bytes.length - rng.between(1, 16) : rng.int(bytes.length);
  const kept = Math.max(0, keep);
  return { bytes: copyOf(bytes, 0, kept), what: `cut to ${kept} of ${bytes.length} bytes` };
}

export function overwrite(rng: Prng, bytes: Uint8Array): Mutated {
  const out = copyOf(bytes);
  const length = rng.between(1, 64);
  const at = rng.int(Math.max(1, bytes.length - length));
  out.set(rng.bytes(Math.min(length, out.length - at)), at);
  return { bytes: out, what: `overwrote ${length} bytes at ${at} with random ones` };
}

/** Copies a span over another place: plausible-looking structure in the wrong spot. */
export function repeatSpan(rng: Prng, bytes: Uint8Array): Mutated {
  const length = rng.between(1, 256);
  const from = rng.int(Math.max(1, bytes.length - length));
  const to = rng.int(Math.max(1, bytes.length));
  const span = bytes.subarray(from, from + length);
  const out = new Uint8Array(bytes.length + span.length);
  out.set(bytes.subarray(0, to), 0);
  out.set(span, to);
  out.set(bytes.subarray(to), to + span.length);
  return { bytes: out, what: `inserted a copy of bytes ${from}..${from + span.length} at ${to}` };
}

/** One of the format-blind mutations above. */
export function anyByteMutation(rng: Prng, bytes: Uint8Array): Mutated {
  return rng.pick([flipBits, truncate, overwrite, repeatSpan])(rng, bytes);
}
