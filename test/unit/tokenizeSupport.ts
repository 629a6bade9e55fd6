// Shared by the tokenize*.test.ts files: the fixture tokenizers, variants of them built in memory, the
// library's own Tokenizer for reference ids, and the span invariants every tokenizer must keep.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Tokenizer as TokenizerClass } from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };
import type { Token } from '../../src/core/types';
import { createTextTokenizer, type TextTokenizer } from '../../src/core/tokenize/textTokenizer';
import { pieceBytes } from '../../src/core/tokenize/byteLevel';

// The package ships CommonJS for `require` but types that TypeScript reads as ESM under node16 resolution.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Tokenizer } = require('@huggingface/tokenizers') as { Tokenizer: typeof TokenizerClass };

type Json = Record<string, unknown>;

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'attention-lens') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no attention-lens package.json above ${start}`);
  }
}

export const fixtures = path.join(findRepoRoot(__dirname), 'test', 'fixtures', 'tokenizers');

const cache = new Map<string, Json>();
/** The tokenizer folders under test/fixtures/tokenizers (tools/tokenizers builds them). */
export type FixtureName =
  | 'bert-base-uncased'
  | 'gpt2'
  | 'tiny-llama3-bpe'
  | 'tiny-sp-bpe'
  | 'tiny-roberta-bpe'
  | 'tiny-xlmr-unigram'
  | 'tiny-camembert-unigram'
  | 'tiny-albert-unigram'
  | 'tiny-deberta-v3-sp'
  | 'tiny-modernbert-bpe';

/** A fresh deep copy of a fixture file, so variants can be edited freely. */
export function fixtureJson(model: FixtureName, file: string): Json {
  const key = `${model}/${file}`;
  if (!cache.has(key)) cache.set(key, JSON.parse(readFileSync(path.join(fixtures, model, file), 'utf8')) as Json);
  return structuredClone(cache.get(key)!);
}

export interface Pair {
  name: string;
  ours: TextTokenizer;
  lib: TokenizerClass;
}

export function makePair(name: string, tokenizer: Json, config: Json, specialTokensMap?: Json): Pair {
  return {
    name,
    ours: createTextTokenizer({ tokenizer, config, specialTokensMap, source: `${name}/tokenizer.json` }),
    lib: new Tokenizer(structuredClone(tokenizer), structuredClone(config)),
  };
}

export function fixturePair(model: FixtureName): Pair {
  return makePair(
    model,
    fixtureJson(model, 'tokenizer.json'),
    fixtureJson(model, 'tokenizer_config.json'),
    fixtureJson(model, 'special_tokens_map.json'),
  );
}

/** RoBERTa's layout on GPT-2's vocabulary: <s> … </s> from a RobertaProcessing post-processor, and <mask> with lstrip. */
export function robertaLikePair(): Pair {
  const json = fixtureJson('gpt2', 'tokenizer.json');
  const added = (content: string, id: number, lstrip = false): Json => ({
    id,
    content,
    single_word: false,
    lstrip,
    rstrip: false,
    normalized: false,
    special: true,
  });
  json.added_tokens = [
    added('<|endoftext|>', 50256),
    added('<s>', 50257),
    added('</s>', 50258),
    added('<pad>', 50259),
    added('<mask>', 50260, true),
  ];
  json.post_processor = {
    type: 'RobertaProcessing',
    sep: ['</s>', 50258],
    cls: ['<s>', 50257],
    trim_offsets: true,
    add_prefix_space: false,
  };
  const config = {
    bos_token: '<s>',
    eos_token: '</s>',
    mask_token: { __type: 'AddedToken', content: '<mask>', lstrip: true },
    model_max_length: 512,
  };
  return makePair('roberta-like', json, config);
}

const textEncoder = new TextEncoder();

const BYTE_PIECE = /^<0x([0-9A-F]{2})>$/;

/** Per-kind text of a run of tokens, and of the original slice, that must be equal. */
function expectedAndActual(pair: Pair, run: Token[], slice: string, opts: InvariantOptions, sectionStart: boolean): [string, string] {
  const kind = pair.ours.kind;
  if (kind === 'byte-bpe') {
    const bytes = run.flatMap((t) => pieceBytes(t.piece) ?? [...textEncoder.encode(t.piece)]);
    // add_prefix_space puts a space before the text that the text does not have.
    if (opts.insertedPrefix && bytes[0] === 0x20 && !slice.startsWith(' ')) bytes.shift();
    const surface = (opts.surface ?? ((x: string) => x))(slice);
    return [Buffer.from(bytes).toString('hex'), Buffer.from(textEncoder.encode(surface)).toString('hex')];
  }
  if (kind === 'wordpiece') {
    const normalized = pair.lib.normalizer ? pair.lib.normalizer(slice) : slice;
    // CJK padding puts spaces around a lone ideograph; pieces never hold spaces. Lowercasing a slice alone
    // cannot know whether Σ ends a word (ς) or not (σ): that one letter is compared case-folded.
    const fold = (x: string): string => x.replaceAll('ς', 'σ');
    return [fold(run.map((t) => t.piece.replace(/^##/, '')).join('')), fold(normalized.replaceAll(' ', ''))];
  }
  // SentencePiece-style: "▁" is a space, "<0xHH>" pieces are UTF-8 bytes; a leading "▁" may be inserted.
  const bytes = run.flatMap((t) => {
    const b = BYTE_PIECE.exec(t.piece);
    return b ? [parseInt(b[1], 16)] : [...textEncoder.encode(t.piece.replaceAll('\u2581', ' '))];
  });
  let pieces = new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array(bytes));
  const surface = (opts.surface ?? ((x: string) => x))(slice);
  // The "▁" a Prepend normalizer or Metaspace puts before a section (the text, or what follows an added token)
  // stands for no character.
  if (pieces.startsWith(' ') && (!surface.startsWith(' ') || (sectionStart && pieces.slice(1) === surface))) pieces = pieces.slice(1);
  return [pieces, surface];
}

export interface InvariantOptions {
  /** Characters (code points) the normalizer deletes may be left uncovered. */
  deletes?: (ch: string) => boolean;
  /** Byte-level tokenizers cover every UTF-16 unit, whitespace included. */
  coversAll?: boolean;
  /** The pre-tokenizer may insert a leading space (ByteLevel add_prefix_space). */
  insertedPrefix?: boolean;
  /** The text a slice becomes (SentencePiece-style normalizers are not context-free; NFC before byte-level BPE). */
  surface?: (slice: string) => string;
}

/** The span invariants, checked for one text. Returns the tokens for further checks. */
export function checkSpans(pair: Pair, text: string, opts: InvariantOptions = {}): Token[] {
  const tokens = pair.ours.encode(text);
  const where = `${pair.name} on ${JSON.stringify(text.length > 80 ? text.slice(0, 80) + '…' : text)}`;
  assert.deepEqual(
    tokens.map((t) => t.id),
    pair.lib.encode(text).ids,
    `ids differ from @huggingface/tokenizers: ${where}`,
  );
  const before = pair.ours.specialTokensBefore;
  const after = pair.ours.specialTokensAfter;
  tokens.forEach((t, i) => {
    assert.equal(t.index, i);
    assert.ok(0 <= t.start && t.start <= t.end && t.end <= text.length, `span out of range at ${i}: ${where}`);
    if (i < before) assert.deepEqual([t.start, t.end, t.special], [0, 0, true], `leading special token at ${i}: ${where}`);
    if (i >= tokens.length - after)
      assert.deepEqual([t.start, t.end, t.special], [text.length, text.length, true], `trailing special at ${i}: ${where}`);
  });
  const body = tokens.slice(before, tokens.length - after);
  for (let i = 1; i < body.length; i++) {
    const [p, t] = [body[i - 1], body[i]];
    assert.ok(p.start <= t.start, `spans out of order at ${t.index}: ${where}`);
    if (t.start < p.end)
      assert.ok(
        p.partialChar && t.partialChar,
        `overlap of whole-character tokens at ${t.index} (${p.start}-${p.end}, ${t.start}-${t.end}): ${where}`,
      );
  }
  // Runs of overlapping (partial) tokens, checked as one: their text must be the slice's text.
  for (let i = 0; i < body.length;) {
    let j = i + 1;
    let end = body[i].end;
    while (j < body.length && body[j].start < end) end = Math.max(end, body[j++].end);
    const run = body.slice(i, j);
    const slice = text.slice(run[0].start, end);
    if (run.length === 1 && run[0].special) assert.equal(slice, run[0].piece, `literal special token: ${where}`);
    else if (run.length === 1 && run[0].piece === '[UNK]' && pair.ours.kind === 'wordpiece') {
      assert.deepEqual(pair.lib.tokenize(slice), ['[UNK]'], `[UNK] must span exactly its word: ${where}`);
    } else if (run.some((t) => t.piece === '<unk>' || t.piece === '[UNK]')) {
      // Unigram/BPE unknowns stand for characters the vocabulary lacks: they must hold some.
      assert.ok(slice.length > 0, `<unk> with no characters: ${where}`);
    } else {
      const sectionStart = i === 0 || body[i - 1].special;
      const [expected, actual] = expectedAndActual(pair, run, slice, opts, sectionStart);
      assert.equal(actual, expected, `tokens ${run[0].index}…${run[run.length - 1].index} vs text ${run[0].start}-${end}: ${where}`);
    }
    i = j;
  }
  // Coverage: every non-space character lies in some token unless the normalizer deletes it.
  const covered = new Uint8Array(text.length);
  for (const t of body) covered.fill(1, t.start, t.end);
  for (let i = 0; i < text.length;) {
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    const isCovered = covered[i] === 1;
    if (opts.coversAll) assert.ok(isCovered, `unit ${i} (${JSON.stringify(ch)}) not covered: ${where}`);
    else if (!isCovered && !/^\s$/u.test(ch)) {
      assert.ok(opts.deletes?.(ch), `character ${i} (${JSON.stringify(ch)}) is neither covered nor deleted: ${where}`);
    }
    i += ch.length;
  }
  return tokens;
}

/** Texts that break naive aligners. */
export const CORPUS: readonly string[] = [
  'The quick brown fox jumps over the lazy dog. It cost $3.50, or 1,000,000 yen!',
  'def f(x):\r\n\treturn x  # comment\r\n\r\n\tif x:\tpass\n',
  'family 👨‍👩‍👧‍👦 wave 👋🏽👋🏿 flag 🏳️‍🌈 and ❤️ keycap 1️⃣',
  '中文字符和日本語のテキスト、한국어 텍스트 𠀀𠀁 and ｆｕｌｌｗｉｄｔｈ',
  'e\u0301 a\u0308 Z\u0327\u0301alg\u0316o \u0301leading mark, cafe\u0301',
  'Café naïve résumé Ångström façade ÉCOLE Straße İstanbul ΟΔΟΣ Σίσυφος ﬁne',
  'The word سلام means peace; שָׁלוֹם too (RTL) 123 مرحبا world.',
  'bad \ud800 here and \udc00 there \ud83d',
  'nul\u0000 bell\u0007 esc\u001b[0m del\u007f zw\u200bsp bom\ufeff nbsp\u00a0x ideo\u3000y lsep\u2028z',
  'The [MASK] sat <|endoftext|> then <mask> and </s><s> [MASK][MASK]',
  'a'.repeat(300) + ' ' + 'supercalifragilistic'.repeat(12) + ' ' + 'x'.repeat(101),
  '   \t\n  ',
  '',
  ' leading and trailing spaces  ',
  'URL https://example.com/a_b?c=d&e=f#g and e-mail a.b@c.de, "quotes" — dashes … ellipsis',
];

/** Every text of the corpus, and each text cut at every 11th unit (cuts surrogate pairs and CRLFs too). */
export function spanTexts(): string[] {
  const out = [...CORPUS];
  for (const t of CORPUS) for (let cut = 1; cut < t.length; cut += 11) out.push(t.slice(0, cut), t.slice(cut));
  out.push(CORPUS.join(' '), CORPUS.join('\n'));
  return out;
}

/** Deterministic pseudo-random strings from characters aligners trip over, and arbitrary UTF-16 units. */
export function randomTexts(count: number, seed: number): string[] {
  let state = seed;
  const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const alphabet = [
    ...'aZé ñ\t\r\n.,!#[]<|>##',
    'e\u0301',
    '\u0000',
    '\u200d',
    '\ufeff',
    '👋',
    '🏽',
    '中',
    '한',
    'İ',
    'Σ',
    'ﬁ',
    '[MASK]',
    '<|endoftext|>',
    '<mask>',
    '\ud800',
    '\udc00',
    '𠀀',
    'ש',
    'ـ',
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = '';
    const length = Math.floor(next() * 40);
    for (let k = 0; k < length; k++)
      s += next() < 0.8 ? alphabet[Math.floor(next() * alphabet.length)] : String.fromCharCode(Math.floor(next() * 0x10000));
    out.push(s);
  }
  return out;
}

/** The span-invariant tests of each pair: on the corpus and its cuts, and on random strings drawn from `seed`. */
export function spanInvariantTests(cases: readonly [Pair, InvariantOptions][], seed: number): void {
  for (const [pair, options] of cases) {
    test(`${pair.name}: span invariants on the corpus and its cuts`, () => {
      for (const text of spanTexts()) checkSpans(pair, text, options);
    });

    test(`${pair.name}: span invariants on random strings`, () => {
      for (const text of randomTexts(150, seed)) checkSpans(pair, text, options);
    });
  }
}

/** Each fixture pair's ids equal those of @huggingface/transformers' AutoTokenizer from the folder of its name. */
export async function assertIdsEqualTransformersJs(pairs: readonly Pair[]): Promise<void> {
  const tjs = await import('@huggingface/transformers');
  tjs.env.allowRemoteModels = false;
  tjs.env.localModelPath = fixtures + path.sep;
  for (const pair of pairs) {
    const reference = await tjs.AutoTokenizer.from_pretrained(pair.name);
    for (const text of [...spanTexts(), ...randomTexts(50, 5)]) {
      assert.deepEqual(
        pair.ours.encode(text).map((t) => t.id),
        reference.encode(text),
        `${pair.name} on ${JSON.stringify(text.slice(0, 60))}`,
      );
    }
  }
}
