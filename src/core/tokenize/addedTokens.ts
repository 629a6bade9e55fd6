// Splitting text on added tokens ("[MASK]", "<|endoftext|>" …) with offsets. Mirrors the library's
// DictionarySplitter (greedy longest match, left to right) and its lstrip/rstrip trimming of the neighbours,
// so the same sections come out, but as ranges instead of strings.
import type { AddedTokenInfo } from './hfTokenizers';

interface TrieNode {
  next: Map<string, TrieNode>;
  word?: string;
}

export class AddedTokenSplitter {
  private readonly root: TrieNode = { next: new Map() };
  /** Finds the next place an added token could start, so most of the text is skipped by the regex engine. */
  private readonly firstChars: RegExp;

  constructor(contents: readonly string[]) {
    const firsts = [...new Set(contents.filter((c) => c.length > 0).map((c) => c[0]))];
    const units = firsts.map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    this.firstChars = new RegExp(units ? `[${units}]` : '(?!)', 'g');
    for (const word of contents) {
      let node = this.root;
      for (let i = 0; i < word.length; i++) {
        let child = node.next.get(word[i]);
        if (!child) node.next.set(word[i], (child = { next: new Map() }));
        node = child;
      }
      node.word = word;
    }
  }

  /** Ranges of text[from, to): matches of added tokens and the stretches between them, in order. */
  split(text: string, from: number, to: number): [number, number][] {
    const out: [number, number][] = [];
    if (this.root.next.size === 0) return from < to ? [[from, to]] : [];
    let start = from;
    let i = from;
    while (i < to) {
      this.firstChars.lastIndex = i;
      const next = this.firstChars.exec(text);
      if (!next || next.index >= to) break;
      i = next.index;
      let node: TrieNode | undefined = this.root;
      let match = 0;
      for (let j = i; j < to; j++) {
        node = node.next.get(text[j]);
        if (!node) break;
        if (node.word !== undefined) match = j + 1 - i;
      }
      if (match > 0) {
        if (i > start) out.push([start, i]);
        out.push([i, i + match]);
        i += match;
        start = i;
      } else i++;
    }
    if (start < to) out.push([start, to]);
    return out;
  }
}

/** A section of text: an added token, or text for the normalizer / pre-tokenizer / model. */
export interface Section {
  from: number;
  to: number;
  added?: AddedTokenInfo;
}

/**
 * Splits and applies each added token's lstrip/rstrip to its neighbours, exactly as the library does: a
 * section is an added token when its text is a key of `map` (which also holds normalized contents).
 */
export function splitSections(
  text: string,
  from: number,
  to: number,
  splitter: AddedTokenSplitter,
  map: ReadonlyMap<string, AddedTokenInfo>,
): Section[] {
  const ranges = splitter.split(text, from, to);
  const sections: Section[] = ranges.map(([a, b]) => ({ from: a, to: b }));
  sections.forEach((section, i) => {
    const added = map.get(text.slice(section.from, section.to));
    if (!added) return;
    if (added.lstrip && i > 0) trimEnd(text, sections[i - 1]);
    if (added.rstrip && i < sections.length - 1) trimStart(text, sections[i + 1]);
  });
  for (const section of sections) {
    const added = section.to > section.from ? map.get(text.slice(section.from, section.to)) : undefined;
    if (added) section.added = added;
  }
  return sections;
}

function trimEnd(text: string, s: Section): void {
  const kept = text.slice(s.from, s.to).trimEnd().length;
  s.to = s.from + kept;
}

function trimStart(text: string, s: Section): void {
  const kept = text.slice(s.from, s.to).trimStart().length;
  s.from = s.to - kept;
}
