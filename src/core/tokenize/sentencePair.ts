// Where a selection splits into a sentence pair (BERT-style models were pre-trained on pairs: segment embeddings,
// next-sentence prediction). The two sentences are tokenized separately and joined by the tokenizer's own pair
// template, as Hugging Face's tokenizer(text, text_pair) does; the separator typed in the selection is not part
// of either sentence: the template's separator tokens stand where it was.
import { LensError } from '../types';

/** UTF-16 offsets into the selection: sentence A is [0, aEnd), sentence B is [bStart, length). */
export interface PairSplit {
  aEnd: number;
  bStart: number;
}

/** A blank line: a line break, then only spaces or tabs up to the next one. */
const BLANK_LINE = /\r?\n[ \t]*\r?\n/;

/**
 * The split at the first of the tokenizer's separators typed in the text ("[SEP]", "</s></s>", then a single
 * "</s>"), else at the first blank line; whitespace around it belongs to neither sentence.
 */
export function findPairSplit(text: string, separators: readonly string[]): PairSplit {
  let at: { index: number; length: number } | undefined;
  for (const separator of separators) {
    const index = separator.length > 0 ? text.indexOf(separator) : -1;
    if (index >= 0) {
      at = { index, length: separator.length };
      break;
    }
  }
  if (!at) {
    const blank = BLANK_LINE.exec(text);
    if (blank) at = { index: blank.index, length: blank[0].length };
  }
  if (!at) {
    const typed = separators.length > 0 ? `${separators.map((s) => JSON.stringify(s)).join(' or ')} or ` : '';
    throw new LensError(`Not a sentence pair: put ${typed}a blank line between the two sentences.`, 'empty-input');
  }
  let aEnd = at.index;
  let bStart = at.index + at.length;
  while (aEnd > 0 && /\s/.test(text[aEnd - 1])) aEnd--;
  while (bStart < text.length && /\s/.test(text[bStart])) bStart++;
  if (aEnd === 0 || bStart >= text.length) {
    throw new LensError(`Not a sentence pair: ${aEnd === 0 ? 'the first' : 'the second'} sentence is empty.`, 'empty-input');
  }
  return { aEnd, bStart };
}
