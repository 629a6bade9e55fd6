// Sentence pairs: the split of a selection, ids and segment ids against @huggingface/transformers' tokenizer given
// the same two sentences (text_pair), spans that point at each sentence's characters, and the cut of a long pair.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { buildFeeds } from '../../src/core/engine/feeds';
import { fitPairToModel } from '../../src/core/engine/inputWindow';
import { findPairSplit } from '../../src/core/tokenize/sentencePair';
import { loadTextTokenizer, type TextTokenizer } from '../../src/core/tokenize/textTokenizer';
import { LensError } from '../../src/core/types';
import { repoRoot } from '../support/paths';
import { fixtures, robertaLikePair } from './tokenizeSupport';

const bertFolder = path.join(fixtures, 'bert-base-uncased');
const embeddedBert = path.join(repoRoot, 'models', 'lens-bert-mini');

/** A RoBERTa-style tokenizer (</s></s> between the sentences) written to a folder transformers.js can read. */
function robertaFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'lens-roberta-'));
  // The library's Tokenizer keeps the two files it was made from as they were.
  const { tokenizer, config } = robertaLikePair().lib as unknown as { tokenizer: unknown; config: unknown };
  writeFileSync(path.join(folder, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(path.join(folder, 'tokenizer_config.json'), JSON.stringify(config));
  return folder;
}

const PAIRS: [string, string][] = [
  ['The cat sat on the mat.', 'It was sleeping.'],
  ['Where is Paris?', 'Paris is the capital of France, on the Seine.'],
  ['naïve café — déjà vu', '東京 is big 🙂 and Zürich too'],
  ['Is this [MASK]?', 'Yes, it is.'],
];

test('the split: the separator typed first, else a blank line; whitespace around it belongs to neither sentence', () => {
  assert.deepEqual(findPairSplit('Who? [SEP] Me.', ['[SEP]']), { aEnd: 4, bStart: 11 });
  assert.deepEqual(findPairSplit('A b.</s></s>C d.', ['</s></s>', '</s>']), { aEnd: 4, bStart: 12 });
  assert.deepEqual(findPairSplit('A b.</s>C d.', ['</s></s>', '</s>']), { aEnd: 4, bStart: 8 });
  assert.deepEqual(findPairSplit('First one.\r\n  \r\nSecond one.', ['[SEP]']), { aEnd: 10, bStart: 16 });
  // A separator wins over an earlier blank line.
  assert.deepEqual(findPairSplit('a\n\nb [SEP] c', ['[SEP]']), { aEnd: 4, bStart: 11 });
  const refused = (text: string, words: RegExp) =>
    assert.throws(
      () => findPairSplit(text, ['[SEP]']),
      (e: unknown) => e instanceof LensError && words.test(e.message),
    );
  refused('one sentence only', /put "\[SEP\]" or a blank line between the two sentences/);
  refused('[SEP] second', /the first sentence is empty/);
  refused('first\n\n  ', /the second sentence is empty/);
});

async function reference(folder: string) {
  const tjs = await import('@huggingface/transformers');
  tjs.env.allowRemoteModels = false;
  tjs.env.localModelPath = path.dirname(folder) + path.sep;
  return tjs.AutoTokenizer.from_pretrained(path.basename(folder));
}

for (const [name, folder] of [
  ['bert-base-uncased', () => bertFolder],
  ['lens-bert-mini (embedded)', () => embeddedBert],
  ['RoBERTa-style', robertaFolder],
] as const) {
  test(`${name}: a pair's ids and segment ids equal transformers.js' tokenizer(a, { text_pair: b })`, async () => {
    const dir = folder();
    const ours = await loadTextTokenizer(dir);
    const theirs = await reference(dir);
    for (const [a, b] of PAIRS) {
      const separator = ours.pairSeparators[0];
      const text = `${a} ${separator} ${b}`;
      const encoded = ours.encodePair(text, findPairSplit(text, ours.pairSeparators));
      const expected = theirs(a, { text_pair: b, return_token_type_ids: true, return_tensor: false }) as {
        input_ids: number[];
        token_type_ids: number[];
      };
      assert.deepEqual(
        encoded.tokens.map((t) => t.id),
        expected.input_ids,
        `${name}: ${text}`,
      );
      assert.deepEqual(encoded.segments, expected.token_type_ids, `${name}: segments of ${text}`);
      checkSpans(ours, text, encoded.tokens, encoded.sentenceBStart);
    }
  });
}

/** Content spans lie in their own sentence; template tokens are empty; B starts after A's tokens and separators. */
function checkSpans(ours: TextTokenizer, text: string, tokens: ReturnType<TextTokenizer['encode']>, bStart: number): void {
  const split = findPairSplit(text, ours.pairSeparators);
  tokens.forEach((t, i) => {
    if (t.special && t.start === t.end) return;
    if (i < bStart) assert.ok(t.end <= split.aEnd, `token ${i} (${t.piece}) ends in sentence A`);
    else assert.ok(t.start >= split.bStart, `token ${i} (${t.piece}) starts in sentence B`);
    assert.ok(t.end > t.start, `token ${i} has a span`);
  });
  assert.equal(tokens[bStart].start, split.bStart, 'sentence B starts at its first character');
}

test('lens-bert-mini: [CLS] A [SEP] B [SEP], B from its first word; the separators sit where A ends', async () => {
  const ours = await loadTextTokenizer(embeddedBert);
  assert.deepEqual(ours.pairSeparators, ['[SEP]']);
  const text = 'Who sat?\n\nThe cat.';
  const { tokens, segments, sentenceBStart } = ours.encodePair(text, findPairSplit(text, ours.pairSeparators));
  assert.deepEqual(
    tokens.map((t) => [t.piece, t.start, t.end]),
    [
      ['[CLS]', 0, 0],
      ['who', 0, 3],
      ['sat', 4, 7],
      ['?', 7, 8],
      ['[SEP]', 8, 8],
      ['the', 10, 13],
      ['cat', 14, 17],
      ['.', 17, 18],
      ['[SEP]', 18, 18],
    ],
  );
  assert.deepEqual(segments, [0, 0, 0, 0, 0, 1, 1, 1, 1]);
  assert.equal(sentenceBStart, 5);
});

test('RoBERTa-style: </s></s> between the sentences is the pair separator, and B starts after both', () => {
  const { ours } = robertaLikePair();
  assert.deepEqual(ours.pairSeparators, ['</s></s>', '</s>']);
  const text = 'Hi there</s></s>Bye now';
  const { tokens, sentenceBStart } = ours.encodePair(text, findPairSplit(text, ours.pairSeparators));
  assert.deepEqual(
    tokens.map((t) => t.piece),
    ['<s>', 'Hi', 'Ġthere', '</s>', '</s>', 'By', 'e', 'Ġnow', '</s>'],
  );
  assert.equal(sentenceBStart, 5);
});

test('GPT-2 has no pair template: a pair is refused with a reason', async () => {
  const gpt2 = await loadTextTokenizer(path.join(repoRoot, 'models', 'lens-gpt2-mini'));
  assert.deepEqual(gpt2.pairSeparators, []);
  assert.throws(() => fitPairToModel(gpt2, 'a\n\nb', 64), /no sentence-pair template/);
});

test('a long pair keeps sentence A whole and cuts B at its end; the last [SEP] moves to the cut', async () => {
  const ours = await loadTextTokenizer(embeddedBert);
  const text = 'the cat sat [SEP] one two three four five six';
  const window = fitPairToModel(ours, text, 9);
  assert.deepEqual(
    window.tokens.map((t) => t.piece),
    ['[CLS]', 'the', 'cat', 'sat', '[SEP]', 'one', 'two', 'three', '[SEP]'],
  );
  assert.deepEqual(window.pair, { segments: [0, 0, 0, 0, 0, 1, 1, 1, 1], sentenceBStart: 5 });
  const last = window.tokens[8];
  assert.equal(last.start, text.indexOf('three') + 5);
  assert.match(window.truncation!.message, /needs 12 tokens as a pair; the model takes 9/);
  assert.throws(() => fitPairToModel(ours, text, 5), /first sentence of the pair needs 5 tokens/);
});

test('a pair’s segment ids are fed as token_type_ids, the same row for every row of a batch', () => {
  const specs = ['input_ids', 'attention_mask', 'token_type_ids'].map((name) => ({ name, type: 'int64', shape: ['batch', 'sequence'] }));
  const shape = { inputs: ['input_ids', 'attention_mask', 'token_type_ids'], heads: 1, headDim: 1 };
  const feeds = buildFeeds(specs, [1, 2, 3, 4, 5, 6], 2, 3, shape, [0, 1, 1]);
  assert.deepEqual(Array.from(feeds.token_type_ids.data as BigInt64Array, Number), [0, 1, 1, 0, 1, 1]);
  const single = buildFeeds(specs, [1, 2, 3], 1, 3, shape);
  assert.deepEqual(Array.from(single.token_type_ids.data as BigInt64Array, Number), [0, 0, 0]);
});
