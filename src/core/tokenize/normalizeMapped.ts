// Replays a tokenizer's normalizer on a MappedText, mirroring @huggingface/tokenizers' implementation step by
// step (its BertNormalizer, for one, pads CJK per UTF-16 unit and deletes Cc/Cf/Co/Cs characters). The caller
// reconciles the result with the library's own output, so a step modelled slightly differently here costs only
// span precision, never a wrong token text.
import type { HfTokenizer } from './hfTokenizers';
import { mapCodePoints, normalizeForm, padUnits, prepend, replaceAll, trim, type MappedText } from './mappedText';

type NormalizerInstance = NonNullable<HfTokenizer['normalizer']>;

interface NormalizerFields {
  config: Record<string, unknown> & { type?: string };
  /** Sequence */
  normalizers?: (NormalizerInstance | null)[];
  /** Replace */
  pattern?: RegExp | null;
}

const WHITESPACE = /^\s$/;
// The library's own test, kept verbatim (its alternation binds loosely, which is harmless on one character).
const CONTROL = /^\p{Cc}|\p{Cf}|\p{Co}|\p{Cs}$/u;
const NONSPACING_MARK = /^\p{Mn}$/u;
const ANY_MARK = /^\p{M}$/u;

function isControl(ch: string): boolean {
  return ch !== '\t' && ch !== '\n' && ch !== '\r' && CONTROL.test(ch);
}

/** Anything clean_text may change: controls, format/private/surrogate code points, U+FFFD, whitespace but ' '. */
const CLEAN_CANDIDATE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\ufffd]|(?! )\s/u;

/** BertNormalizer's clean_text: drop NUL, U+FFFD and control characters; every whitespace becomes ' '. */
function cleanText(mt: MappedText): MappedText {
  if (!CLEAN_CANDIDATE.test(mt.text)) return mt;
  return mapCodePoints(mt, (ch) => {
    const c = ch.charCodeAt(0);
    if (c === 0 || c === 0xfffd || isControl(ch)) return '';
    return WHITESPACE.test(ch) ? ' ' : ch;
  });
}

/** The library's is_chinese_char, applied (as the library does) to single UTF-16 units. */
function isChineseUnit(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0xf900 && cp <= 0xfaff);
}

const HAS_NONSPACING_MARK = /\p{Mn}/u;
const HAS_MARK = /\p{M}/u;
const ASCII = /^[\x00-\x7f]*$/;

const HAS_CHINESE = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;

function stripAccentsBert(mt: MappedText): MappedText {
  const decomposed = normalizeForm(mt, 'NFD');
  if (!HAS_NONSPACING_MARK.test(decomposed.text)) return decomposed;
  return mapCodePoints(decomposed, (ch, cp) => (cp >= 0x300 && NONSPACING_MARK.test(ch) ? '' : ch));
}

export function removeMarks(mt: MappedText): MappedText {
  if (!HAS_MARK.test(mt.text)) return mt;
  return mapCodePoints(mt, (ch, cp) => (cp >= 0x300 && ANY_MARK.test(ch) ? '' : ch));
}

export function lowercase(mt: MappedText): MappedText {
  // ASCII lowercases unit for unit, so the spans stay as they are.
  if (ASCII.test(mt.text)) return { ...mt, text: mt.text.toLowerCase() };
  return mapCodePoints(mt, (ch, cp) => (cp < 0x41 ? ch : ch.toLowerCase()));
}

const PRECOMPILED_REMOVED = /^[\u0001-\u0008\u000B\u000E-\u001F\u007F\u008F\u009F]$/;
const PRECOMPILED_SPACE = /^[\u0009\u000A\u000C\u000D\u00A0\u1680\u2000-\u200F\u2028\u2029\u202F\u205F\u2581\u3000\uFEFF\uFFFD]$/;

function bert(mt: MappedText, c: Record<string, unknown>): MappedText {
  if (c.clean_text) mt = cleanText(mt);
  if (c.handle_chinese_chars && HAS_CHINESE.test(mt.text)) mt = padUnits(mt, isChineseUnit);
  if (c.lowercase) {
    mt = lowercase(mt);
    if (c.strip_accents !== false) mt = stripAccentsBert(mt);
  } else if (c.strip_accents) mt = stripAccentsBert(mt);
  return mt;
}

/** Applies `normalizer` (the library's instance, walked with its config) to `mt`. */
export function normalizeMapped(mt: MappedText, normalizer: NormalizerInstance | null): MappedText {
  if (normalizer === null) return mt;
  const n = normalizer as unknown as NormalizerFields;
  const c = n.config ?? {};
  switch (c.type) {
    case 'BertNormalizer':
      return bert(mt, c);
    case 'Sequence':
      return (n.normalizers ?? []).reduce((acc, child) => normalizeMapped(acc, child), mt);
    case 'Replace':
      return n.pattern ? replaceAll(mt, n.pattern, typeof c.content === 'string' ? c.content : '') : mt;
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return normalizeForm(mt, c.type);
    case 'Strip':
      return trim(mt, c.strip_left === true, c.strip_right === true);
    case 'StripAccents':
      return removeMarks(mt);
    case 'Lowercase':
      return lowercase(mt);
    case 'Prepend':
      return prepend(mt, typeof c.prepend === 'string' ? c.prepend : '');
    case 'Precompiled': {
      // The library approximates SentencePiece's charsmap: drop some controls, turn space-like ones into ' ', NFKC.
      const cleaned = mapCodePoints(mt, (ch) => (PRECOMPILED_REMOVED.test(ch) ? '' : PRECOMPILED_SPACE.test(ch) ? ' ' : ch));
      return normalizeForm(cleaned, 'NFKC');
    }
    default:
      // Unknown to this mirror: the caller's reconcile() maps the library's output onto the whole text.
      return mt;
  }
}

/**
 * The marker a SentencePiece-style normalizer writes for ' ' (Llama 2 / Mistral / Gemma: Replace " " → "▁"), read
 * from tokenizer.json's normalizer config; such tokenizers have no pre-tokenizer to say where words begin.
 */
export function normalizerSpaceMarker(config: unknown): string | undefined {
  if (config === null || typeof config !== 'object') return undefined;
  const c = config as { type?: unknown; normalizers?: unknown; pattern?: { String?: unknown }; content?: unknown };
  if (c.type === 'Sequence' && Array.isArray(c.normalizers)) {
    return c.normalizers.map(normalizerSpaceMarker).find((m) => m !== undefined);
  }
  const replacesSpace = c.type === 'Replace' && c.pattern?.String === ' ';
  return replacesSpace && typeof c.content === 'string' && c.content.trim().length > 0 ? c.content : undefined;
}
