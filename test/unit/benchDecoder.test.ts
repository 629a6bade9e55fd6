// The large decoder's benchmark scenario (tools/bench/decoderScenario.ts) run on tiny models, so its code is
// checked without the 2 GB model: tiny-gpt2, which the core runs, gives every figure; the same graph under a
// config no family takes (a token classifier) is refused at load and must come back as "not measured: <reason>" with the plain
// forward still timed, never as a crash. Nothing here checks a time against a target.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readDecoderShape } from '../../tools/bench/decoderModel';
import { renderDecoderMarkdown, type DecoderResults } from '../../tools/bench/decoderReport';
import { decoderSpeedChild, measureDecoder, type DecoderOptions, type DecoderRow } from '../../tools/bench/decoderScenario';
import { describeMachine } from '../../tools/bench/machine';
import { parseOptions } from '../../tools/bench/options';
import { fixtureModel, repoRoot } from '../support/paths';

const options: DecoderOptions = {
  device: 'cpu',
  lengths: [16, 32],
  warmRuns: { 16: 1 },
  rounds: 2,
  workerPath: path.join(repoRoot, 'out', 'src', 'core', 'worker', 'inferenceWorker.js'),
  log: () => {},
  // In this process: the child's entry is the bench bundle, which unit tests do not build.
  speedChild: decoderSpeedChild,
};
const file = 'onnx/model.onnx';

function results(rows: DecoderRow[]): DecoderResults {
  return {
    machine: describeMachine(),
    device: 'cpu',
    model: 'test',
    shape: readDecoderShape(fixtureModel('tiny-gpt2')),
    rows,
    modelView: 'not run',
  };
}

describe('the decoder scenario', () => {
  let refusedFolder = '';
  before(() => {
    // tiny-gpt2's files under an architecture no family takes.
    refusedFolder = mkdtempSync(path.join(os.tmpdir(), 'lens-bench-refused-'));
    cpSync(fixtureModel('tiny-gpt2'), refusedFolder, { recursive: true });
    const config = JSON.parse(readFileSync(path.join(refusedFolder, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(
      path.join(refusedFolder, 'config.json'),
      JSON.stringify({ ...config, architectures: ['MadeUpForTokenClassification'], model_type: 'made-up', num_key_value_heads: 2 }),
    );
  });
  after(() => rmSync(refusedFolder, { recursive: true, force: true }));

  it('measures every figure of a model the core runs', async () => {
    const row = await measureDecoder({ label: 'fp32', folder: fixtureModel('tiny-gpt2'), file }, options);
    assert.equal(row.notMeasured, undefined);
    assert.deepEqual(
      row.speed.map((s) => s.tokens),
      [16, 32],
    );
    for (const s of row.speed) assert.ok(s.ratio! > 0 && Number.isFinite(s.ratio) && s.plainMs > 0 && s.inspectMs! > 0);
    assert.equal(row.viewTokens, 32);
    for (const ms of [row.firstViewMs, row.overviewMs, row.meanMs, row.layerMs, row.floorMs, row.headMs])
      assert.ok(ms !== undefined && ms >= 0 && Number.isFinite(ms));
    assert.equal(row.check, undefined, "tiny-gpt2's reference.json holds no decoder variants");
    assert.ok(row.fileBytes > 1e6);
    const markdown = renderDecoderMarkdown(results([row]));
    assert.match(markdown, /fp32, 32 tokens: inspect ÷ plain forward \d+\.\d\d×/);
    assert.match(markdown, /fp32, 32 tokens: the floor of all heads of a layer .*: \d.* ms; the whole layer took \d+\.\d\d× that/);
    assert.doesNotMatch(markdown, /fp32.*not measured/);
  });

  it('reports a refused model as not measured, with the reason, and still times the plain forward', async () => {
    const row = await measureDecoder({ label: 'q4', folder: refusedFolder, file }, options);
    assert.match(row.notMeasured ?? '', /^the core refused the model: .*MadeUpForTokenClassification/);
    assert.equal(row.speed.length, 2);
    for (const s of row.speed) assert.ok(s.plainMs > 0 && s.inspectMs === undefined && s.ratio === undefined);
    assert.equal(row.firstViewMs, undefined);
    const markdown = renderDecoderMarkdown(results([row]));
    assert.match(markdown, /^- – q4: not measured: the core refused the model: .*MadeUpForTokenClassification/m);
    assert.match(markdown, /^- – q4, 16 tokens: inspect ÷ plain forward not measured \(target ≤ 1\.15\)$/m);
    assert.match(
      markdown,
      /^- – q4, 32 tokens: the first view \(layer 0's mean over heads fetched after the run\): not measured \(target ≤ 150 ms\)$/m,
    );
    assert.equal(markdown.split('the core refused').length, 2, 'the reason is said once');
  });

  it('empty pasts are sized by num_key_value_heads', () => {
    const shape = readDecoderShape(refusedFolder);
    assert.deepEqual([shape.heads, shape.kvHeads, shape.headDim, shape.layers], [4, 2, 8, 3]);
  });

  it('a missing model folder is one line of the section, and --only takes qwen', () => {
    const markdown = renderDecoderMarkdown({ ...results([]), missing: 'no qwen2.5-0.5b-shaped model in /nowhere' });
    assert.match(markdown, /Not measured: no qwen2\.5-0\.5b-shaped model in \/nowhere\.$/);
    assert.equal(parseOptions(['--only', 'qwen'], '/repo').only, 'qwen');
    assert.throws(() => parseOptions(['--only', 'llama'], '/repo'), /bert, gpt2 or qwen/);
  });
});
