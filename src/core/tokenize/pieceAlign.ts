// Places the model's pieces in the concatenated pre-tokens (PieceSpace) and turns each into an original span.
// Pieces are consecutive substrings of the pre-tokens once their markers are removed ("##", BPE suffixes), so a
// single left-to-right walk places them; a piece whose text is not in the input ([UNK], byte-fallback bytes)
// takes the stretch up to the next piece that is.
import type { ModelFamily, ModelPieceSettings } from './hfTokenizers';
import { decodeAt, utf8Length } from './byteLevel';
import type { PieceSpace } from './preTokenSpace';

export interface PieceSpan {
  /** The model's piece. */
  piece: string;
  start: number;
  end: number;
  /** Covers only part of one character's units (a byte of an emoji, a jamo of a Hangul syllable). */
  partial: boolean;
  /** Does not begin a word. */
  continuation: boolean;
}

export interface AlignSettings extends ModelPieceSettings {
  family: ModelFamily;
  wordMarkers: string[];
}

const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

export function alignPieces(pieces: string[], ps: PieceSpace, st: AlignSettings): PieceSpan[] {
  const n = ps.text.length;
  const from = new Int32Array(pieces.length);
  const to = new Int32Array(pieces.length);
  let cur = 0;
  let pending: number[] = [];
  let bytes: number[] = [];
  let byteOwners: number[] = [];
  const partialBytes = new Set<number>();

  /** Pending pieces share [cur, until) one code point each, the last taking the rest. */
  const settle = (until: number): void => {
    let at = cur;
    pending.forEach((k, j) => {
      from[k] = at;
      if (j === pending.length - 1) at = until;
      else if (at < until) at += at + 1 < until && isHigh(ps.text.charCodeAt(at)) ? 2 : 1;
      to[k] = at;
    });
    pending = [];
    cur = Math.max(cur, until);
  };

  /** Places `surface` for pieces `owners`: at the cursor, or (after unplaced pieces) at its next occurrence. */
  const place = (surfaces: string[], owners: number[]): boolean => {
    for (const s of surfaces) {
      if (s.length === 0) continue;
      let at: number;
      if (pending.length === 0) at = ps.text.startsWith(s, cur) ? cur : -1;
      else at = ps.text.indexOf(s, cur + 1);
      if (at < 0) continue;
      settle(at);
      for (const k of owners) {
        from[k] = at;
        to[k] = at + s.length;
      }
      cur = at + s.length;
      return true;
    }
    return false;
  };

  pieces.forEach((piece, k) => {
    const byte = st.byteFallback ? BYTE_PIECE.exec(piece) : null;
    if (byte) {
      // SentencePiece byte fallback: bytes of one character arrive as several "<0xHH>" pieces.
      const value = parseInt(byte[1], 16);
      if (bytes.length === 0 && utf8Length(value) === 0) return void pending.push(k);
      bytes.push(value);
      byteOwners.push(k);
      if (bytes.length >= utf8Length(bytes[0])) {
        const d = decodeAt(bytes, 0);
        // U+FFFD's bytes may stand for a lone surrogate (UTF-8 cannot hold one).
        const lone = d?.cp === 0xfffd && pending.length === 0 && isLoneSurrogate(ps.text, cur) ? ps.text[cur] : undefined;
        if (!d || !place(lone ? [lone] : [String.fromCodePoint(d.cp)], byteOwners)) pending.push(...byteOwners);
        else if (byteOwners.length > 1) byteOwners.forEach((o) => partialBytes.add(o));
        [bytes, byteOwners] = [[], []];
      }
      return;
    }
    if (bytes.length > 0) {
      pending.push(...byteOwners);
      [bytes, byteOwners] = [[], []];
    }
    if (piece === st.unkToken) {
      if (st.family === 'wordpiece' && pending.length === 0 && ps.wordStart[cur] === 1) {
        // WordPiece gives one [UNK] for a whole word it cannot spell.
        let e = cur + 1;
        while (e < n && ps.wordStart[e] !== 1) e++;
        [from[k], to[k], cur] = [cur, e, e];
      } else pending.push(k);
      return;
    }
    if (!place(surfacesOf(piece, ps.wordStart[cur] === 1 && pending.length === 0, st), [k])) pending.push(k);
  });
  if (bytes.length > 0) pending.push(...byteOwners);
  settle(n);

  return pieces.map((piece, k) => {
    const a = from[k],
      b = to[k];
    const wordStart = ps.wordStart[a] === 1 || st.wordMarkers.some((m) => piece.startsWith(m));
    if (b <= a) {
      const at = a < n ? ps.start[a] : ps.endPosition;
      return { piece, start: at, end: at, partial: false, continuation: !wordStart };
    }
    const partial = partialBytes.has(k) || splitsChar(ps, a) || splitsChar(ps, b);
    return { piece, start: ps.start[a], end: ps.end[b - 1], partial, continuation: !wordStart };
  });
}

/**
 * Whether a boundary at unit `i` falls inside one original character (both sides map to the same source). A unit
 * that stands for no character (the "▁" Metaspace puts before the text after an added token) splits nothing.
 */
function splitsChar(ps: PieceSpace, i: number): boolean {
  if (i <= 0 || i >= ps.text.length) return false;
  return ps.start[i] === ps.start[i - 1] && ps.start[i - 1] < ps.end[i - 1] && ps.start[i] < ps.end[i];
}

function isLoneSurrogate(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c >= 0xdc00 && c <= 0xdfff) return !(i > 0 && isHigh(s.charCodeAt(i - 1)));
  return isHigh(c) && !(i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff);
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** The text a piece stands for in model space, most specific first. */
function surfacesOf(piece: string, atWordStart: boolean, st: AlignSettings): string[] {
  const out: string[] = [];
  if (st.continuingPrefix && !atWordStart && piece.startsWith(st.continuingPrefix)) {
    out.push(piece.slice(st.continuingPrefix.length));
  }
  for (const suffix of [st.endOfWordSuffix, st.continuingSuffix]) {
    if (suffix && piece.endsWith(suffix) && piece.length > suffix.length) out.push(piece.slice(0, -suffix.length));
  }
  out.push(piece);
  return out;
}
