// Loading tokenizers from model folders (facts read from the files, errors that name the file), and a
// 100,000-character input through the whole aligner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LensError } from '../../src/core/types';
import { loadTextTokenizer } from '../../src/core/tokenize/textTokenizer';
import { CORPUS, checkSpans, fixtureJson, fixturePair, fixtures } from './tokenizeSupport';

test('fixture folders load with the facts of their own files', async () => {
  const bert = await loadTextTokenizer(path.join(fixtures, 'bert-base-uncased'));
  assert.deepEqual([bert.kind, bert.vocabSize, bert.maskToken, bert.maskTokenId], ['wordpiece', 30522, '[MASK]', 103]);
  assert.deepEqual(
    [...bert.specialIds].sort((a, b) => a - b),
    [0, 100, 101, 102, 103],
  );
  const gpt2 = await loadTextTokenizer(path.join(fixtures, 'gpt2'));
  assert.deepEqual([gpt2.kind, gpt2.vocabSize, gpt2.maskToken, gpt2.maskTokenId], ['byte-bpe', 50257, undefined, undefined]);
  assert.deepEqual([gpt2.specialTokensBefore, gpt2.specialTokensAfter], [0, 0]);
  assert.deepEqual([...gpt2.specialIds], [50256]);
});

/** A folder with the given files (objects are written as JSON, strings as they are). */
function folderWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lens-tokenizer-'));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

async function rejectsWith(folder: string, code: string, mentions: RegExp): Promise<void> {
  try {
    await assert.rejects(loadTextTokenizer(folder), (e: unknown) => {
      assert.ok(e instanceof LensError, `expected a LensError, got ${String(e)}`);
      assert.equal(e.code, code);
      assert.match(e.message, mentions);
      return true;
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

test('missing or broken files give a LensError that names the file', async () => {
  const config = fixtureJson('bert-base-uncased', 'tokenizer_config.json');
  const tokenizer = fixtureJson('bert-base-uncased', 'tokenizer.json');
  const gone = folderWith({});
  rmSync(gone, { recursive: true });
  await rejectsWith(gone, 'model-not-found', /model folder not found/);
  await rejectsWith(folderWith({ 'tokenizer_config.json': config }), 'model-not-found', /tokenizer\.json is missing/);
  await rejectsWith(folderWith({ 'tokenizer.json': tokenizer }), 'model-not-found', /tokenizer_config\.json is missing/);
  await rejectsWith(
    folderWith({ 'tokenizer.json': '{"model": ', 'tokenizer_config.json': config }),
    'model-invalid',
    /tokenizer\.json is not valid JSON/,
  );
  await rejectsWith(
    folderWith({ 'tokenizer.json': tokenizer, 'tokenizer_config.json': '[1, 2]' }),
    'model-invalid',
    /tokenizer_config\.json does not hold a JSON object/,
  );
  await rejectsWith(
    folderWith({ 'tokenizer.json': { version: '1.0' }, 'tokenizer_config.json': config }),
    'model-invalid',
    /no "model" section/,
  );
  const dirAsFile = folderWith({ 'tokenizer_config.json': config });
  mkdirSync(path.join(dirAsFile, 'tokenizer.json'));
  await rejectsWith(dirAsFile, 'model-invalid', /tokenizer\.json cannot be read/);
});

test('a tokenizer model or component the inspector cannot align is reported as unsupported', async () => {
  const config = fixtureJson('bert-base-uncased', 'tokenizer_config.json');
  const wordLevel = {
    ...fixtureJson('bert-base-uncased', 'tokenizer.json'),
    model: { type: 'WordLevel', vocab: { a: 0, '[UNK]': 1 }, unk_token: '[UNK]' },
  };
  await rejectsWith(
    folderWith({ 'tokenizer.json': wordLevel, 'tokenizer_config.json': config }),
    'model-unsupported',
    /not WordPiece, BPE or Unigram/,
  );
  const oddNormalizer = { ...fixtureJson('bert-base-uncased', 'tokenizer.json'), normalizer: { type: 'SomethingNew' } };
  await rejectsWith(
    folderWith({ 'tokenizer.json': oddNormalizer, 'tokenizer_config.json': config }),
    'model-unsupported',
    /tokenizer\.json.*SomethingNew/,
  );
});

test('the mask token comes from tokenizer_config.json, else special_tokens_map.json', async () => {
  const config = fixtureJson('bert-base-uncased', 'tokenizer_config.json');
  delete config.mask_token;
  const dir = folderWith({
    'tokenizer.json': fixtureJson('bert-base-uncased', 'tokenizer.json'),
    'tokenizer_config.json': config,
    'special_tokens_map.json': { mask_token: { content: '[MASK]', lstrip: false } },
  });
  try {
    const t = await loadTextTokenizer(dir);
    assert.deepEqual([t.maskToken, t.maskTokenId], ['[MASK]', 103]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('100,000 characters tokenize and align completely (time printed, not asserted)', () => {
  let text = '';
  while (text.length < 100_000) text += CORPUS.join(' ') + '\n';
  text = text.slice(0, 100_000);
  for (const model of ['bert-base-uncased', 'gpt2'] as const) {
    const pair = fixturePair(model);
    pair.ours.encode(text.slice(0, 1000)); // warm the code paths once
    const cpu = process.cpuUsage();
    const started = performance.now();
    const tokens = pair.ours.encode(text);
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    console.log(
      `${model}: 100,000 chars → ${tokens.length} tokens in ${wallMs.toFixed(0)} ms ` +
        `wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU`,
    );
    const last = tokens.filter((t) => !t.special || t.end > t.start).at(-1);
    assert.ok(last && last.end >= text.length - 1, `${model}: the tokens reach the end of the text`);
    // The same invariants as on short texts (ids, order, text, coverage), on the whole long input.
    checkSpans(pair, text, model === 'gpt2' ? { coversAll: true } : { deletes: (ch) => (pair.lib.normalizer?.(ch) ?? ch).trim() === '' });
  }
});
