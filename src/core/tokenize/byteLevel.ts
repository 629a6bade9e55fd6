// GPT-2's byte-level alphabet: every UTF-8 byte is written as one printable character (bytes_to_unicode), so a
// byte-level BPE piece is a run of bytes. The text is mapped into that alphabet with each byte remembering the
// span of the character it belongs to; pieces that cut a character's bytes are then found by their spans.
import type { MappedText } from './mappedText';

/** bytes_to_unicode: printable Latin-1 bytes stand for themselves, the other 68 bytes for U+0100…U+0143. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const table: string[] = new Array(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : 256 + shifted++);
  }
  return table;
})();

const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((ch, b) => [ch, b]));

/** The piece's bytes, or undefined when it is not written in the byte alphabet (an added token such as "<|endoftext|>"). */
export function pieceBytes(piece: string): number[] | undefined {
  const bytes: number[] = new Array(piece.length);
  for (let i = 0; i < piece.length; i++) {
    const b = CHAR_TO_BYTE.get(piece[i]);
    if (b === undefined) return undefined;
    bytes[i] = b;
  }
  return bytes;
}

/** UTF-8 as TextEncoder writes it: a lone surrogate becomes U+FFFD (EF BF BD). */
export function utf8Of(cp: number, out: number[]): void {
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}

const BYTE_CODES = Uint16Array.from(BYTE_TO_CHAR, (ch) => ch.charCodeAt(0));
const utf16 = new TextDecoder('utf-16le');

/** The text in the byte alphabet; every byte unit carries the span of its whole character. */
export function toByteSpace(mt: MappedText): MappedText {
  const s = mt.text;
  // A UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair: 2 units, 4 bytes).
  const codes = new Uint16Array(s.length * 3);
  const start = new Int32Array(s.length * 3);
  const end = new Int32Array(s.length * 3);
  const bytes: number[] = [];
  let k = 0;
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      codes[k] = BYTE_CODES[c];
      start[k] = mt.start[i];
      end[k++] = mt.end[i++];
      continue;
    }
    const cp = s.codePointAt(i)!;
    const n = cp > 0xffff ? 2 : 1;
    bytes.length = 0;
    utf8Of(cp, bytes);
    for (const b of bytes) {
      codes[k] = BYTE_CODES[b];
      start[k] = mt.start[i];
      end[k++] = mt.end[i + n - 1];
    }
    i += n;
  }
  const text = utf16.decode(new Uint8Array(codes.buffer, 0, k * 2));
  return { text, start: start.subarray(0, k), end: end.subarray(0, k), origin: mt.origin };
}

/** Length of the UTF-8 sequence a lead byte opens, or 0 for a continuation or invalid byte. */
export function utf8Length(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Decodes one well-formed UTF-8 sequence at `i`, or returns undefined (cut, overlong, surrogate, too large). */
export function decodeAt(bytes: readonly number[], i: number): { cp: number; length: number } | undefined {
  const n = utf8Length(bytes[i]);
  if (n === 0 || i + n > bytes.length) return undefined;
  let cp = n === 1 ? bytes[i] : bytes[i] & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const b = bytes[i + k];
    if ((b & 0xc0) !== 0x80) return undefined;
    cp = (cp << 6) | (b & 63);
  }
  const min = [0, 0, 0x80, 0x800, 0x10000][n];
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
  return { cp, length: n };
}

/**
 * Readable form of a run of bytes: whole characters decoded (whitespace made visible by `visible`), bytes that
 * are only part of a character shown as hex, e.g. [0x20, 0xF0, 0x9F] → "␣<F0 9F>".
 */
export function readableBytes(bytes: readonly number[], visible: (s: string) => string): string {
  let out = '';
  let hex: string[] = [];
  const flush = (): void => {
    if (hex.length > 0) out += `<${hex.join(' ')}>`;
    hex = [];
  };
  for (let i = 0; i < bytes.length;) {
    const d = decodeAt(bytes, i);
    if (d) {
      flush();
      out += visible(String.fromCodePoint(d.cp));
      i += d.length;
    } else {
      hex.push(bytes[i].toString(16).toUpperCase().padStart(2, '0'));
      i++;
    }
  }
  flush();
  return out;
}
