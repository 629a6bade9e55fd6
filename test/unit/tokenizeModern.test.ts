// The tokenizers of modern decoders, on the fixture folders tools/tokenizers/modern.py builds: Llama 3 / Qwen
// byte-level BPE (a Split pre-tokenizer, then ByteLevel; a BOS from TemplateProcessing) and Llama 2 / Mistral /
// Gemma SentencePiece BPE with byte fallback. The span invariants on the hostile-Unicode corpus, ids equal to
// @huggingface/transformers' own tokenizer, and hand-checked spans and flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Token } from '../../src/core/types';
import { loadTextTokenizer } from '../../src/core/tokenize/textTokenizer';
import {
  checkIdsAgainstTransformersJs,
  checkSpans,
  fixtureJson,
  fixturePair,
  fixtures,
  makePair,
  randomTexts,
  spanTexts,
  type InvariantOptions,
  type Pair,
} from './tokenizeSupport';

const llama3 = fixturePair('tiny-llama3-bpe');
const spBpe = fixturePair('tiny-sp-bpe');

/** Qwen 2.5's layout on the same vocabulary: NFC, digits one by one, no BOS, no ignore_merges. */
function qwenLikePair(): Pair {
  const json = fixtureJson('tiny-llama3-bpe', 'tokenizer.json');
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  const pattern =
    String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|` +
    String.raw` ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
  json.normalizer = { type: 'NFC' };
  json.pre_tokenizer = {
    type: 'Sequence',
    pretokenizers: [{ type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false }, byteLevel],
  };
  json.post_processor = byteLevel;
  (json.model as Record<string, unknown>).ignore_merges = false;
  return makePair('qwen-like', json, { eos_token: '<|endoftext|>' });
}

/** Mistral v0.3's and non-legacy Llama's layout: no normalizer, a Metaspace pre-tokenizer that prepends "▁" once. */
function metaspaceFirstPair(): Pair {
  const json = fixtureJson('tiny-sp-bpe', 'tokenizer.json');
  json.normalizer = null;
  json.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false };
  return makePair('metaspace-first-sp-bpe', json, fixtureJson('tiny-sp-bpe', 'tokenizer_config.json'));
}

/** Gemma's layout: Replace " " → "▁" with nothing prepended, and no Strip in the decoder. */
function gemmaLikePair(): Pair {
  const json = fixtureJson('tiny-sp-bpe', 'tokenizer.json');
  json.normalizer = { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' };
  (json.decoder as { decoders: unknown[] }).decoders.pop();
  return makePair('gemma-like-sp-bpe', json, fixtureJson('tiny-sp-bpe', 'tokenizer_config.json'));
}

// Byte-level BPE covers every unit; SentencePiece's "▁" pieces cover the spaces, and a lone surrogate is U+FFFD's bytes.
const BYTES = { coversAll: true };
const SENTENCEPIECE = { coversAll: true, surface: (x: string) => x.replace(/\p{Cs}/gu, '\uFFFD') };
// Qwen's NFC composes "e" + U+0301 into one character, whose bytes its pieces then hold.
const OPTIONS: [Pair, InvariantOptions][] = [
  [llama3, BYTES],
  [spBpe, SENTENCEPIECE],
  [qwenLikePair(), { ...BYTES, surface: (x) => x.normalize('NFC') }],
  [metaspaceFirstPair(), SENTENCEPIECE],
  [gemmaLikePair(), SENTENCEPIECE],
];

/** piece, start, end, partialChar — compact rows to compare. */
function rows(tokens: Token[]): [string, number, number, boolean][] {
  return tokens.map((t) => [t.piece, t.start, t.end, t.partialChar]);
}

test('kinds, vocabulary sizes and BOS of the fixture folders', async () => {
  const l = await loadTextTokenizer(path.join(fixtures, 'tiny-llama3-bpe'));
  assert.deepEqual([l.kind, l.vocabSize, l.specialTokensBefore, l.specialTokensAfter], ['byte-bpe', 50259, 1, 0]);
  const s = await loadTextTokenizer(path.join(fixtures, 'tiny-sp-bpe'));
  assert.deepEqual([s.kind, s.vocabSize, s.specialTokensBefore, s.specialTokensAfter], ['sentencepiece-bpe', 2000, 1, 0]);
  assert.deepEqual(
    [...s.specialIds].sort((a, b) => a - b),
    [0, 1, 2],
  );
  const kinds = OPTIONS.slice(2).map(([pair]) => [pair.ours.kind, pair.ours.specialTokensBefore]);
  assert.deepEqual(kinds, [
    ['byte-bpe', 0],
    ['sentencepiece-bpe', 1],
    ['sentencepiece-bpe', 1],
  ]);
});

for (const [pair, options] of OPTIONS) {
  test(`${pair.name}: span invariants on the corpus and its cuts`, () => {
    for (const text of spanTexts()) checkSpans(pair, text, options);
  });

  test(`${pair.name}: span invariants on random strings`, () => {
    for (const text of randomTexts(150, 11)) checkSpans(pair, text, options);
  });
}

test('ids equal @huggingface/transformers’ AutoTokenizer on the corpus', () => checkIdsAgainstTransformersJs([llama3, spBpe]));

test('tiny-sp-bpe: ids equal SentencePiece’s own (its tokenizer.model) on the texts modern.py recorded', () => {
  const reference = fixtureJson('tiny-sp-bpe', 'sentencepiece_reference.json') as unknown as { text: string; ids: number[] }[];
  assert.ok(reference.length >= 8);
  for (const { text, ids } of reference) {
    assert.deepEqual(
      spBpe.ours.encode(text).map((t) => t.id),
      ids,
      JSON.stringify(text),
    );
  }
});

test('tiny-llama3-bpe: <|begin_of_text|> first with an empty span, then gpt2-like pieces', () => {
  const tokens = llama3.ours.encode('Hi  there 12345');
  assert.deepEqual(rows(tokens), [
    ['<|begin_of_text|>', 0, 0, false],
    ['Hi', 0, 2, false],
    ['Ġ', 2, 3, false],
    ['Ġthere', 3, 9, false],
    ['Ġ', 9, 10, false],
    // Llama 3's pattern cuts digits in threes.
    ['123', 10, 13, false],
    ['45', 13, 15, false],
  ]);
  assert.deepEqual(
    tokens.map((t) => t.special),
    [true, false, false, false, false, false, false],
  );
  assert.equal(tokens[0].display, '<|begin_of_text|>');
});

test('tiny-sp-bpe: "▁" pieces span the spaces they stand for; the prepended one stands for none', () => {
  const tokens = spBpe.ours.encode('Hello  world');
  assert.deepEqual(rows(tokens), [
    ['<s>', 0, 0, false],
    ['▁H', 0, 1, false],
    ['el', 1, 3, false],
    ['lo', 3, 5, false],
    ['▁▁', 5, 7, false],
    ['w', 7, 8, false],
    ['or', 8, 10, false],
    ['ld', 10, 12, false],
  ]);
  assert.deepEqual(
    tokens.map((t) => t.display),
    ['<s>', '␣H', 'el', 'lo', '␣␣', 'w', 'or', 'ld'],
  );
  assert.deepEqual(
    tokens.map((t) => t.continuation),
    [false, false, true, true, false, true, true, true],
  );
});

test('tiny-sp-bpe: byte-fallback pieces of one character share its span and are flagged partial', () => {
  const tokens = spBpe.ours.encode('naïve 😀');
  assert.deepEqual(rows(tokens), [
    ['<s>', 0, 0, false],
    ['▁n', 0, 1, false],
    ['a', 1, 2, false],
    ['<0xC3>', 2, 3, true],
    ['<0xAF>', 2, 3, true],
    ['ve', 3, 5, false],
    ['▁', 5, 6, false],
    ['<0xF0>', 6, 8, true],
    ['<0x9F>', 6, 8, true],
    ['<0x98>', 6, 8, true],
    ['<0x80>', 6, 8, true],
  ]);
  assert.deepEqual(
    tokens.slice(3, 5).map((t) => t.display),
    ['<C3>', '<AF>'],
  );
  // A one-byte character written as a byte piece (a newline the vocabulary lacks) is a whole character.
  const newline = spBpe.ours.encode('a\nb').find((t) => t.piece === '<0x0A>');
  assert.deepEqual(newline && [newline.start, newline.end, newline.partialChar, newline.display], [1, 2, false, '↵']);
  assert.deepEqual([spBpe.ours.displayOf(13), spBpe.ours.displayOf(0xc3 + 3)], ['↵', '<C3>']);
});
