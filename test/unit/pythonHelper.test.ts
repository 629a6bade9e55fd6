// python/attention_lens.py against the extension: its unittest (Debian's python3-numpy, python3-torch and
// python3-onnx, which test/harness/setup.sh installs) writes run files from plain arrays and from the tiny GPT-2 in
// PyTorch; here they are read as the extension's JSON export is, and the GPT-2 ones held to the extension's own
// ONNX run of the same text: the same tokens and spans, the same maps and rankings.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { parseRunFile } from '../../src/core/runFile/readRunFile';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { allLayers } from '../../src/core/engine/layerMaps';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { jsonReport } from '../../src/export/reports';
import { toRunSummary } from '../../src/session/runSummary';
import { selfSet } from '../support/engine';
import { fixtureModel, repoRoot } from '../support/paths';
import { findPython } from '../support/python';
import { loadReference } from '../support/reference';

/** PyTorch vs onnxruntime on the same float32 weights, as golden.test.ts holds them. */
const TOLERANCE = 1e-5;
/** The reference cases python/test_attention_lens.py writes runs of (GPT2_CASES there). */
const GPT2_CASES = [0, 2];

type Json = Record<string, unknown>;
const readRun = (folder: string, name: string): Json => JSON.parse(readFileSync(path.join(folder, name), 'utf8')) as Json;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('python/attention_lens.py', () => {
  let out: string;
  let unittest: string;
  before(() => {
    out = mkdtempSync(path.join(tmpdir(), 'attention-lens-py-'));
    const python = findPython('numpy, torch, onnx');
    const ran = spawnSync(python, ['-m', 'unittest', '-v', 'test_attention_lens'], {
      cwd: path.join(repoRoot, 'python'),
      env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'tools'), ATTENTION_LENS_TEST_OUT: out },
      encoding: 'utf8',
      timeout: 240_000,
    });
    unittest = `${ran.stdout}${ran.stderr}`;
    assert.equal(ran.status, 0, `python -m unittest test_attention_lens failed:\n${unittest}`);
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it("passes its own tests, refusals included, and skips none (the PyTorch one needs the set-up's packages)", () => {
    assert.match(unittest, /^OK$/m);
    assert.doesNotMatch(unittest, /skipped/);
    for (const name of ['test_rows_that_are_not_probabilities', 'test_shapes_and_counts', 'test_runs_written_from_the_projects_tiny_gpt2'])
      assert.match(unittest, new RegExp(`${name} .* ok$`, 'm'));
  });

  it('writes a run from plain arrays whose maps are [layer][head][query][key] rows summing to 1', () => {
    const run = readRun(out, 'plain.attention.json');
    assert.equal(run.format, 'attention-lens-run/3');
    const tokens = run.tokens as { piece: string; start: number; end: number }[];
    assert.deepEqual(
      tokens.map((t) => (run.text as string).slice(t.start, t.end)),
      ['The', 'cat', 'sat'],
    );
    const perLayer = (run.attention as { perLayer: number[][][][] }).perLayer;
    assert.deepEqual([perLayer.length, perLayer[0].length, perLayer[0][0].length, perLayer[0][0][0].length], [1, 2, 3, 3]);
    for (const head of perLayer[0]) for (const row of head) assert.ok(Math.abs(row.reduce((a, b) => a + b) - 1) < 1e-6);
  });

  it("every file it wrote passes the extension's run-file reader; a row that does not sum to 1 is refused by path", () => {
    const written = readdirSync(out).filter((name) => name.endsWith('.attention.json'));
    assert.ok(written.length >= 1 + GPT2_CASES.length, `files written: ${written}`);
    for (const name of written) {
      const reading = parseRunFile(readFileSync(path.join(out, name), 'utf8'), name);
      assert.ok(reading.ok, `${name}: ${JSON.stringify(reading.ok ? '' : reading.problems)}`);
    }
    const broken = readRun(out, 'plain.attention.json');
    (broken.attention as { perLayer: number[][][][] }).perLayer[0][1][2] = [0.5, 0.5, 0.5];
    const refused = parseRunFile(JSON.stringify(broken), 'broken.attention.json');
    assert.equal(refused.ok, false);
    assert.ok(!refused.ok && refused.problems.some((p) => /perLayer/.test(JSON.stringify(p))), JSON.stringify(refused));
  });

  describe("runs of the tiny GPT-2 from PyTorch against the extension's ONNX run", () => {
    let runner: ModelRunner;
    const reference = loadReference(path.join(fixtureModel('tiny-gpt2'), 'reference.json'));
    before(async () => {
      runner = await ModelRunner.load(
        { id: 'tiny-gpt2', source: 'local', folder: fixtureModel('tiny-gpt2'), device: 'cpu' },
        detectProviderEnvironment(),
      );
    });
    after(() => runner.dispose());

    for (const n of GPT2_CASES) {
      it(`case ${n}: the export's fields, the same tokens and spans, maps and rankings within ${TOLERANCE}`, async () => {
        const run = readRun(out, `tiny-gpt2-${n}.attention.json`);
        const text = reference.cases[n].text;
        assert.equal(run.text, text);
        const result = await runner.inspect(text, { attention: true, topK: 10 });
        const summary = toRunSummary(1, result);
        const maps = await allLayers(selfSet(result.attention));
        const exported = JSON.parse(
          jsonReport(
            { runId: 1, summary, source: { modelFolder: '', onnxFile: 'onnx/model.onnx', keptAttention: true } },
            [{ set: summary.attentionSets[0], maps }],
            undefined,
            undefined,
          ),
        ) as Json;
        assert.deepEqual(Object.keys(run).sort(), Object.keys(exported).sort(), "the extension's export's fields");
        assert.deepEqual(run.tokens, exported.tokens, 'tokens: ids, pieces, display, UTF-16 spans, flags');
        assert.deepEqual(run.attentionSets, exported.attentionSets);
        const { perLayer } = run.attention as { perLayer: number[][][][] };
        maps.perLayer.forEach((layer, l) => {
          const diff = maxAbsDiff(perLayer[l].flat(2), layer);
          assert.ok(diff <= TOLERANCE, `layer ${l}: the maps differ by ${diff}`);
        });
        type Predictions = { task: string; ranked: { position: number; top: { id: number; probability: number }[] }[]; actual: number[] };
        const ours = run.predictions as Predictions;
        const theirs = summary.predictions as Predictions;
        assert.equal(ours.task, 'next-token');
        assert.deepEqual(
          ours.ranked.map((r) => r.top.map((p) => p.id)),
          theirs.ranked.map((r) => r.top.map((p) => p.id)),
          'the same top 10 after every position',
        );
        const probabilities = (p: Predictions) => [...p.ranked.flatMap((r) => r.top.map((t) => t.probability)), ...p.actual.slice(1)];
        assert.ok(maxAbsDiff(probabilities(ours), probabilities(theirs)) <= TOLERANCE, 'probabilities');
        for (const key of Object.keys(run.model as Json))
          assert.ok(key in (exported.model as Json) || key === 'madeBy', `model.${key} is a field of the export`);
      });
    }
  });
});
