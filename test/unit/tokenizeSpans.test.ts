// Span invariants of src/core/tokenize on a varied corpus, for every tokenizer family the inspector supports:
// ids equal @huggingface/tokenizers' encode(), spans are ordered and disjoint (partial pieces of one character
// excepted), each span's text is the token's text after the tokenizer's normalization, and every non-space
// character is covered unless the normalizer deletes it.
import { test } from 'node:test';
import {
  checkSpans,
  fixtureJson,
  fixturePair,
  makePair,
  robertaLikePair,
  randomTexts,
  spanTexts as texts,
  type Pair,
} from './tokenizeSupport';

const bert = fixturePair('bert-base-uncased');
const gpt2 = fixturePair('gpt2');

function deletedBy(pair: Pair): (ch: string) => boolean {
  return (ch) => (pair.lib.normalizer ? pair.lib.normalizer(ch).trim() === '' : false);
}

function bertVariant(name: string, normalizer: Record<string, unknown>): Pair {
  const json = fixtureJson('bert-base-uncased', 'tokenizer.json');
  json.normalizer = { ...(json.normalizer as object), ...normalizer };
  return makePair(name, json, fixtureJson('bert-base-uncased', 'tokenizer_config.json'));
}

test('WordPiece (bert-base-uncased): span invariants on the corpus', () => {
  for (const text of texts()) checkSpans(bert, text, { deletes: deletedBy(bert) });
});

test('WordPiece, cased (no lowercasing, no accent stripping)', () => {
  const cased = bertVariant('bert-cased', { lowercase: false, strip_accents: null });
  for (const text of texts()) checkSpans(cased, text, { deletes: deletedBy(cased) });
});

test('WordPiece, lowercased with strip_accents false; and cased with strip_accents true', () => {
  for (const pair of [
    bertVariant('lower-keep-accents', { strip_accents: false }),
    bertVariant('cased-strip', { lowercase: false, strip_accents: true }),
  ]) {
    for (const text of texts()) checkSpans(pair, text, { deletes: deletedBy(pair) });
  }
});

test('WordPiece without CJK padding or text cleaning', () => {
  const pair = bertVariant('bert-raw', { handle_chinese_chars: false, clean_text: false });
  for (const text of texts()) checkSpans(pair, text, { deletes: deletedBy(pair) });
});

test('byte-level BPE (gpt2): span invariants, and every UTF-16 unit is covered', () => {
  for (const text of texts()) checkSpans(gpt2, text, { coversAll: true });
});

test('byte-level BPE with add_prefix_space (inserted "Ġ" has no characters)', () => {
  const json = fixtureJson('gpt2', 'tokenizer.json');
  json.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
  const pair = makePair('gpt2-prefix-space', json, fixtureJson('gpt2', 'tokenizer_config.json'));
  for (const text of texts()) checkSpans(pair, text, { coversAll: true, insertedPrefix: true });
});

test('RoBERTa-like byte-level BPE: <s> … </s>, literal <mask> with lstrip', () => {
  const pair = robertaLikePair();
  // lstrip removes the whitespace before <mask>: that whitespace belongs to no token.
  for (const text of texts()) checkSpans(pair, text, { deletes: (ch) => /^\s$/u.test(ch) });
});

/** A small Llama-2-style tokenizer: Prepend "▁" + Replace " " → "▁" normalizer, BPE with byte fallback. */
function byteFallbackPair(): Pair {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  const symbols = ['▁', ...'abcdefghijklmnopqrstuvwxyzTHE.,é', '▁t', 'he', '▁the', '▁a', 'an', '▁an', 'in', '▁in'];
  for (const s of symbols) vocab[s] = Object.keys(vocab).length;
  const merges = ['▁ t', 'h e', '▁t he', '▁ a', 'a n', '▁a n', 'i n', '▁ in'];
  const json = {
    version: '1.0',
    added_tokens: [
      { id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 1, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 2, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      vocab,
      merges,
    },
  };
  return makePair('byte-fallback-bpe', json, { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' });
}

test('SentencePiece-style BPE with byte fallback (Prepend/Replace normalizer)', () => {
  const pair = byteFallbackPair();
  // With no pre-tokenizer, the byte pieces of one character share its span, like byte-level BPE.
  for (const text of texts()) checkSpans(pair, text, { deletes: deletedBy(pair), surface: (x) => x.replace(/\p{Cs}/gu, '\uFFFD') });
});

/** A small Unigram model with a Metaspace pre-tokenizer and an NFKC normalizer (ALBERT/T5-like). */
function unigramPair(): Pair {
  const pieces: [string, number][] = [
    ['<unk>', 0],
    ['<pad>', 0],
    ['[MASK]', 0],
    ['▁', -2],
  ];
  for (const c of 'abcdefghijklmnopqrstuvwxyz.,!?0123456789') pieces.push([c, -5]);
  for (const w of ['▁the', '▁quick', '▁fox', 'ing', '▁a', 'er', '▁is', 'fi', '▁fine']) pieces.push([w, -3]);
  const json = {
    version: '1.0',
    added_tokens: [
      { id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 2, content: '[MASK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 0, vocab: pieces },
  };
  return makePair('unigram-metaspace', json, { mask_token: '[MASK]', unk_token: '<unk>' });
}

test('Unigram + Metaspace (best-effort alignment keeps the invariants)', () => {
  const pair = unigramPair();
  const surface = (x: string): string => x.normalize('NFKC').toLowerCase();
  for (const text of texts()) checkSpans(pair, text, { deletes: (ch) => surface(ch).trim() === '', surface });
});

test('random strings: no throw, and the invariants hold for every tokenizer family', () => {
  const texts = randomTexts(150, 7);
  for (const text of texts) {
    checkSpans(bert, text, { deletes: deletedBy(bert) });
    checkSpans(gpt2, text, { coversAll: true });
  }
  const unigram = unigramPair();
  const surface = (x: string): string => x.normalize('NFKC').toLowerCase();
  for (const text of texts) checkSpans(unigram, text, { deletes: (ch) => surface(ch).trim() === '', surface });
});
