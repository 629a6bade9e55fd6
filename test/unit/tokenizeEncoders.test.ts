// The tokenizers of the tiny DeBERTa-v3 and ModernBERT fixtures (tools/tokenizers/encoders.py): SentencePiece
// Unigram in DebertaV2Converter's layout and ModernBERT's byte-level BPE with [CLS] … [SEP]. The span invariants on
// the hostile-Unicode corpus and random strings, and ids equal to @huggingface/transformers' own tokenizer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkIdsAgainstTransformersJs,
  checkSpans,
  fixturePair,
  randomTexts,
  spanTexts,
  type InvariantOptions,
  type Pair,
} from './tokenizeSupport';

const deberta = fixturePair('tiny-deberta-v3-sp');
const modernBert = fixturePair('tiny-modernbert-bpe');
const OPTIONS: [Pair, InvariantOptions][] = [
  // Strip leaves the text's outer whitespace in no token; Replace(" {2,}", " ") makes one "▁" of a run of spaces.
  [deberta, { surface: (x: string) => x.replace(/\p{Cs}/gu, '\uFFFD').replace(/ {2,}/g, ' ') }],
  // [MASK] takes the space before it (lstrip), so that space is in no token.
  [modernBert, {}],
];

test('kinds, vocabulary sizes and the [CLS] … [SEP] around the text', () => {
  const facts = OPTIONS.map(([pair]) => [pair.ours.kind, pair.ours.vocabSize, pair.ours.specialTokensBefore, pair.ours.specialTokensAfter]);
  assert.deepEqual(facts, [
    ['unigram', 1001, 1, 1],
    ['byte-bpe', 2005, 1, 1],
  ]);
});

for (const [pair, options] of OPTIONS) {
  test(`${pair.name}: span invariants on the corpus and its cuts, and on random strings`, () => {
    for (const text of [...spanTexts(), ...randomTexts(150, 11)]) checkSpans(pair, text, options);
  });
}

test('ids equal @huggingface/transformers’ AutoTokenizer on the corpus', () =>
  checkIdsAgainstTransformersJs(OPTIONS.map(([pair]) => pair)));
