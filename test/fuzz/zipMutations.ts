// Mutations of a zip archive (the CUDA provider's NuGet package is one): sizes, offsets, counts and name lengths
// that lie in the central directory, the local headers or the end records, and format-blind damage.
import { anyByteMutation, type Mutated } from './byteMutations';
import type { Prng } from './prng';

/** Where a zip's records lie: the end record and every central directory entry (a seed written by makeZip). */
interface ZipLayout {
  eocd: number;
  central: number[];
  local: number[];
}

function layout(zip: Buffer): ZipLayout {
  const eocd = zip.length - 22;
  const central: number[] = [];
  const local: number[] = [];
  for (let p = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); p >= 0; p = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), p + 4))
    central.push(p);
  for (const c of central) {
    const offset = zip.readUInt32LE(c + 42);
    // makeZip's zip64 extra field: id, length, size, compressed size, offset.
    local.push(offset === 0xffffffff ? Number(zip.readBigUInt64LE(c + 46 + zip.readUInt16LE(c + 28) + 20)) : offset);
  }
  return { eocd, central, local };
}

/** A field of `width` bytes at `at` and the values that lie in it. */
function lie(rng: Prng, zip: Buffer, at: number, width: 2 | 4 | 8, label: string): Mutated {
  const out = Buffer.from(zip);
  const current = width === 2 ? out.readUInt16LE(at) : width === 4 ? out.readUInt32LE(at) : Number(out.readBigUInt64LE(at));
  const max = width === 2 ? 0xffff : width === 4 ? 0xffffffff : Number.MAX_SAFE_INTEGER;
  const value = rng.pick([0, 1, Math.min(max, current + 1), Math.max(0, current - 1), max, Math.floor(max / 2), rng.int(max)]);
  if (width === 2) out.writeUInt16LE(value, at);
  else if (width === 4) out.writeUInt32LE(value >>> 0, at);
  else out.writeBigUInt64LE(rng.chance(0.3) ? 2n ** 64n - 1n : BigInt(value), at);
  return { bytes: out, what: `${label} at ${at} set to ${value} (was ${current})` };
}

function lyingField(rng: Prng, zip: Buffer): Mutated {
  const { eocd, central, local } = layout(zip);
  const i = rng.int(central.length);
  const fields: [number, 2 | 4 | 8, string][] = [
    [eocd + 8, 2, 'entries on this disk'],
    [eocd + 10, 2, 'entry count'],
    [eocd + 12, 4, 'central directory size'],
    [eocd + 16, 4, 'central directory offset'],
    [central[i] + 8, 2, `entry ${i} flags`],
    [central[i] + 10, 2, `entry ${i} method`],
    [central[i] + 16, 4, `entry ${i} CRC`],
    [central[i] + 20, 4, `entry ${i} compressed size`],
    [central[i] + 24, 4, `entry ${i} size`],
    [central[i] + 28, 2, `entry ${i} name length`],
    [central[i] + 30, 2, `entry ${i} extra length`],
    [central[i] + 42, 4, `entry ${i} local header offset`],
    [local[i] + 26, 2, `entry ${i} local name length`],
    [local[i] + 28, 2, `entry ${i} local extra length`],
  ];
  // A zip64 seed keeps its real sizes and offsets in each entry's extra field, and its counts in the zip64 record.
  const extra = central[i] + 46 + zip.readUInt16LE(central[i] + 28);
  if (zip.readUInt16LE(central[i] + 30) >= 28)
    fields.push(
      [extra + 4, 8, `entry ${i} zip64 size`],
      [extra + 12, 8, `entry ${i} zip64 compressed size`],
      [extra + 20, 8, `entry ${i} zip64 offset`],
    );
  const [at, width, label] = rng.pick(fields);
  return lie(rng, zip, at, width, label);
}

/** One mutation of the seed archive `zip`. */
export function mutateZip(rng: Prng, zip: Buffer): Mutated {
  if (rng.chance(0.6)) return lyingField(rng, zip);
  return anyByteMutation(rng, zip);
}
