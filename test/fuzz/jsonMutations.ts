// Mutations of a JSON file (config.json, tokenizer.json, tokenizer_config.json): a value of the wrong type, out
// of range or absurdly large at a random place in the tree, a key removed, deep nesting; or, on the text itself,
// cut, flipped bytes and invalid UTF-8.
import { anyByteMutation, copyOf, type Mutated } from './byteMutations';
import type { Prng } from './prng';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Stands for `depth` nested arrays until the tree is written out (JSON.stringify itself would recurse that deep). */
const deepMark = (depth: number) => `\u0000fuzz-deep-${depth}\u0000`;

/** Values no well-formed file holds where they land. */
function hostileValue(rng: Prng): { value: Json; what: string } {
  const options: (() => { value: Json; what: string })[] = [
    () => ({ value: null, what: 'null' }),
    () => ({ value: rng.pick([-1, 0, 1e308, -1e308, 2 ** 53 + 2, 0.5, 2 ** 31]), what: 'an out-of-range number' }),
    () => ({ value: 'x'.repeat(rng.pick([0, 1, 1_000_000])), what: 'a string' }),
    () => ({ value: [], what: 'an empty array' }),
    () => ({ value: {}, what: 'an empty object' }),
    // Parsed, not written as a literal: in a literal, __proto__ would set the prototype instead of making a key.
    () => ({ value: JSON.parse('{"__proto__":{"polluted":true},"constructor":"x"}') as Json, what: 'prototype keys' }),
    () => ({ value: Array.from({ length: rng.pick([10_000, 1_000_000]) }, (_, i) => i), what: 'a long array' }),
    () => {
      const depth = rng.pick([1_000, 100_000]);
      return { value: deepMark(depth), what: `arrays nested ${depth} deep` };
    },
    () => ({ value: true, what: 'true' }),
  ];
  return rng.pick(options)();
}

/** Every path to a value in the tree, outer levels first (long arrays sampled). */
function paths(root: Json): (string | number)[][] {
  const out: (string | number)[][] = [];
  const walk = (node: Json, at: (string | number)[]) => {
    out.push(at);
    if (Array.isArray(node)) {
      const step = Math.max(1, Math.floor(node.length / 50));
      for (let i = 0; i < node.length; i += step) walk(node[i], [...at, i]);
    } else if (node !== null && typeof node === 'object') {
      const keys = Object.keys(node);
      const step = Math.max(1, Math.floor(keys.length / 50));
      for (let i = 0; i < keys.length; i += step) walk(node[keys[i]], [...at, keys[i]]);
    }
  };
  walk(root, []);
  return out;
}

function serialize(root: Json): Uint8Array {
  const text = JSON.stringify(root).replace(
    /"\\u0000fuzz-deep-(\d+)\\u0000"/,
    (_, depth: string) => '['.repeat(Number(depth)) + ']'.repeat(Number(depth)),
  );
  return new TextEncoder().encode(text);
}

function structural(rng: Prng, text: string): Mutated {
  const root = JSON.parse(text) as Json;
  const candidates = paths(root).filter((p) => p.length > 0);
  const at = rng.pick(candidates);
  let parent = root as Record<string | number, Json>;
  for (const step of at.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
  const last = at[at.length - 1];
  const where = at.map(String).join('.');
  if (!Array.isArray(parent) && rng.chance(0.25)) {
    delete parent[last];
    return { bytes: serialize(root), what: `removed ${where}` };
  }
  const { value, what } = hostileValue(rng);
  parent[last] = value;
  return { bytes: serialize(root), what: `${where} set to ${what}` };
}

function invalidUtf8(rng: Prng, bytes: Uint8Array): Mutated {
  const out = copyOf(bytes);
  const at = rng.int(out.length);
  out[at] = rng.pick([0xc0, 0xff, 0xed, 0x80]);
  return { bytes: out, what: `byte ${at} set to an invalid UTF-8 byte` };
}

/** One mutation of the JSON file `text`. */
export function mutateJson(rng: Prng, text: string): Mutated {
  const bytes = new TextEncoder().encode(text);
  const kind = rng.int(10);
  if (kind < 6) return structural(rng, text);
  if (kind < 7) return invalidUtf8(rng, bytes);
  return anyByteMutation(rng, bytes);
}
