// Compare Tokenizers in the core and the CLI: boundaries compared on the characters (whitespace attribution is not
// a difference), the figures, the drawn cap, the validation of the view's messages, and `attention-lens tokenize`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { comparisonView, drawnLength } from '../../src/compare/comparisonView';
import { tokenizerSources } from '../../src/compare/tokenizerSources';
import { boundariesOf, compareTokenizers } from '../../src/core/tokenize/compareTokenizers';
import { loadTextTokenizer } from '../../src/core/tokenize/textTokenizer';
import type { Token } from '../../src/core/types';
import { parseFromCompareWebview } from '../../src/protocol';
import { repoRoot } from '../support/paths';
import { fixtures } from './tokenizeSupport';

const span = (start: number, end: number, special = false): Token => ({
  index: 0,
  id: 0,
  piece: '',
  display: '',
  start,
  end,
  special,
  continuation: false,
  partialChar: false,
});

test('boundaries: one that falls in whitespace counts where the next word starts; the text’s ends and empty spans are none', () => {
  const text = 'the cat  sat';
  // WordPiece leaves the spaces out; byte-level BPE puts them at the start of the next token.
  const wordPiece = boundariesOf(text, [span(0, 0, true), span(0, 3), span(4, 7), span(9, 12), span(12, 12, true)]);
  const byteLevel = boundariesOf(text, [span(0, 3), span(3, 7), span(7, 8), span(8, 12)]);
  assert.deepEqual([...wordPiece].sort(), [4, 9]);
  assert.deepEqual([...byteLevel].sort(), [4, 9]);
});

async function embedded() {
  return [
    { name: 'lens-bert-mini', tokenizer: await loadTextTokenizer(path.join(repoRoot, 'models', 'lens-bert-mini')) },
    { name: 'lens-gpt2-mini', tokenizer: await loadTextTokenizer(path.join(repoRoot, 'models', 'lens-gpt2-mini')) },
    { name: 'tiny-sp-bpe', tokenizer: await loadTextTokenizer(path.join(fixtures, 'tiny-sp-bpe')) },
  ];
}

test('WordPiece, byte-level BPE and SentencePiece BPE on one text: differing boundaries, unknown and byte pieces, figures', async () => {
  const text = 'The unhappiest cat 🙂 sat.';
  const c = compareTokenizers(text, await embedded());
  const [wp, bpe, sp] = c.tokenizers;
  assert.deepEqual([wp.kind, bpe.kind, sp.kind], ['wordpiece', 'byte-bpe', 'sentencepiece-bpe']);
  // "unhappiest": WordPiece un|##ha|##pp|##iest (6, 8, 10), GPT-2 Ġunh|app|iest (7, 10).
  assert.ok(c.differing.includes(6) && c.differing.includes(7) && c.differing.includes(8));
  assert.ok(!c.differing.includes(4), 'the start of "unhappiest" is every tokenizer’s boundary');
  for (const b of c.differing) {
    const having = c.tokenizers.filter((t) => boundariesOf(text, t.tokens).has(b)).length;
    assert.ok(having > 0 && having < 3, `boundary ${b} is some tokenizers’, not all`);
  }
  assert.equal(wp.stats.unknown, 1, 'the emoji is [UNK] to WordPiece');
  assert.equal(wp.stats.added, 2);
  assert.equal(bpe.stats.unknown, 0);
  assert.equal(sp.stats.byteFallback, sp.tokens.filter((t) => /^<0x[0-9A-F]{2}>$/.test(t.piece)).length);
  assert.ok(sp.stats.byteFallback >= 4, 'the emoji’s four UTF-8 bytes as <0xNN> pieces');
  for (const t of c.tokenizers) {
    assert.equal(t.stats.tokens, t.tokens.filter((x) => x.end > x.start).length);
    assert.equal(t.stats.charsPerToken, text.length / t.stats.tokens);
    const own = [...boundariesOf(text, t.tokens)].filter((b) => c.differing.includes(b)).length;
    assert.equal(t.stats.differingBoundaries, own);
  }
});

test('the view draws whole lines up to the cap and the tokens within them; the figures stay the whole text’s', async () => {
  assert.equal(drawnLength('short'), 5);
  assert.equal(drawnLength('ab\ncd\nef', 7), 6);
  assert.equal(drawnLength('abcdefgh', 4), 4, 'a first line longer than the cap is cut at the cap');
  const text = 'one two three\nfour five six\nseven eight nine\n'.repeat(200);
  const c = compareTokenizers(text, await embedded());
  const view = comparisonView(3, 'x', text, c);
  assert.ok(view.text.length < text.length && view.text.length <= 6000 && view.text.endsWith('\n'));
  assert.equal(view.textLength, text.length);
  for (const [i, row] of view.rows.entries()) {
    assert.deepEqual(row.stats, c.tokenizers[i].stats);
    assert.ok(row.tokens.every((t) => t.start < view.text.length || (t.special && t.start === t.end)));
    assert.ok(row.tokens.length < c.tokenizers[i].tokens.length);
  }
  assert.ok(view.differing.every((b) => b < view.text.length));
  assert.equal(view.differingTotal, c.differing.length);
});

test('messages from the compare view are validated: known types and well-formed fields only', () => {
  assert.deepEqual(parseFromCompareWebview({ type: 'ready' }), { ok: true, message: { type: 'ready' } });
  assert.deepEqual(parseFromCompareWebview({ type: 'revealSpan', start: 3, end: 7, extra: 'x' }), {
    ok: true,
    message: { type: 'revealSpan', start: 3, end: 7 },
  });
  assert.deepEqual(parseFromCompareWebview({ type: 'export', format: 'json' }), { ok: true, message: { type: 'export', format: 'json' } });
  assert.deepEqual(parseFromCompareWebview({ type: 'export', format: 'png' }), { ok: true, message: { type: 'export', format: 'png' } });
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
  assert.deepEqual(parseFromCompareWebview({ type: 'exportRendered', requestId: 2, format: 'png', data: png, path: '/x' }), {
    ok: true,
    message: { type: 'exportRendered', requestId: 2, format: 'png', data: png, error: undefined },
  });
  for (const bad of [
    { type: 'exportRendered', requestId: -1, format: 'png', data: png },
    { type: 'exportRendered', requestId: 1, format: 'html', data: '<p>' },
    { type: 'exportRendered', requestId: 1, format: 'svg', data: 42 },
    { type: 'exportRendered', requestId: 1, format: 'svg', data: '', error: {} },
    null,
    [],
    { type: 'revealSpan', start: 7, end: 3 },
    { type: 'revealSpan', start: -1, end: 3 },
    { type: 'revealSpan', start: '1', end: 3 },
    { type: 'export', format: '../x' },
    { type: '__proto__' },
  ]) {
    assert.equal(parseFromCompareWebview(bad).ok, false, JSON.stringify(bad));
  }
});

const cli = path.join(repoRoot, 'dist', 'cli.js');
const run = (args: string[], input?: string) => spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', timeout: 60_000 });

test('attention-lens tokenize prints one JSON: each tokenizer’s tokens (id, piece, UTF-16 span) and the differing boundaries', async () => {
  const text = 'Zürich 🙂 unhappiest\r\n\ttabs';
  const out = run([
    'tokenize',
    '--tokenizer',
    'default-masked',
    '--tokenizer',
    'lens-gpt2-mini',
    '--tokenizer',
    path.join(fixtures, 'tiny-sp-bpe'),
    '--text',
    text,
  ]);
  assert.equal(out.status, 0, out.stderr);
  const doc = JSON.parse(out.stdout) as {
    textLength: number;
    tokenizers: { name: string; kind: string; tokens: { id: number; piece: string; start: number; end: number; special: boolean }[] }[];
    differing: number[];
  };
  assert.equal(doc.textLength, text.length);
  assert.deepEqual(
    doc.tokenizers.map((t) => [t.name, t.kind]),
    [
      ['default-masked', 'wordpiece'],
      ['lens-gpt2-mini', 'byte-bpe'],
      [path.join(fixtures, 'tiny-sp-bpe'), 'sentencepiece-bpe'],
    ],
  );
  const named = await embedded();
  doc.tokenizers.forEach((t, i) => {
    const ours = named[i].tokenizer.encode(text);
    assert.deepEqual(
      t.tokens,
      ours.map(({ id, piece, start, end, special }) => ({ id, piece, start, end, special })),
    );
  });
  assert.deepEqual(doc.differing, compareTokenizers(text, named).differing);
  // stdin, and the errors: one line, a non-zero exit.
  const piped = run(['tokenize', '--tokenizer', 'default-causal'], 'from stdin');
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(JSON.parse(piped.stdout).textLength, 'from stdin'.length);
  const none = run(['tokenize', '--text', 'x']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /--tokenizer is required/);
  const missing = run(['tokenize', '--tokenizer', './no/such/folder', '--text', 'x']);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
});

test('attention-lens inspect --pair: segment ids, sentence B’s start, and whether the model was fed them', () => {
  const out = run(['inspect', '--model', 'default-masked', '--pair', '--text', 'Who sat?\n\nThe [MASK] sat.', '--device', 'cpu']);
  assert.equal(out.status, 0, out.stderr);
  const doc = JSON.parse(out.stdout);
  assert.deepEqual(doc.pair, { segments: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1], sentenceBStart: 5, segmentsFed: true });
  assert.deepEqual(
    doc.tokens.map((t: { piece: string }) => t.piece),
    ['[CLS]', 'who', 'sat', '?', '[SEP]', 'the', '[MASK]', 'sat', '.', '[SEP]'],
  );
  assert.equal(doc.predictions.masks[0].position, 6);
  const causal = run(['inspect', '--model', 'default-causal', '--pair', '--text', 'a\n\nb', '--device', 'cpu']);
  assert.equal(causal.status, 1);
  assert.match(causal.stderr, /no sentence-pair template/);
});

test('the tokenizers compared: the loaded model’s first, then the embedded ones, then recent ones on disk; each folder once', () => {
  const where = { embeddedDir: path.join(repoRoot, 'models'), cacheDir: path.join(repoRoot, 'no-cache'), hubUrl: 'http://127.0.0.1:9' };
  const tinyBert = path.join(repoRoot, 'test', 'fixtures', 'models', 'tiny-bert');
  const sources = tokenizerSources(
    { name: tinyBert, folder: tinyBert },
    ['default-causal', './nowhere', 'owner/not-downloaded', tinyBert],
    where,
  );
  assert.deepEqual(
    sources.map((s) => s.name),
    ['tiny-bert', 'lens-bert-mini', 'lens-gpt2-mini'],
  );
  assert.equal(sources[0].folder, tinyBert);
  assert.deepEqual(
    tokenizerSources(undefined, [], where).map((s) => s.name),
    ['lens-bert-mini', 'lens-gpt2-mini'],
  );
});
