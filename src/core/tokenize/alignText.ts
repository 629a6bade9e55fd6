// The tokenizer's pipeline replayed with spans. Each stage calls the library's own object (normalizer,
// pre-tokenizer, model) on exactly the input the library's encode() gives it, so the pieces are the library's;
// alongside, a MappedText carries every unit's original span through the same stage.
import type { AddedTokenInfo, HfTokenizer } from './hfTokenizers';
import { AddedTokenSplitter, splitSections } from './addedTokens';
import { fromOriginal, reconcile, replaceAll, slice, trim, type MappedText } from './mappedText';
import { lowercase, normalizeMapped, removeMarks } from './normalizeMapped';
import { alignPieces, type AlignSettings, type PieceSpan } from './pieceAlign';
import { locatePreTokens, type SpaceRecipe } from './preTokenSpace';

export interface Pipeline {
  tokenizer: HfTokenizer;
  settings: AlignSettings;
  recipe: SpaceRecipe;
  /** Added tokens matched in the raw text, and (normalized: true) in the normalized text. */
  rawSplitter: AddedTokenSplitter;
  normalizedSplitter: AddedTokenSplitter;
  addedMap: ReadonlyMap<string, AddedTokenInfo>;
  /** tokenizer_config.json's remove_space / do_lowercase_and_remove_accent, which the library applies first. */
  removeSpace: boolean;
  lowercaseAndRemoveAccent: boolean;
}

/** `piece` is the string the library's encode() has at this place (a vocabulary piece or an added token's text). */
export interface AlignedPiece extends PieceSpan {
  added?: AddedTokenInfo;
}

/** The pieces of `text` before post-processing (no [CLS]/[SEP]), each with its original span. */
export function alignText(p: Pipeline, text: string): AlignedPiece[] {
  const out: AlignedPiece[] = [];
  const sections = splitSections(text, 0, text.length, p.rawSplitter, p.addedMap);
  sections.forEach((section, sectionIndex) => {
    if (section.to <= section.from) return;
    if (section.added) {
      out.push(addedPiece(text.slice(section.from, section.to), section.added, section.from, section.to));
      return;
    }
    const { mapped, normalized } = normalizeSection(p, text, section.from, section.to);
    const subsections = splitSections(normalized, 0, normalized.length, p.normalizedSplitter, p.addedMap);
    for (const sub of subsections) {
      if (sub.to <= sub.from) continue;
      if (sub.added) {
        out.push(addedPiece(normalized.slice(sub.from, sub.to), sub.added, mapped.start[sub.from], mapped.end[sub.to - 1]));
        continue;
      }
      const whole = sub.from === 0 && sub.to === normalized.length;
      // A loop, not push(...): a long text yields more pieces than a call may take as arguments.
      for (const piece of alignSubsection(p, whole ? mapped : slice(mapped, sub.from, sub.to), sectionIndex)) out.push(piece);
    }
  });
  return out;
}

function addedPiece(piece: string, added: AddedTokenInfo, start: number, end: number): AlignedPiece {
  return { piece, added, start, end, partial: false, continuation: false };
}

/** The library's normalization of one section, and the same text mapped to original offsets. */
function normalizeSection(p: Pipeline, text: string, from: number, to: number): { mapped: MappedText; normalized: string } {
  let mapped = fromOriginal(text, from, to);
  let normalized = mapped.text;
  if (p.removeSpace) {
    normalized = normalized.trim().split(/\s+/).join(' ');
    // Each run of whitespace becomes its last character, as a space: the rest belongs to no token (ALBERT's "▁"
    // then spans one character, as XLM-R's does, not the whole run).
    mapped = replaceAll(replaceAll(trim(mapped, true, true), /\s+(?=\s)/g, ''), /\s/g, ' ');
  }
  if (p.lowercaseAndRemoveAccent) {
    normalized = normalized.toLowerCase().replace(/\p{M}/gu, '');
    mapped = removeMarks(lowercase(mapped));
  }
  const normalizer = p.tokenizer.normalizer;
  if (normalizer !== null) {
    normalized = normalizer(normalized);
    mapped = normalizeMapped(mapped, normalizer);
  }
  return { mapped: reconcile(mapped, normalized), normalized };
}

function alignSubsection(p: Pipeline, mapped: MappedText, sectionIndex: number): AlignedPiece[] {
  const { tokenizer } = p;
  const preTokens =
    tokenizer.pre_tokenizer !== null ? tokenizer.pre_tokenizer(mapped.text, { section_index: sectionIndex }) : [mapped.text];
  const space = p.recipe.steps.reduce((acc, step) => step(acc), mapped);
  const located = locatePreTokens(space, preTokens, p.recipe.insertedPrefixes);
  const pieces: string[] = tokenizer.model !== null ? tokenizer.model(preTokens) : preTokens;
  return alignPieces(pieces, located, p.settings);
}

/**
 * Gives each of `wanted` (the library's post-processed pieces) a span from `aligned` when the two lists are not
 * simply the aligned pieces framed by special tokens. Equal runs are copied; where they differ, the differing
 * pieces share the span of the aligned pieces they replace (resynchronized within a small window, so linear).
 */
export function matchPieces(wanted: string[], aligned: AlignedPiece[]): (AlignedPiece | undefined)[] {
  const out: (AlignedPiece | undefined)[] = new Array(wanted.length);
  let i = 0;
  let j = 0;
  const WINDOW = 16;
  while (j < wanted.length) {
    if (i < aligned.length && aligned[i].piece === wanted[j]) {
      out[j++] = aligned[i++];
      continue;
    }
    let best: [number, number] | undefined;
    for (let d = 1; d <= 2 * WINDOW && !best; d++) {
      for (let a = 0; a <= d; a++) {
        const di = a,
          dj = d - a;
        if (i + di < aligned.length && j + dj < wanted.length && aligned[i + di].piece === wanted[j + dj]) {
          best = [di, dj];
          break;
        }
      }
    }
    const [di, dj] = best ?? [aligned.length - i, wanted.length - j];
    // Pure insertions (di = 0) stay undefined: the caller places them like post-processor tokens.
    if (di > 0) {
      const start = aligned[i].start;
      const end = aligned[i + di - 1].end;
      for (let k = 0; k < dj; k++) {
        out[j + k] = { piece: wanted[j + k], start, end, partial: dj > 1, continuation: k > 0 || aligned[i].continuation };
      }
    }
    i += di;
    j += dj;
  }
  return out;
}
