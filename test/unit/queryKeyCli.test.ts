// `attention-lens inspect --query-key L.H.T`: the reading in the JSON document, equal to the PyTorch golden
// (query_key.json) within the JSON's 6 decimals, and plain errors for a bad argument or a fused export.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseQueryKeyArg } from '../../src/cli/queryKeyArg';
import { fixtureModel, repoRoot } from '../support/paths';

const cli = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');
const run = (args: string[]) =>
  spawnSync(process.execPath, [cli, 'inspect', '--device', 'cpu', ...args], { encoding: 'utf8', timeout: 60_000 });

interface Golden {
  text: string;
  layers: { q: number[][][]; k: number[][][]; scores: (number | null)[][][] }[];
}

const TOLERANCE = 1e-4;

test('--query-key 1.3.4 on tiny-llama prints q, k (after rotary), scores, probs and the shared key/value head', () => {
  const golden = JSON.parse(readFileSync(path.join(fixtureModel('tiny-llama'), 'query_key.json'), 'utf8')) as Golden;
  const out = run(['--model', fixtureModel('tiny-llama'), '--text', golden.text, '--query-key', '1.3.4']);
  assert.equal(out.status, 0, out.stderr);
  const doc = JSON.parse(out.stdout) as {
    attention?: unknown;
    queryKey: { layer: number; head: number; token: number; kvHead: number; dim: number; scale: number; q: number[]; k: number[][] };
  } & { queryKey: { scores: (number | null)[]; probs: number[] } };
  const qk = doc.queryKey;
  assert.equal(doc.attention, undefined, 'the maps only with --attention');
  assert.deepEqual([qk.layer, qk.head, qk.token, qk.kvHead, qk.dim], [1, 3, 4, 1, 16]);
  assert.ok(Math.abs(qk.scale - 0.25) < 1e-6, `scale ${qk.scale} is 1/√16`);
  const g = golden.layers[1];
  qk.q.forEach((x, c) => assert.ok(Math.abs(x - g.q[3][4][c]) <= TOLERANCE, `q[${c}]`));
  qk.k.forEach((row, j) => row.forEach((x, c) => assert.ok(Math.abs(x - g.k[3][j][c]) <= TOLERANCE, `k[${j}][${c}]`)));
  qk.scores.forEach((s, j) => {
    const e = g.scores[3][4][j];
    if (e === null) assert.equal(s, null, `key ${j} after the query is masked`);
    else assert.ok(s !== null && Math.abs(s - e) <= TOLERANCE, `score ${j}: ${s}, PyTorch ${e}`);
  });
  assert.ok(Math.abs(qk.probs.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'the probabilities sum to 1');
  assert.ok(
    qk.probs.slice(5).every((p) => p === 0),
    'a causal row is 0 after the query',
  );
});

test('--query-key refuses a malformed argument, a head past the set and a fused export, each in one line', () => {
  const malformed = run(['--model', fixtureModel('tiny-gpt2'), '--text', 'Hello', '--query-key', '1.x']);
  assert.equal(malformed.status, 2);
  assert.match(malformed.stderr, /--query-key needs LAYER\.HEAD\.TOKEN/);
  const head = run(['--model', fixtureModel('tiny-gpt2'), '--text', 'Hello world', '--query-key', '0.4.0']);
  assert.equal(head.status, 1);
  assert.match(head.stderr, /head 4 is not one of the set's 4 heads/);
  const fused = run(['--model', fixtureModel('tiny-llama-gqa'), '--text', 'Hello world', '--query-key', '0.0.1']);
  assert.equal(fused.status, 1);
  assert.match(fused.stderr, /fused GroupQueryAttention/);
  assert.deepEqual(parseQueryKeyArg('2.5.17'), { layer: 2, head: 5, token: 17 });
  assert.equal(parseQueryKeyArg('2.5'), undefined);
});
