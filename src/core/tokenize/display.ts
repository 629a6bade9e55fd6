// Readable token text. One convention for token lists and prediction lists alike:
//  - whitespace is made visible: space "␣", newline "↵", tab "⇥", carriage return "␍", other C0 controls and
//    DEL as their Unicode control pictures ("␀" …), invisible format characters by code ("<U+200B>");
//  - byte-level pieces are decoded from bytes ("Ġthe" → "␣the"); bytes that are only part of a character are
//    shown in hex ("ðŁ" → "<F0 9F>");
//  - SentencePiece's "▁" is a space ("▁the" → "␣the"), its byte pieces "<0xE2>" show as "<E2>", an ASCII one as
//    its character ("<0x0A>" → "↵");
//  - WordPiece's "##" is dropped in Token.display (Token.continuation says it); displayOf(id), which has no flag
//    to carry it, writes CONTINUATION_MARK instead ("##ing" → "·ing").
import { pieceBytes, readableBytes } from './byteLevel';

export const CONTINUATION_MARK = '·';

const NAMED: Record<string, string> = { ' ': '␣', '\n': '↵', '\t': '⇥', '\r': '␍', '\x7f': '␡' };
const FORMAT = /^\p{Cf}$/u;

export function visibleWhitespace(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (NAMED[ch]) out += NAMED[ch];
    else if (c < 0x20) out += String.fromCharCode(0x2400 + c);
    else if (FORMAT.test(ch)) out += `<U+${c.toString(16).toUpperCase().padStart(4, '0')}>`;
    else out += ch;
  }
  return out;
}

export interface DisplayRules {
  byteLevel: boolean;
  /** WordPiece "##". */
  continuingPrefix?: string;
  /** Metaspace replacement characters ("▁"). */
  spaceMarkers: string[];
  /** BPE piece suffixes ("</w>", "@@") that are markers, not text. */
  suffixes: string[];
}

const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

/** Readable text of a model piece. `continuation` strips WordPiece's prefix (the caller shows it otherwise). */
export function displayPiece(piece: string, rules: DisplayRules, continuation: boolean): string {
  if (rules.byteLevel) {
    const bytes = pieceBytes(piece);
    if (bytes) return readableBytes(bytes, visibleWhitespace);
  }
  if (rules.continuingPrefix && continuation && piece.startsWith(rules.continuingPrefix) && piece.length > rules.continuingPrefix.length) {
    return visibleWhitespace(piece.slice(rules.continuingPrefix.length));
  }
  const byte = BYTE_PIECE.exec(piece);
  if (byte) {
    // An ASCII byte is a whole character (a newline the vocabulary lacks); the others are parts of one.
    const value = parseInt(byte[1], 16);
    return value < 0x80 ? visibleWhitespace(String.fromCharCode(value)) : `<${byte[1].toUpperCase()}>`;
  }
  let text = piece;
  for (const suffix of rules.suffixes) {
    if (text.endsWith(suffix) && text.length > suffix.length) text = text.slice(0, -suffix.length);
  }
  for (const marker of rules.spaceMarkers) text = text.split(marker).join(' ');
  return visibleWhitespace(text);
}
