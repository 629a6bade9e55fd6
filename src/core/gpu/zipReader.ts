// A small read-only zip reader for NuGet packages (.nupkg files are zips), just enough to pull a few named
// entries out of a large archive without loading it into memory: it reads the central directory, looks entries
// up by exact name, and streams one entry through zlib's raw inflater to a file, checking its size and CRC-32.
// Entry names are only ever compared with names we expect; they are never turned into paths, so an entry such
// as "../../x.so" cannot be written anywhere (zip-slip). Zip64 sizes and offsets are understood.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import zlib from 'node:zlib';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';

export class ZipError extends Error {
  override readonly name = 'ZipError';
}

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_CENTRAL_DIRECTORY = 64 * 1024 * 1024;
/** Deflate's best case: 258 bytes from a 2-bit code, about 1032:1 (zlib's technical notes). */
const MAX_DEFLATE_RATIO = 1032;

async function readAt(fh: fsp.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  if (bytesRead !== length) throw new ZipError('unexpected end of file');
  return buf;
}

function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError('zip64 value too large');
  return Number(v);
}

/** Lists the entries of the zip at `file` (from its central directory). */
export async function readZipEntries(file: string): Promise<ZipEntry[]> {
  const fh = await fsp.open(file, 'r');
  try {
    const fileSize = (await fh.stat()).size;
    if (fileSize < 22) throw new ZipError('file too small to be a zip');
    const tailLen = Math.min(fileSize, 22 + 65535);
    const tail = await readAt(fh, fileSize - tailLen, tailLen);
    let at = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        at = i;
        break;
      }
    }
    if (at < 0) throw new ZipError('no end-of-central-directory record');
    const eocdPos = fileSize - tailLen + at;
    let count = tail.readUInt16LE(at + 10);
    let cdSize = tail.readUInt32LE(at + 12);
    let cdOffset = tail.readUInt32LE(at + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      if (eocdPos < 20) throw new ZipError('zip64 locator missing');
      const loc = await readAt(fh, eocdPos - 20, 20);
      if (loc.readUInt32LE(0) !== EOCD64_LOCATOR) throw new ZipError('zip64 locator missing');
      const rec = await readAt(fh, u64(loc, 8), 56);
      if (rec.readUInt32LE(0) !== EOCD64) throw new ZipError('zip64 end record missing');
      count = u64(rec, 32);
      cdSize = u64(rec, 40);
      cdOffset = u64(rec, 48);
    }
    if (cdSize > MAX_CENTRAL_DIRECTORY || cdOffset + cdSize > eocdPos) throw new ZipError('central directory out of bounds');
    const cd = await readAt(fh, cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) throw new ZipError('corrupt central directory');
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      if (p + 46 + nameLen + extraLen + commentLen > cd.length) throw new ZipError('corrupt central directory');
      const entry: ZipEntry = {
        name: cd.toString('utf8', p + 46, p + 46 + nameLen),
        flags: cd.readUInt16LE(p + 8),
        method: cd.readUInt16LE(p + 10),
        crc32: cd.readUInt32LE(p + 16),
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        localHeaderOffset: cd.readUInt32LE(p + 42),
      };
      applyZip64Extra(entry, cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen));
      entries.push(entry);
      p += 46 + nameLen + extraLen + commentLen;
    }
    return entries;
  } finally {
    await fh.close();
  }
}

/** Zip64 stores the real values, in this order, only for the fields that hold 0xFFFFFFFF. */
function applyZip64Extra(entry: ZipEntry, extra: Buffer): void {
  for (let q = 0; q + 4 <= extra.length;) {
    const id = extra.readUInt16LE(q);
    const len = extra.readUInt16LE(q + 2);
    if (q + 4 + len > extra.length) throw new ZipError('corrupt extra field: it runs past its entry');
    if (id === 0x0001) {
      let r = q + 4;
      const take = (): number => {
        if (r + 8 > q + 4 + len) throw new ZipError('corrupt zip64 field');
        const v = u64(extra, r);
        r += 8;
        return v;
      };
      if (entry.size === 0xffffffff) entry.size = take();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = take();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = take();
      return;
    }
    q += 4 + len;
  }
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 as zip uses it; zlib.crc32 where Node has it (≥ 20.15), a table otherwise. */
export function crc32(buf: Buffer, previous = 0): number {
  const native = (zlib as unknown as { crc32?: (b: Buffer, v: number) => number }).crc32;
  if (native) return native(buf, previous);
  let c = ~previous;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * Streams one entry to `dest` (created or truncated) and fsyncs it. Rejects with ZipError when the entry is
 * encrypted, uses another method than stored/deflate, inflates to a different size than recorded (a zip bomb
 * cannot write more than the recorded size), or fails its CRC. Returns the sha256 of the written bytes.
 */
export async function extractEntry(zipFile: string, entry: ZipEntry, dest: string, signal?: AbortSignal): Promise<string> {
  if (entry.flags & 0x1) throw new ZipError(`${entry.name} is encrypted`);
  if (entry.method !== 0 && entry.method !== 8) throw new ZipError(`${entry.name} uses unsupported compression ${entry.method}`);
  // Sizes no real entry can have are refused before a byte is written (a lying size could fill the disk).
  if (entry.method === 0 && entry.size !== entry.compressedSize) {
    throw new ZipError(`${entry.name} is stored uncompressed but records ${entry.size} bytes in ${entry.compressedSize}`);
  }
  if (entry.method === 8 && entry.size > entry.compressedSize * MAX_DEFLATE_RATIO) {
    throw new ZipError(`${entry.name} records ${entry.size} bytes, more than deflate can make of its ${entry.compressedSize}`);
  }
  const fh = await fsp.open(zipFile, 'r');
  let dataStart: number;
  try {
    const local = await readAt(fh, entry.localHeaderOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL) throw new ZipError(`${entry.name}: corrupt local header`);
    dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (dataStart + entry.compressedSize > (await fh.stat()).size) throw new ZipError(`${entry.name}: data out of bounds`);
  } finally {
    await fh.close();
  }
  const hash = createHash('sha256');
  let written = 0;
  let crc = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      written += chunk.length;
      if (written > entry.size) return done(new ZipError(`${entry.name} inflates past its recorded size`));
      crc = crc32(chunk, crc);
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const source =
    entry.compressedSize === 0
      ? Readable.from([])
      : fs.createReadStream(zipFile, { start: dataStart, end: dataStart + entry.compressedSize - 1 });
  try {
    if (entry.method === 8 && entry.compressedSize > 0) {
      await pipeline(source, zlib.createInflateRaw(), check, fs.createWriteStream(dest), { signal });
    } else {
      await pipeline(source, check, fs.createWriteStream(dest), { signal });
    }
  } catch (err) {
    if (err instanceof ZipError || (err as { name?: string }).name === 'AbortError') throw err;
    throw new ZipError(`${entry.name}: ${(err as Error).message}`);
  }
  if (written !== entry.size) throw new ZipError(`${entry.name} is ${written} bytes, ${entry.size} recorded`);
  if (crc >>> 0 !== entry.crc32 >>> 0) throw new ZipError(`${entry.name} fails its CRC check`);
  const out = await fsp.open(dest, 'r+');
  try {
    await out.sync();
  } finally {
    await out.close();
  }
  return hash.digest('hex');
}
