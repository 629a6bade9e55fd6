// The command-line entry: JSON on stdout, one plain line on stderr for errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fixtureModel, repoRoot } from '../support/paths';
import { loadReference, type ReferenceCase } from '../support/reference';
import { assertRolloutMatches, naiveRollout } from '../support/rolloutReference';

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

test('the embedded default models are found from the compiled CLI too (out/src/models holds host code, not models)', () => {
  const out = run(['inspect', '--model', 'default-masked', '--text', 'Paris is the [MASK] of France.', '--device', 'cpu']);
  assert.equal(out.status, 0, out.stderr);
  const doc = JSON.parse(out.stdout);
  assert.deepEqual([doc.model.id, doc.model.source], ['lens-bert-mini', 'embedded']);
  assert.equal(doc.predictions.masks.length, 1);
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

/** The printed maps, attention[layer][head][query][key] rounded to 6 decimals, within 1e-5 of PyTorch's. */
function assertMapsMatch(attention: number[][][][], ref: ReferenceCase, name: string): void {
  const printed = attention.flat(3);
  const expected = ref.attentions.flatMap((layer) => Array.from(layer));
  assert.equal(printed.length, expected.length, `${name}: every layer, head, query and key`);
  const worst = printed.reduce((max, x, i) => Math.max(max, Math.abs(x - expected[i])), 0);
  assert.ok(worst <= 1e-5, `${name}: maps differ from PyTorch's by ${worst}`);
}

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
    assertMapsMatch(doc.attention, ref, name);
  }
});

test('inspect an encoder–decoder model: targetTokens, next over the target and the three sets as PyTorch computed them', () => {
  interface Seq2SeqCase {
    source: string;
    target: string | null;
    target_ids: number[];
    encoder: number[][][][];
    decoder: number[][][][];
    cross: number[][][][];
  }
  for (const name of ['tiny-t5', 'tiny-marian', 'tiny-bart']) {
    const file = path.join(fixtureModel(name), 'reference.json');
    const { cases } = JSON.parse(readFileSync(file, 'utf8')) as { cases: Seq2SeqCase[] };
    for (const ref of [cases[1], cases[2]]) {
      const target = ref.target === null ? [] : ['--target', ref.target];
      const out = run(['inspect', '--model', fixtureModel(name), '--text', ref.source, ...target, '--attention', '--device', 'cpu']);
      assert.equal(out.status, 0, out.stderr);
      const doc = JSON.parse(out.stdout);
      assert.equal(doc.model.kind, 'seq2seq');
      assert.equal(doc.predictions.kind, 'causal');
      assert.deepEqual(
        doc.targetTokens.map((t: { id: number }) => t.id),
        ref.target_ids,
      );
      assert.equal(doc.target.generated, ref.target === null);
      assert.equal(doc.predictions.next.length, ref.target_ids.length);
      // Each entry's actualProbability is that of the target token after it: none follows the last.
      assert.ok(doc.predictions.next[0].actualProbability > 0);
      assert.equal(doc.predictions.next.at(-1).actualProbability, null);
      for (const set of ['encoder', 'decoder', 'cross'] as const) {
        const printed = doc.attention[set] as number[][][][];
        let worst = 0;
        ref[set].forEach((layer, l) =>
          layer.forEach((head, h) =>
            head.forEach((row, q) => row.forEach((x, k) => (worst = Math.max(worst, Math.abs(printed[l][h][q][k] - x))))),
          ),
        );
        // Printed with 6 decimals: within half of 1e-6 of the maps, which are within 1e-5 of PyTorch's.
        assert.ok(worst <= 1e-5 + 5e-7, `${name} ${set}: ${worst}`);
      }
    }
  }
});
test("inspect --attention on BERT's relatives prints PyTorch's maps within 1e-5 and fills each model's own mask token", () => {
  // layers, heads, hidden width (not ALBERT's or ELECTRA's embedding width) and usable positions (RoBERTa's 66 rows
  // less the padding index + 1) read from each family's own config keys.
  const expected: [string, string, string, string, number[]][] = [
    ['tiny-roberta', 'roberta', 'byte-bpe', '<mask>', [2, 4, 32, 64]],
    ['tiny-xlm-roberta', 'xlm-roberta', 'unigram', '<mask>', [2, 4, 32, 64]],
    ['tiny-distilbert', 'distilbert', 'wordpiece', '[MASK]', [6, 4, 16, 64]],
    ['tiny-albert', 'albert', 'unigram', '[MASK]', [3, 4, 32, 64]],
    ['tiny-electra', 'electra', 'wordpiece', '[MASK]', [2, 4, 32, 64]],
  ];
  for (const [name, modelType, tokenizer, maskToken, shape] of expected) {
    const [ref] = loadReference(path.join(fixtureModel(name), 'reference.json')).cases;
    assert.ok(ref.text.includes(maskToken), `${name}: the first reference text holds ${maskToken}`);
    const out = run(['inspect', '--model', fixtureModel(name), '--text', ref.text, '--attention', '--top-k', '5', '--device', 'cpu']);
    assert.equal(out.status, 0, out.stderr);
    const doc = JSON.parse(out.stdout);
    const { family, kind, task } = doc.model;
    assert.deepEqual(
      { family, kind, task, modelType: doc.model.modelType, tokenizer: doc.model.tokenizer, maskToken: doc.model.maskToken },
      { family: 'bert', kind: 'masked', task: 'fill-mask', modelType, tokenizer, maskToken },
      name,
    );
    assert.deepEqual([doc.model.layers, doc.model.heads, doc.model.hiddenSize, doc.model.maxPositions], shape, name);
    const tokens = doc.tokens as { id: number; piece: string; start: number; end: number }[];
    assert.deepEqual(
      tokens.map((t) => t.id),
      ref.inputIds,
      `${name}: token ids`,
    );
    // The literal mask token is the token, its span exactly its characters in the text.
    const maskPositions = tokens.flatMap((t, i) => (t.piece === maskToken ? [i] : []));
    assert.ok(maskPositions.length > 0, `${name}: ${maskToken} is one token`);
    for (const p of maskPositions) assert.equal(ref.text.slice(tokens[p].start, tokens[p].end), maskToken, `${name}: mask span`);
    const masks = doc.predictions.masks as { position: number; top: { id: number }[] }[];
    assert.deepEqual(
      masks.map((m) => m.position),
      maskPositions,
      `${name}: one fill per mask`,
    );
    for (const m of masks) {
      assert.deepEqual(
        m.top.map((x) => x.id),
        ref.topIds[m.position].slice(0, 5),
        `${name}: fill at ${m.position}`,
      );
    }
    assertMapsMatch(doc.attention, ref, name);
  }
});

test('long input to a RoBERTa is cut to the positions after its padding index: 64 tokens of 66 rows run, the last </s>', () => {
  const out = run(['inspect', '--model', fixtureModel('tiny-roberta'), '--text', 'word '.repeat(200), '--device', 'cpu']);
  assert.equal(out.status, 0, out.stderr);
  const doc = JSON.parse(out.stdout);
  assert.equal(doc.tokens.length, 64);
  assert.equal(doc.tokens.at(-1).piece, '</s>');
  assert.equal(doc.truncation.keptTokens, 64);
  assert.ok(doc.truncation.totalTokens > 200, 'one token or more per word');
});

test('cli --rollout: rollout[layer][q][k] is the direct rollout of the printed maps; per self-attention set for encoder–decoder', () => {
  const masked = run([
    'inspect',
    '--model',
    fixtureModel('tiny-bert'),
    '--text',
    'The capital of France is [MASK].',
    '--attention',
    '--rollout',
  ]);
  assert.equal(masked.status, 0, masked.stderr);
  const doc = JSON.parse(masked.stdout) as { attention: number[][][][]; rollout: number[][][] };
  const tokens = doc.attention[0][0].length;
  const expected = naiveRollout(
    doc.attention.map((layer) => layer.flat(2)),
    doc.attention[0].length,
    tokens,
  );
  // The maps and the rollout are both printed to 6 decimals.
  assertRolloutMatches(
    doc.rollout.map((r) => r.flat()),
    expected,
    tokens,
    2e-6 * tokens,
    'cli',
  );
  const seq2seq = run(['inspect', '--model', fixtureModel('tiny-t5'), '--text', 'the cat sat', '--target', 'die Katze', '--rollout']);
  assert.equal(seq2seq.status, 0, seq2seq.stderr);
  const sets = JSON.parse(seq2seq.stdout) as { rollout: Record<string, number[][][]>; attention?: unknown };
  assert.deepEqual(Object.keys(sets.rollout), ['encoder', 'decoder'], 'no rollout of cross-attention');
  assert.equal(sets.attention, undefined, 'the maps are printed only with --attention');
});
