// Hand-written expectations for src/core/tokenize on the fixture tokenizers: pieces, ids, spans and flags
// of small texts whose right answer is known (ids checked against the Hub's vocabularies).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Token } from '../../src/core/types';
import { fixturePair, robertaLikePair } from './tokenizeSupport';

const bert = fixturePair('bert-base-uncased').ours;
const gpt2 = fixturePair('gpt2').ours;

/** piece, start, end — compact rows to compare. */
function rows(tokens: Token[]): [string, number, number][] {
  return tokens.map((t) => [t.piece, t.start, t.end]);
}

test('gpt2: "Hello, world!" pieces, ids and spans', () => {
  const tokens = gpt2.encode('Hello, world!');
  assert.deepEqual(rows(tokens), [
    ['Hello', 0, 5],
    [',', 5, 6],
    ['Ġworld', 6, 12],
    ['!', 12, 13],
  ]);
  assert.deepEqual(
    tokens.map((t) => t.id),
    [15496, 11, 995, 0],
  );
  assert.deepEqual(
    tokens.map((t) => t.display),
    ['Hello', ',', '␣world', '!'],
  );
  assert.ok(tokens.every((t) => !t.special && !t.partialChar && !t.continuation));
});

test('bert: "unaffable" → una ##ffa ##ble with spans, [CLS]/[SEP] empty at both ends', () => {
  // (BERT's paper shows un ##aff ##able for an older vocabulary; bert-base-uncased's own splits it this way.)
  const tokens = bert.encode('unaffable');
  assert.deepEqual(rows(tokens), [
    ['[CLS]', 0, 0],
    ['una', 0, 3],
    ['##ffa', 3, 6],
    ['##ble', 6, 9],
    ['[SEP]', 9, 9],
  ]);
  assert.deepEqual(
    tokens.map((t) => t.display),
    ['[CLS]', 'una', 'ffa', 'ble', '[SEP]'],
  );
  assert.deepEqual(
    tokens.map((t) => t.continuation),
    [false, false, true, true, false],
  );
  assert.deepEqual(
    tokens.map((t) => t.special),
    [true, false, false, false, true],
  );
  assert.deepEqual([bert.specialTokensBefore, bert.specialTokensAfter], [1, 1]);
});

test('bert: accents, precomposed or combining, map back to the whole word', () => {
  assert.deepEqual(rows(bert.encode('Café au lait')).slice(1, 3), [
    ['cafe', 0, 4],
    ['au', 5, 7],
  ]);
  // "e" + U+0301: the deleted mark stays with its letter, so the span is 5 units.
  assert.deepEqual(rows(bert.encode('Cafe\u0301 au')).slice(1, 3), [
    ['cafe', 0, 5],
    ['au', 6, 8],
  ]);
  // İ lowercases to "i" + U+0307 (two units): both come from the one character.
  assert.deepEqual(rows(bert.encode('İstanbul')).slice(1, 2), [['istanbul', 0, 8]]);
});

test('gpt2: "👋🏽" is five byte pieces; the pieces of each emoji share its span', () => {
  const tokens = gpt2.encode('👋🏽');
  assert.deepEqual(rows(tokens), [
    ['ðŁĳ', 0, 2],
    ['ĭ', 0, 2],
    ['ðŁ', 2, 4],
    ['ı', 2, 4],
    ['½', 2, 4],
  ]);
  assert.ok(tokens.every((t) => t.partialChar));
  assert.deepEqual(
    tokens.map((t) => t.display),
    ['<F0 9F 91>', '<8B>', '<F0 9F>', '<8F>', '<BD>'],
  );
  assert.deepEqual(
    tokens.map((t) => t.continuation),
    [false, true, true, true, true],
  );
});

test('gpt2: a whole multi-byte character decodes; CRLF and tab are visible', () => {
  const tokens = gpt2.encode('中\r\n\tx');
  assert.deepEqual(tokens[0].display, '中');
  assert.equal(tokens[0].partialChar, false);
  assert.deepEqual(
    tokens.slice(1).map((t) => [t.display, t.start, t.end]),
    [
      ['␍', 1, 2],
      ['↵', 2, 3],
      ['⇥', 3, 4],
      ['x', 4, 5],
    ],
  );
});

test('gpt2: a lone surrogate is encoded as U+FFFD but keeps its own position', () => {
  const tokens = gpt2.encode('a\ud800b');
  assert.deepEqual(rows(tokens), [
    ['a', 0, 1],
    ['ï¿½', 1, 2],
    ['b', 2, 3],
  ]);
  assert.equal(tokens[1].display, '\ufffd');
});

test('literal special tokens typed in the text keep their characters', () => {
  const b = bert.encode('The [MASK] sat.');
  assert.deepEqual(rows(b).slice(1, -1), [
    ['the', 0, 3],
    ['[MASK]', 4, 10],
    ['sat', 11, 14],
    ['.', 14, 15],
  ]);
  assert.equal(b[2].id, bert.maskTokenId);
  assert.equal(b[2].special, true);
  const g = gpt2.encode('end<|endoftext|>start');
  assert.deepEqual(rows(g), [
    ['end', 0, 3],
    ['<|endoftext|>', 3, 16],
    ['start', 16, 21],
  ]);
  assert.deepEqual(
    g.map((t) => t.special),
    [false, true, false],
  );
  assert.equal(g[1].id, 50256);
});

test('bert: CJK characters are words of their own; Hangul decomposes into partial jamo pieces', () => {
  assert.deepEqual(rows(bert.encode('中文')).slice(1, -1), [
    ['中', 0, 1],
    ['文', 1, 2],
  ]);
  const hangul = bert.encode('한국').slice(1, -1);
  assert.deepEqual(rows(hangul), [
    ['ᄒ', 0, 1],
    ['##ᅡ', 0, 1],
    ['##ᆫ', 0, 1],
    ['##ᄀ', 1, 2],
    ['##ᅮ', 1, 2],
    ['##ᆨ', 1, 2],
  ]);
  assert.ok(hangul.every((t) => t.partialChar));
});

test('bert: [UNK] spans its whole word; too-long words become one [UNK]', () => {
  assert.deepEqual(rows(bert.encode('hi 👋🏽 there')).slice(1, -1), [
    ['hi', 0, 2],
    ['[UNK]', 3, 7],
    ['there', 8, 13],
  ]);
  const long = 'x'.repeat(101);
  assert.deepEqual(rows(bert.encode(`a ${long} b`)).slice(1, -1), [
    ['a', 0, 1],
    ['[UNK]', 2, 103],
    ['b', 104, 105],
  ]);
});

test('bert: control and zero-width characters are deleted by the normalizer and covered by no token', () => {
  const text = 'x \u0000 y \u200b z';
  const tokens = bert.encode(text).slice(1, -1);
  assert.deepEqual(rows(tokens), [
    ['x', 0, 1],
    ['y', 4, 5],
    ['z', 8, 9],
  ]);
  // Inside a word they vanish from the piece but stay within the word's span.
  const word = bert.encode('ab\u0000cd').slice(1, -1);
  assert.deepEqual([word[0].start, word.at(-1)?.end], [0, 5]);
});

test('empty text and whitespace only: just the special frame', () => {
  assert.deepEqual(rows(bert.encode('')), [
    ['[CLS]', 0, 0],
    ['[SEP]', 0, 0],
  ]);
  assert.deepEqual(rows(bert.encode(' \t\n ')), [
    ['[CLS]', 0, 0],
    ['[SEP]', 4, 4],
  ]);
  assert.deepEqual(gpt2.encode(''), []);
  assert.deepEqual(rows(gpt2.encode(' \t\n ')), [
    ['Ġ', 0, 1],
    ['ĉ', 1, 2],
    ['Ċ', 2, 3],
    ['Ġ', 3, 4],
  ]);
});

test('displayOf: readable prediction text', () => {
  assert.equal(bert.displayOf(1999), 'in');
  const ing = fixturePair('bert-base-uncased').lib.token_to_id('##ing');
  assert.equal(typeof ing, 'number');
  assert.equal(bert.displayOf(ing), '·ing');
  assert.equal(bert.displayOf(103), '[MASK]');
  assert.equal(gpt2.displayOf(262), '␣the');
  assert.equal(gpt2.displayOf(198), '↵');
  assert.equal(gpt2.displayOf(8582), '<F0 9F>');
  assert.equal(gpt2.displayOf(50256), '<|endoftext|>');
  assert.equal(gpt2.displayOf(999_999), '<id 999999>');
});

test('RoBERTa-like: <s> … </s> frame, <mask> eats the space before it (lstrip)', () => {
  const roberta = robertaLikePair().ours;
  assert.deepEqual([roberta.specialTokensBefore, roberta.specialTokensAfter], [1, 1]);
  assert.deepEqual([roberta.maskToken, roberta.maskTokenId, roberta.vocabSize, roberta.kind], ['<mask>', 50260, 50261, 'byte-bpe']);
  const text = 'Hello <mask>!';
  assert.deepEqual(rows(roberta.encode(text)), [
    ['<s>', 0, 0],
    ['Hello', 0, 5],
    ['<mask>', 6, 12],
    ['!', 12, 13],
    ['</s>', 13, 13],
  ]);
});
