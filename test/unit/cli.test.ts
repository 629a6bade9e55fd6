// The command-line entry: JSON on stdout, one plain line on stderr for errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { fixtureModel, repoRoot } from '../support/paths';
import { loadReference } from '../support/reference';

const cli = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');
const run = (args: string[], input?: string) => spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', timeout: 60_000 });

test('inspect --attention prints tokens with spans, predictions and every map rounded to 6 decimals', () => {
  const out = run([
    'inspect',
    '--model',
    fixtureModel('tiny-bert'),
    '--text',
    'Paris is the [MASK] of France.',
    '--attention',
    '--top-k',
    '3',
    '--device',
    'cpu',
  ]);
  assert.equal(out.status, 0, out.stderr);
  const doc = JSON.parse(out.stdout);
  assert.equal(doc.model.kind, 'masked');
  assert.equal(doc.device.provider, 'cpu');
  assert.deepEqual(
    doc.tokens.slice(0, 3).map((t: { piece: string; start: number; end: number }) => [t.piece, t.start, t.end]),
    [
      ['[CLS]', 0, 0],
      ['paris', 0, 5],
      ['is', 6, 8],
    ],
  );
  assert.equal(doc.predictions.masks.length, 1);
  assert.equal(doc.predictions.masks[0].top.length, 3);
  assert.equal(doc.attention.length, doc.model.layers);
  const row = doc.attention[0][0][1] as number[];
  assert.equal(row.length, doc.tokens.length);
  assert.ok(row.every((x) => Number.isFinite(x) && Math.round(x * 1e6) / 1e6 === x));
  assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4);
});

test('inspect reads stdin when neither --text nor --file is given, and gives causal next-token predictions', () => {
  const out = run(['inspect', '--model', fixtureModel('tiny-gpt2'), '--device', 'cpu'], 'import numpy as');
  assert.equal(out.status, 0, out.stderr);
  const doc = JSON.parse(out.stdout);
  assert.equal(doc.predictions.kind, 'causal');
  assert.equal(doc.predictions.next.length, doc.tokens.length);
  assert.equal(typeof doc.predictions.next[0].actualProbability, 'number');
  assert.equal(doc.predictions.next.at(-1).actualProbability, null);
});

test('a missing model folder is one line on stderr, exit code 1, no stack trace', () => {
  const out = run(['inspect', '--model', '/nonexistent/model', '--text', 'hi']);
  assert.equal(out.status, 1);
  assert.equal(out.stdout, '');
  assert.equal(out.stderr.trim().split('\n').length, 1);
  assert.match(out.stderr, /^attention-lens: model folder not found: \/nonexistent\/model$/m);
});

test('a bad flag prints the usage and exits 2', () => {
  const out = run(['inspect', '--model', 'x', '--top-k', 'many']);
  assert.equal(out.status, 2);
  assert.match(out.stderr, /--top-k needs a positive whole number/);
  assert.match(out.stderr, /usage: attention-lens inspect/);
});

test("inspect --attention on every decoder test model, optimum's layout and the fused one, prints PyTorch's maps within 1e-5", () => {
  const llama = ['tiny-llama', 'tiny-qwen3', 'tiny-gemma2', 'tiny-gemma3'].flatMap((name) => [name, `${name}-gqa`]);
  const families = { ...Object.fromEntries(llama.map((name) => [name, 'llama'])), 'tiny-gpt-neox': 'gpt_neox', 'tiny-opt': 'opt' };
  for (const [name, family] of Object.entries(families)) {
    const reference = loadReference(path.join(fixtureModel(name), 'reference.json'));
    const [ref] = reference.cases;
    const out = run(['inspect', '--model', fixtureModel(name), '--text', ref.text, '--attention', '--device', 'cpu']);
    assert.equal(out.status, 0, out.stderr);
    const doc = JSON.parse(out.stdout);
    assert.deepEqual([doc.model.family, doc.model.kind], [family, 'causal'], name);
    assert.deepEqual(
      doc.tokens.map((t: { id: number }) => t.id),
      ref.inputIds,
    );
    const printed = (doc.attention as number[][][][]).flat(3);
    const expected = ref.attentions.flatMap((layer) => Array.from(layer));
    assert.equal(printed.length, expected.length, `${name}: every layer, head, query and key`);
    const worst = printed.reduce((max, x, i) => Math.max(max, Math.abs(x - expected[i])), 0);
    assert.ok(worst <= 1e-5, `${name}: maps differ from PyTorch's by ${worst}`);
  }
});
