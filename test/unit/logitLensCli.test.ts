// `attention-lens inspect --logit-lens`: logitLens[layer][position], each cell the layer's top-k there.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fixtureModel, repoRoot } from '../support/paths';

const cli = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });

interface Cell {
  id: number;
  token: string;
  probability: number;
}

test('inspect --logit-lens prints every layer at every position, the last layer being the predictions, as PyTorch computes them', () => {
  const ref = JSON.parse(readFileSync(path.join(fixtureModel('tiny-gpt2'), 'logit_lens.json'), 'utf8')) as {
    text: string;
    layers: { top_ids: number[]; top_probabilities: number[] }[][];
  };
  const out = run(['inspect', '--model', fixtureModel('tiny-gpt2'), '--text', ref.text, '--logit-lens', '--top-k', '3', '--device', 'cpu']);
  assert.equal(out.status, 0, out.stderr);
  const doc = JSON.parse(out.stdout) as { tokens: unknown[]; logitLens: Cell[][][]; predictions: { next: { top: Cell[] }[] } };
  assert.equal(doc.logitLens.length, 3);
  doc.logitLens.forEach((row, l) => {
    assert.equal(row.length, doc.tokens.length);
    row.forEach((cell, p) => {
      assert.equal(cell.length, 3);
      assert.deepEqual(
        cell.map((x) => x.id),
        ref.layers[l][p].top_ids.slice(0, 3),
        `layer ${l}, position ${p}`,
      );
      cell.forEach((x, j) => assert.ok(Math.abs(x.probability - ref.layers[l][p].top_probabilities[j]) <= 1e-4));
      assert.ok(cell.every((x) => typeof x.token === 'string' && x.token.length > 0));
    });
  });
  assert.deepEqual(
    doc.logitLens.at(-1),
    doc.predictions.next.map((n) => n.top),
  );
});

test('inspect --logit-lens on a model without one is one line on stderr and exit code 1', () => {
  const out = run(['inspect', '--model', fixtureModel('tiny-bert-nosoftmax'), '--text', 'a [MASK] b', '--logit-lens', '--device', 'cpu']);
  assert.equal(out.status, 1);
  assert.equal(out.stdout, '');
  assert.match(out.stderr.trim(), /^attention-lens: the logit lens is not available for this model: .*Softmax[^\n]*$/);
});

test("inspect --logit-lens on an encoder–decoder run prints the decoder's layers at the target's positions, as PyTorch does", () => {
  const ref = JSON.parse(readFileSync(path.join(fixtureModel('tiny-t5'), 'logit_lens.json'), 'utf8')) as {
    text: string;
    target: string;
    layers: { top_ids: number[]; top_probabilities: number[] }[][];
  };
  const args = ['inspect', '--model', fixtureModel('tiny-t5'), '--text', ref.text, '--target', ref.target, '--logit-lens', '--top-k', '3'];
  const out = run([...args, '--device', 'cpu']);
  assert.equal(out.status, 0, out.stderr);
  const doc = JSON.parse(out.stdout) as { targetTokens: unknown[]; logitLens: Cell[][][]; predictions: { next: { top: Cell[] }[] } };
  // tiny-t5's decoder has 3 layers (its encoder 2).
  assert.equal(doc.logitLens.length, 3);
  doc.logitLens.forEach((row, l) => {
    assert.equal(row.length, doc.targetTokens.length);
    row.forEach((cell, p) => {
      const expected = ref.layers[l][p];
      cell.forEach((x, j) => assert.ok(Math.abs(x.probability - expected.top_probabilities[j]) <= 1e-4, `layer ${l}, position ${p}`));
    });
  });
  assert.deepEqual(
    doc.logitLens.at(-1),
    doc.predictions.next.map((n) => n.top),
  );
});
