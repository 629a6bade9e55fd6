// `attention-lens inspect --ablate`: the predictions with heads ablated, against PyTorch's (ablation.json beside the
// fixtures, tools/lens_models/ablation_reference.py), the heads echoed, and a clear message for a bad head list.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fixtureModel, repoRoot } from '../support/paths';

const cli = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');
const run = (args: string[]) =>
  spawnSync(process.execPath, [cli, 'inspect', '--device', 'cpu', ...args], { encoding: 'utf8', timeout: 60_000 });

interface GoldenCase {
  text: string;
  heads: string[];
  mode: string;
  positions: { position: number; top_ids: number[]; top_probabilities: number[] }[];
}

const golden = (model: string, mode: string) =>
  (JSON.parse(readFileSync(path.join(fixtureModel(model), 'ablation.json'), 'utf8')) as { cases: GoldenCase[] }).cases.find(
    (c) => c.mode === mode && c.heads.length > 1,
  )!;

interface Entry {
  position: number;
  top: { id: number; probability: number }[];
  actualProbability?: number | null;
}

for (const [model, list, mode] of [
  ['tiny-bert', 'masks', 'zero'],
  ['tiny-gpt2', 'next', 'mean'],
] as const) {
  test(`${model} --ablate (${mode}) gives PyTorch's top-10 within 1e-4 and echoes the heads`, () => {
    const ref = golden(model, mode);
    const out = run([
      '--model',
      fixtureModel(model),
      '--text',
      ref.text,
      '--top-k',
      '10',
      '--ablate',
      ref.heads.join(','),
      '--ablate-mode',
      mode,
    ]);
    assert.equal(out.status, 0, out.stderr);
    const doc = JSON.parse(out.stdout) as { ablated: string[]; predictions: Record<string, Entry[]>; ablation: { mode: string } };
    assert.deepEqual(doc.ablated, ref.heads);
    assert.equal(doc.ablation.mode, mode);
    const entries = new Map(doc.predictions[list].map((e) => [e.position, e]));
    for (const expected of ref.positions) {
      const top = entries.get(expected.position)!.top;
      assert.equal(top.length, 10);
      expected.top_ids.forEach((id, j) => {
        const got = top.find((p) => p.id === id);
        assert.ok(got, `id ${id} in the top 10 at ${expected.position}`);
        assert.ok(Math.abs(got.probability - expected.top_probabilities[j]) <= 1e-4, `p(${id}) at ${expected.position}`);
      });
    }
  });
}

test('--ablate keeps the plain run’s top-k as each change’s "before", and moves the next token’s probability', () => {
  const args = ['--model', fixtureModel('tiny-gpt2'), '--text', 'The cat sat on the mat', '--top-k', '3'];
  const plain = JSON.parse(run(args).stdout) as { predictions: { next: Entry[] } };
  const out = run([...args, '--ablate', '0.0,1.1,2.2']);
  assert.equal(out.status, 0, out.stderr);
  const doc = JSON.parse(out.stdout) as {
    predictions: { next: Entry[] };
    ablation: { positions: { position: number; changes: { id: number; before: { probability: number; rank: number } | null }[] }[] };
  };
  for (const [i, entry] of plain.predictions.next.entries()) {
    const befores = doc.ablation.positions[i].changes
      .filter((c) => c.before && c.before.rank <= 3)
      .sort((a, b) => a.before!.rank - b.before!.rank);
    assert.deepEqual(
      befores.map((c) => [c.id, c.before!.probability]),
      entry.top.map((p) => [p.id, p.probability]),
    );
  }
  const moved = doc.predictions.next.filter((e, i) => e.actualProbability !== plain.predictions.next[i].actualProbability);
  assert.equal(moved.length, doc.predictions.next.length - 1, 'every position but the last has a next token, moved by the ablation');
});

test('a malformed --ablate is a usage error; a head the model lacks and a fused export are one line each', () => {
  const malformed = run(['--model', fixtureModel('tiny-gpt2'), '--text', 'hi', '--ablate', '0-1']);
  assert.equal(malformed.status, 2);
  assert.match(malformed.stderr, /^attention-lens: --ablate: "0-1" is not a head: write LAYER\.HEAD/);
  for (const [model, heads, message] of [
    ['tiny-gpt2', '3.0', /^attention-lens: --ablate: head 3\.0: layer 3 does not exist \(layers 0-2\)$/],
    ['tiny-gpt2', '0.4', /^attention-lens: --ablate: head 0\.4: head 4 does not exist \(heads 0-3\)$/],
    ['tiny-llama-gqa', '0.0', /^attention-lens: heads cannot be ablated in this model: .*GroupQueryAttention/],
  ] as const) {
    const out = run(['--model', fixtureModel(model), '--text', 'hi', '--ablate', heads]);
    assert.equal(out.status, 1, out.stdout);
    assert.equal(out.stdout, '');
    const lines = out.stderr.trim().split('\n');
    assert.equal(lines.length, 1, out.stderr);
    assert.match(lines[0], message);
  }
});

test("an encoder–decoder model's heads are named by set: --ablate 'encoder 1.3,decoder 0.2,cross 1.1' gives PyTorch's top-10", () => {
  const ref = JSON.parse(readFileSync(path.join(fixtureModel('tiny-bart'), 'ablation.json'), 'utf8')) as {
    text: string;
    target: string;
    cases: GoldenCase[];
  };
  const c = ref.cases.find((x) => x.mode === 'mean')!;
  const args = ['--model', fixtureModel('tiny-bart'), '--text', ref.text, '--target', ref.target, '--top-k', '10'];
  const out = run([...args, '--ablate', c.heads.join(','), '--ablate-mode', 'mean']);
  assert.equal(out.status, 0, out.stderr);
  const doc = JSON.parse(out.stdout) as { ablated: string[]; predictions: { next: Entry[] } };
  assert.deepEqual(doc.ablated, c.heads);
  for (const expected of c.positions) {
    const top = doc.predictions.next[expected.position].top;
    expected.top_ids.forEach((id, j) => {
      const got = top.find((p) => p.id === id);
      assert.ok(got && Math.abs(got.probability - expected.top_probabilities[j]) <= 1e-4, `p(${id}) at ${expected.position}`);
    });
  }
  const unnamed = run([...args, '--ablate', '0.1']);
  assert.equal(unnamed.status, 1);
  assert.match(unnamed.stderr.trim(), /^attention-lens: --ablate: head 0\.1: name its attention set \(encoder, decoder, cross\)/);
});
