// A string that remembers, for each of its UTF-16 units, the span of the ORIGINAL text it came from. Every
// normalization or pre-tokenizer step is replayed on it, so a token found in the tokenizer's own view of the
// text maps straight back to editor offsets. All operations are linear in the text length.

export interface MappedText {
  text: string;
  /** Per UTF-16 unit of `text`: the original span [start, end). Inserted units (padding, prefixes) have start === end. */
  start: Int32Array;
  end: Int32Array;
  /** Original offset where an empty text, or an insertion before everything, stands. */
  origin: number;
}

/** Appends units with their spans into growing typed arrays; text chunks are joined once at the end. */
class Builder {
  private parts: string[] = [];
  private n = 0;
  private start: Int32Array;
  private end: Int32Array;

  constructor(
    private readonly origin: number,
    capacity: number,
  ) {
    this.start = new Int32Array(Math.max(16, capacity));
    this.end = new Int32Array(Math.max(16, capacity));
  }

  private reserve(more: number): void {
    if (this.n + more <= this.start.length) return;
    const size = Math.max(this.start.length * 2, this.n + more);
    const [start, end] = [new Int32Array(size), new Int32Array(size)];
    start.set(this.start.subarray(0, this.n));
    end.set(this.end.subarray(0, this.n));
    [this.start, this.end] = [start, end];
  }

  /** Every unit of `s` gets the same span (an expansion of one source character, or an insertion). */
  pushAll(s: string, start: number, end: number): void {
    this.reserve(s.length);
    this.parts.push(s);
    this.start.fill(start, this.n, this.n + s.length);
    this.end.fill(end, this.n, this.n + s.length);
    this.n += s.length;
  }

  copy(mt: MappedText, from: number, to: number): void {
    if (to <= from) return;
    this.reserve(to - from);
    this.parts.push(mt.text.slice(from, to));
    this.start.set(mt.start.subarray(from, to), this.n);
    this.end.set(mt.end.subarray(from, to), this.n);
    this.n += to - from;
  }

  /**
   * A combining mark the normalizer deleted still belongs to the character before it: stretch that character's
   * units over the mark, so a token never covers half a grapheme ("e\u0301" → "e" spans both).
   */
  absorb(start: number, end: number): void {
    let j = this.n - 1;
    if (j < 0 || this.end[j] !== start || this.start[j] === this.end[j]) return;
    const from = this.start[j];
    while (j >= 0 && this.start[j] === from && this.end[j] === start) this.end[j--] = end;
  }

  done(): MappedText {
    return { text: this.parts.join(''), start: this.start.subarray(0, this.n), end: this.end.subarray(0, this.n), origin: this.origin };
  }
}

const MARK = /^\p{M}$/u;

/** The original text from `from` to `to`, unit by unit; both halves of a surrogate pair map to the whole pair. */
export function fromOriginal(text: string, from: number, to: number): MappedText {
  const start = new Int32Array(to - from);
  const end = new Int32Array(to - from);
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < to && isLow(text.charCodeAt(i + 1));
    if (pair) {
      start[i - from] = start[i + 1 - from] = i;
      end[i - from] = end[i + 1 - from] = i + 2;
      i++;
    } else {
      start[i - from] = i;
      end[i - from] = i + 1;
    }
  }
  return { text: text.slice(from, to), start, end, origin: from };
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Original offset just before unit `i` (or after the last unit when i === length). */
export function positionAt(mt: MappedText, i: number): number {
  if (i < mt.text.length) return mt.start[i];
  return mt.text.length > 0 ? mt.end[mt.text.length - 1] : mt.origin;
}

export function slice(mt: MappedText, from: number, to: number): MappedText {
  return {
    text: mt.text.slice(from, to),
    start: mt.start.subarray(from, to),
    end: mt.end.subarray(from, to),
    origin: positionAt(mt, from),
  };
}

/**
 * Replaces each code point (lone surrogates included) by `f` of it. Output units take the code point's span;
 * a mark mapped to '' is absorbed by the character before it. Unchanged text is returned as is, and when every
 * change keeps the length (e.g. "\n" → " "), the spans are shared rather than rebuilt.
 */
export function mapCodePoints(mt: MappedText, f: (ch: string, cp: number) => string): MappedText {
  const s = mt.text;
  const results: string[] = [];
  let first = -1;
  let sameLength = true;
  for (let i = 0; i < s.length;) {
    const cp = s.codePointAt(i)!;
    const n = cp > 0xffff ? 2 : 1;
    const ch = n === 1 ? s[i] : s.slice(i, i + 2);
    const r = f(ch, cp);
    if (first < 0 && r !== ch) first = i;
    if (first >= 0) {
      results.push(r);
      if (r.length !== n) sameLength = false;
    }
    i += n;
  }
  if (first < 0) return mt;
  if (sameLength) return { text: s.slice(0, first) + results.join(''), start: mt.start, end: mt.end, origin: mt.origin };
  const out = new Builder(mt.origin, s.length + 16);
  let run = 0;
  let k = 0;
  for (let i = first; i < s.length; k++) {
    const n = s.codePointAt(i)! > 0xffff ? 2 : 1;
    const r = results[k];
    if (r.length === n && r === s.slice(i, i + n)) {
      i += n;
      continue;
    }
    out.copy(mt, run, i);
    if (r.length > 0) out.pushAll(r, mt.start[i], mt.end[i + n - 1]);
    else if (MARK.test(s.slice(i, i + n))) out.absorb(mt.start[i], mt.end[i + n - 1]);
    i += n;
    run = i;
  }
  out.copy(mt, run, s.length);
  return out.done();
}

/** Surrounds each UTF-16 unit for which `pred` holds with inserted spaces (BertNormalizer's CJK padding). */
export function padUnits(mt: MappedText, pred: (unit: number) => boolean): MappedText {
  const out = new Builder(mt.origin, mt.text.length + 64);
  let run = 0;
  for (let i = 0; i < mt.text.length; i++) {
    if (!pred(mt.text.charCodeAt(i))) continue;
    out.copy(mt, run, i);
    out.pushAll(' ', mt.start[i], mt.start[i]);
    out.copy(mt, i, i + 1);
    out.pushAll(' ', mt.end[i], mt.end[i]);
    run = i + 1;
  }
  out.copy(mt, run, mt.text.length);
  return out.done();
}

/** `text.replaceAll(re, content)`: each match's replacement takes the span of the whole match. */
export function replaceAll(mt: MappedText, re: RegExp, content: string): MappedText {
  const out = new Builder(mt.origin, mt.text.length + 16);
  let last = 0;
  for (const m of mt.text.matchAll(re)) {
    const a = m.index,
      b = a + m[0].length;
    out.copy(mt, last, a);
    if (b > a) out.pushAll(content, mt.start[a], mt.end[b - 1]);
    else out.pushAll(content, positionAt(mt, a), positionAt(mt, a));
    last = b;
  }
  out.copy(mt, last, mt.text.length);
  return out.done();
}

export function prepend(mt: MappedText, s: string): MappedText {
  const out = new Builder(mt.origin, mt.text.length + 16);
  const at = positionAt(mt, 0);
  out.pushAll(s, at, at);
  out.copy(mt, 0, mt.text.length);
  return out.done();
}

export function trim(mt: MappedText, left: boolean, right: boolean): MappedText {
  const from = left ? mt.text.length - mt.text.trimStart().length : 0;
  const to = right ? mt.text.trimEnd().length : mt.text.length;
  return to <= from ? slice(mt, from, from) : slice(mt, from, to);
}

const ASCII = /^[\x00-\x7f]*$/;
/** Code points that compose with the one before them under NFC: marks, Hangul medial vowels and final consonants. */
const COMPOSES_BACK = /^[\p{M}\u1160-\u11ff]$/u;

/** Unicode normalization. Decomposition maps each code point alone; composition maps a base and its marks as one. */
export function normalizeForm(mt: MappedText, form: 'NFC' | 'NFD' | 'NFKC' | 'NFKD'): MappedText {
  if (ASCII.test(mt.text) || mt.text.normalize(form) === mt.text) return mt;
  if (form === 'NFD' || form === 'NFKD') return mapCodePoints(mt, (ch, cp) => decompose(ch, cp, form));
  const out = new Builder(mt.origin, mt.text.length + 16);
  const s = mt.text;
  let i = 0;
  while (i < s.length) {
    let j = i + (s.codePointAt(i)! > 0xffff ? 2 : 1);
    while (j < s.length) {
      const cp = s.codePointAt(j)!;
      const ch = String.fromCodePoint(cp);
      if (!COMPOSES_BACK.test(ch)) break;
      j += ch.length;
    }
    const seg = s.slice(i, j);
    const r = seg.normalize(form);
    if (r === seg) out.copy(mt, i, j);
    else out.pushAll(r, mt.start[i], mt.end[j - 1]);
    i = j;
  }
  return out.done();
}

const decompositions = { NFD: new Map<number, string>(), NFKD: new Map<number, string>() };

/** One code point's decomposition; nothing below U+00A0 decomposes, and results are cached (texts repeat). */
function decompose(ch: string, cp: number, form: 'NFD' | 'NFKD'): string {
  if (cp < 0xa0) return ch;
  const cache = decompositions[form];
  let r = cache.get(cp);
  if (r === undefined) {
    r = ch.normalize(form);
    if (cache.size < 65536) cache.set(cp, r);
  }
  return r;
}

/**
 * Makes the mapped text equal `target`, the library's own output for the same input, keeping the map where the
 * two agree. Equal lengths (e.g. Greek final sigma, which only whole-string lowercasing produces) keep the map
 * unit for unit; otherwise the differing middle maps to the span of what it replaced.
 */
export function reconcile(mt: MappedText, target: string): MappedText {
  const s = mt.text;
  if (s === target) return mt;
  if (s.length === target.length) return { text: target, start: mt.start, end: mt.end, origin: mt.origin };
  let p = 0;
  const max = Math.min(s.length, target.length);
  while (p < max && s.charCodeAt(p) === target.charCodeAt(p)) p++;
  let q = 0;
  while (q < max - p && s.charCodeAt(s.length - 1 - q) === target.charCodeAt(target.length - 1 - q)) q++;
  const out = new Builder(mt.origin, mt.text.length + 16);
  out.copy(mt, 0, p);
  const midEnd = s.length - q;
  const a = positionAt(mt, p);
  const b = midEnd > p ? mt.end[midEnd - 1] : a;
  out.pushAll(target.slice(p, target.length - q), a, b);
  out.copy(mt, midEnd, s.length);
  return out.done();
}
