// The run file reader (src/core/runFile): every JSON the extension exports reads back as the run it came from;
// compact base64 maps decode to the same weights; each kind of problem is one message at its path; huge and odd
// shapes are refused before they are decoded; and `attention-lens validate` prints and exits accordingly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it, test } from 'node:test';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { parseRunFile, readRunFile, type RunFileReading } from '../../src/core/runFile/readRunFile';
import { FileRun } from '../../src/core/runFile/fileRun';
import { MAX_PROBLEMS } from '../../src/core/runFile/problems';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { jsonReport } from '../../src/export/reports';
import { toRunSummary } from '../../src/session/runSummary';
import { repoRoot } from '../support/paths';
import { request, workerPath } from './reliability/support';

/** The export rounds to 6 decimals (5e-7), and the reader holds the result as float32 (6e-8 near 1). */
const ROUNDED = 5e-7 + 6e-8;
const SCHEMA = path.join(repoRoot, 'schema', 'attention-lens-run.schema.json');

/** A run through the worker, exported as the extension's Export… → JSON writes it. */
async function exported(model: string, text: string, options: { target?: string } = {}): Promise<{ json: string; maps: Float32Array[][] }> {
  const engine = new InferenceEngine({ workerPath, environment: detectProviderEnvironment() });
  try {
    await engine.load(request(model));
    const run = engine.nextRunId();
    const result = await engine.request('inspect', { run, text, options: { attention: true, topK: 5, ...options } });
    const summary = toRunSummary(run, result);
    const maps = await engine.request('maps', { run });
    const sets = summary.attentionSets.map((set) => ({ set, maps: maps.find((m) => m.set === set.name)! }));
    const record = {
      runId: run,
      summary,
      source: { modelFolder: result.model.folder, onnxFile: result.model.onnxFile, keptAttention: true },
    };
    const unmasked = result.model.capabilities.unmasked ? await engine.request('unmasked', { run, topK: 5 }) : undefined;
    return { json: jsonReport(record, sets, undefined, unmasked), maps: sets.map((s) => s.maps.perLayer) };
  } finally {
    await engine.dispose();
  }
}

function problemsOf(reading: RunFileReading): string[] {
  assert.equal(reading.ok, false, 'refused');
  return reading.ok ? [] : reading.problems.map((p) => `${p.path}: ${p.message}`);
}

function largestDifference(a: Float32Array, b: Float32Array): number {
  let most = 0;
  for (let i = 0; i < a.length; i++) most = Math.max(most, Math.abs(a[i] - b[i]));
  return most;
}

describe('every JSON the extension exports reads back as its run', () => {
  for (const [model, text, options] of [
    ['tiny-bert', 'Paris is the [MASK] of France.', {}],
    ['tiny-gpt2', 'import numpy as np', {}],
    ['tiny-t5', 'translate English to German: the house', { target: 'das Haus' }],
  ] as const) {
    it(`${model}: tokens, predictions and every set's maps (within the export's 6-decimal rounding)`, async () => {
      const { json, maps } = await exported(model, text, options);
      const reading = parseRunFile(json, 'x.attention.json');
      assert.ok(reading.ok, reading.ok ? '' : JSON.stringify(reading.problems.slice(0, 3)));
      const original = JSON.parse(json);
      const s = reading.run.summary;
      assert.deepEqual(s.tokens, original.tokens);
      assert.deepEqual(s.predictions, original.predictions);
      assert.deepEqual(
        s.attentionSets,
        original.attentionSets.map(({ name, label, queries, keys, layers, heads, causal }: never) => ({
          name,
          label,
          queries,
          keys,
          layers,
          heads,
          causal,
        })),
      );
      assert.equal(s.fromFile, 'x.attention.json');
      assert.deepEqual(
        s.capabilities,
        { maskPosition: false, unmasked: original.unmaskedAtPosition !== null, logits: false },
        'only what the file holds',
      );
      reading.run.maps.forEach((set, i) => set.perLayer.forEach((layer, l) => assert.ok(largestDifference(layer, maps[i][l]) <= ROUNDED)));
      if (options.target) assert.equal(s.target?.text, options.target);
    });
  }
});

/** A causal run of 3 tokens, 2 layers of 1 head, written by hand (as a Python script would). */
function handWritten(): Record<string, unknown> {
  const layer = handWrittenHead;
  return {
    format: 'attention-lens-run/3',
    text: 'a b c',
    tokens: [
      { id: 5, piece: 'a', start: 0, end: 1 },
      { id: 6, piece: 'Ġb', display: '␣b', start: 1, end: 3 },
      { id: 7, piece: 'Ġc', start: 3, end: 5 },
    ],
    attentionSets: [{ name: 'self', layers: 2, heads: 1, causal: true, perLayer: [layer(), layer()] }],
  };
}

const b64 = (values: number[], width: 2 | 4): string => {
  const bytes = Buffer.alloc(values.length * width);
  values.forEach((v, i) => (width === 4 ? bytes.writeFloatLE(v, 4 * i) : bytes.writeUInt16LE(v, 2 * i)));
  return bytes.toString('base64');
};

test('a minimal file: tokens and one causal set; the model facts are filled from the set, the task from its causality', () => {
  const reading = readRunFile(handWritten());
  assert.ok(reading.ok);
  const s = reading.run.summary;
  assert.deepEqual([s.model.layers, s.model.heads, s.model.task, s.predictions.ranked], [2, 1, 'next-token', []]);
  assert.deepEqual(s.tokens[1], {
    index: 1,
    id: 6,
    piece: 'Ġb',
    display: '␣b',
    start: 1,
    end: 3,
    special: false,
    continuation: false,
    partialChar: false,
  });
  assert.equal(s.tokens[2].display, 'Ġc', 'the display defaults to the piece');
  assert.equal(s.attentionUnavailable, null);
  assert.deepEqual([...reading.run.maps[0].perLayer[1]], [1, 0, 0, 0.5, 0.5, 0, 0.25, 0.25, 0.5]);
  const none = readRunFile({ format: 'attention-lens-run/3', tokens: [{ id: 1, piece: 'x' }] });
  assert.ok(none.ok);
  assert.deepEqual([none.run.summary.attentionSets, none.run.summary.attentionUnavailable], [[], 'the run file has no attention maps']);
});

test('compact maps: base64 float32 and float16 layers decode to the same weights', () => {
  const weights = [1, 0, 0, 0.5, 0.5, 0, 0.25, 0.25, 0.5];
  // float16 bits of 1, 0, 0.5 and 0.25.
  const half = { 1: 0x3c00, 0: 0, 0.5: 0x3800, 0.25: 0x3400 } as Record<number, number>;
  for (const [encoding, data] of [
    ['base64-float32', b64(weights, 4)],
    [
      'base64-float16',
      b64(
        weights.map((w) => half[w]),
        2,
      ),
    ],
  ]) {
    const file = handWritten();
    (file.attentionSets as Record<string, unknown>[])[0].perLayer = { encoding, layers: [data, data] };
    const reading = readRunFile(file);
    assert.ok(reading.ok, `${encoding}: ${JSON.stringify(reading.ok || reading.problems)}`);
    assert.deepEqual([...reading.run.maps[0].perLayer[0]], weights, encoding);
  }
});

test('files of formats /1 and /2 (earlier exports) are read for their tokens and attention', () => {
  const file = handWritten();
  delete file.attentionSets;
  const layer = [
    [
      [1, 0, 0],
      [0.5, 0.5, 0],
      [0.25, 0.25, 0.5],
    ],
  ];
  Object.assign(file, {
    format: 'attention-lens-run/2',
    model: { id: 'gpt2', kind: 'causal' },
    attention: { layers: 1, heads: 1, tokens: 3, perLayer: [layer] },
  });
  const reading = readRunFile(file);
  assert.ok(reading.ok, JSON.stringify(reading.ok || reading.problems));
  assert.deepEqual(
    reading.run.summary.attentionSets.map((s) => [s.name, s.causal, s.layers]),
    [['self', true, 1]],
  );
  assert.equal(reading.run.summary.model.task, 'next-token');
});

test('each kind of problem is one message at its path', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each case reaches into the file's JSON at any depth
  const cases: [string, (f: Record<string, any>) => void, RegExp][] = [
    ['not JSON', () => undefined, /^\$: is not JSON/],
    ['unknown format', (f) => (f.format = 'attention-lens-run/9'), /^\$\.format: must be one of "attention-lens-run\/3"/],
    ['no tokens', (f) => delete f.tokens, /^\$\.tokens: must be an array, not a undefined/],
    ['token id', (f) => (f.tokens[1].id = -1), /^\$\.tokens\[1\]\.id: must be a whole number ≥ 0/],
    ['token piece', (f) => (f.tokens[2].piece = 7), /^\$\.tokens\[2\]\.piece: must be a string, not the number 7/],
    ['span past the text', (f) => (f.tokens[2].end = 99), /^\$\.tokens\[2\]\.end: must be at most 5, not 99/],
    ['span reversed', (f) => (f.tokens[1].end = 0), /^\$\.tokens\[1\]\.end: is 0, before start 1/],
    ['index', (f) => (f.tokens[0].index = 4), /^\$\.tokens\[0\]\.index: is the number 4, but the token is at position 0/],
    ['set name', (f) => (f.attentionSets[0].name = 'Self!'), /^\$\.attentionSets\[0\]\.name: must be a lower-case name/],
    ['layer count', (f) => (f.attentionSets[0].layers = 3), /^\$\.attentionSets\[0\]\.perLayer: has 2 layers; the set has 3/],
    [
      'row length',
      (f) => f.attentionSets[0].perLayer[1][0][2].pop(),
      /^\$\.attentionSets\[0\]\.perLayer\[1\]\[0\]\[2\]: must be 3 weights/,
    ],
    [
      'row sum',
      (f) =>
        (f.attentionSets[0].perLayer[0] = [
          [
            [1, 0, 0],
            [0.5, 0.3, 0],
            [0.25, 0.25, 0.5],
          ],
        ]),
      /perLayer\[0\]\[0\]\[1\]: sums to 0\.800000, not 1/,
    ],
    [
      'causal',
      (f) =>
        (f.attentionSets[0].perLayer[0] = [
          [
            [0.5, 0.5, 0],
            [0.5, 0.5, 0],
            [0.25, 0.25, 0.5],
          ],
        ]),
      /perLayer\[0\]\[0\]\[0\]\[1\]: is 0\.5, but the set is causal/,
    ],
    [
      'negative weight',
      (f) =>
        (f.attentionSets[0].perLayer[0] = [
          [
            [1, 0, 0],
            [1.5, -0.5, 0],
            [0.25, 0.25, 0.5],
          ],
        ]),
      /perLayer\[0\]\[0\]\[1\]\[0\]: is 1\.5; an attention weight lies in \[0, 1\]/,
    ],
    [
      'target list missing',
      (f) => (f.attentionSets[0].keys = 'target'),
      /^\$\.attentionSets\[0\]\.keys: names the target tokens, which the file does not have/,
    ],
    ['no maps', (f) => delete f.attentionSets[0].perLayer, /^\$\.attentionSets\[0\]: has no maps/],
    ['repeated set', (f) => f.attentionSets.push(f.attentionSets[0]), /^\$\.attentionSets\[1\]\.name: repeats the set name "self"/],
    [
      'prediction task',
      (f) => (f.predictions = { task: 'translate', ranked: [] }),
      /^\$\.predictions\.task: must be "fill-mask" or "next-token"/,
    ],
    [
      'ranked position',
      (f) => (f.predictions = { task: 'next-token', ranked: [{ position: 3, top: [] }] }),
      /ranked\[0\]\.position: must be at most 2, not 3/,
    ],
    [
      'probability',
      (f) => (f.predictions = { task: 'next-token', ranked: [{ position: 0, top: [{ id: 1, token: 'x', probability: 2 }] }] }),
      /top\[0\]\.probability: must be a probability in \[0, 1\]/,
    ],
    ['pair segments', (f) => (f.pair = { sentenceBStart: 1, segments: [0, 1] }), /^\$\.pair\.segments: has 2 ids; there are 3 tokens/],
    ['model heads', (f) => (f.model = { heads: 4, kvHeads: 3 }), /^\$\.model\.kvHeads: must divide heads \(4\), not be 3/],
    [
      'base64 length',
      (f) =>
        (f.attentionSets[0].perLayer = {
          encoding: 'base64-float32',
          layers: [b64([1, 0], 4), b64([1, 0, 0, 0.5, 0.5, 0, 0.25, 0.25, 0.5], 4)],
        }),
      /perLayer\.layers\[0\]: holds 8 bytes; heads × queries × keys = 9 float32 values need 36/,
    ],
    [
      'base64 characters',
      (f) =>
        (f.attentionSets[0].perLayer = { encoding: 'base64-float32', layers: ['!!!!', b64([1, 0, 0, 0.5, 0.5, 0, 0.25, 0.25, 0.5], 4)] }),
      /perLayer\.layers\[0\]: is not base64/,
    ],
    [
      'encoding',
      (f) => (f.attentionSets[0].perLayer = { encoding: 'base64-int8', layers: [] }),
      /perLayer\.encoding: must be "base64-float32" or "base64-float16"/,
    ],
  ];
  for (const [what, spoil, expected] of cases) {
    const file = handWritten();
    spoil(file);
    const problems = problemsOf(what === 'not JSON' ? parseRunFile('{"format": ') : readRunFile(file));
    assert.equal(problems.length, 1, `${what}: one problem, not ${JSON.stringify(problems)}`);
    assert.match(problems[0], expected, what);
  }
});

test('huge and odd shapes are refused before anything large is decoded or allocated', () => {
  const file = handWritten();
  file.tokens = Array.from({ length: 20_000 }, (_, i) => ({ id: i, piece: 'x' }));
  assert.match(problemsOf(readRunFile(file))[0], /^\$\.tokens: has 20000 entries; at most 16384 are read/);
  const heads = handWritten();
  (heads.attentionSets as Record<string, unknown>[])[0].heads = 100_000;
  assert.match(problemsOf(readRunFile(heads))[0], /^\$\.attentionSets\[0\]\.heads: must be at most 256, not 100000/);
  // 256 layers × 256 heads × 3 × 3 weights fit, but 8 such sets of 16,384 tokens would not: the budget is checked before decoding.
  const many = handWritten();
  many.tokens = Array.from({ length: 1000 }, (_, i) => ({ id: i, piece: 'x' }));
  many.attentionSets = [{ name: 'self', layers: 256, heads: 256, perLayer: [] }];
  assert.match(problemsOf(readRunFile(many))[0], /perLayer: brings the file's attention weights past 50,000,000/);
  const long = handWritten();
  long.text = 'x'.repeat(1_000_001);
  assert.match(problemsOf(readRunFile(long))[0], /^\$\.text: is 1000001 characters long; at most 1000000 are read/);
  for (const odd of [null, [], 'run', 42]) assert.match(problemsOf(readRunFile(odd))[0], /^\$: must be an object/);
  const wrong = handWritten();
  wrong.tokens = Array.from({ length: 80 }, () => ({ id: -1, piece: 'x' }));
  const reading = readRunFile(wrong);
  assert.ok(
    !reading.ok && reading.problems.length === MAX_PROBLEMS && reading.unlisted === 30,
    'at most MAX_PROBLEMS listed, the rest counted',
  );
});

test('the schema names the format the reader writes and the bounds it checks', () => {
  const schema = JSON.parse(readFileSync(SCHEMA, 'utf8'));
  assert.deepEqual(schema.properties.format.enum, ['attention-lens-run/3', 'attention-lens-run/2', 'attention-lens-run/1']);
  assert.equal(schema.definitions.tokenList.maxItems, 16_384);
  assert.equal(schema.definitions.topList.maxItems, 100);
  assert.deepEqual(schema.definitions.maps.oneOf[1].properties.encoding.enum, ['base64-float32', 'base64-float16']);
});

test('attention-lens validate: "valid" and exit 0, or one line per problem and exit 1', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lens-validate-'));
  const good = path.join(dir, 'good.attention.json');
  const bad = path.join(dir, 'bad.attention.json');
  writeFileSync(good, JSON.stringify(handWritten()));
  const spoiled = handWritten();
  (spoiled.tokens as Record<string, unknown>[])[0].id = 'five';
  spoiled.model = { layers: 'two' };
  writeFileSync(bad, JSON.stringify(spoiled));
  const cli = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');
  const run = (...files: string[]) => spawnSync(process.execPath, [cli, 'validate', ...files], { encoding: 'utf8', timeout: 60_000 });
  const ok = run(good);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), `${good}: valid (3 tokens; self 2×1; 0 ranked positions)`);
  const refused = run(good, bad);
  assert.equal(refused.status, 1);
  assert.deepEqual(refused.stdout.trim().split('\n').slice(1), [
    `${bad}: $.tokens[0].id: must be a whole number ≥ 0, not a string`,
    `${bad}: $.model.layers: must be a whole number ≥ 0, not a string`,
  ]);
  const missing = run(path.join(dir, 'none.json'));
  assert.equal(missing.status, 1);
  assert.match(missing.stdout, /none\.json: ENOENT/);
  assert.equal(run().status, 2, 'no file named: a usage error');
});

test('a file run answers layer requests (whole, or some heads) and overviews from its maps, and refuses what needs a model', async () => {
  const file = handWritten();
  const second = [
    [
      [1, 0, 0],
      [0.75, 0.25, 0],
      [0.5, 0.25, 0.25],
    ],
  ];
  Object.assign((file.attentionSets as Record<string, unknown>[])[0], {
    heads: 2,
    perLayer: [0, 1].map(() => [...handWrittenHead(), ...second]),
  });
  const reading = readRunFile(file, 'x.attention.json');
  assert.ok(reading.ok, JSON.stringify(reading.ok || reading.problems));
  const run = new FileRun(reading.run, 12);
  assert.equal(run.summary.runId, 12);
  const whole = await run.answer('layer', { runId: 12, set: 'self', layer: 1 });
  assert.deepEqual([whole.heads, whole.queries, whole.keys, whole.only, whole.data.length], [2, 3, 3, undefined, 18]);
  const one = await run.answer('layer', { runId: 12, set: 'self', layer: 0, heads: [1] });
  assert.deepEqual([one.only, [...one.data]], [[1], [1, 0, 0, 0.75, 0.25, 0, 0.5, 0.25, 0.25]]);
  const mean = await run.answer('layer', { runId: 12, set: 'self', layer: 0, heads: 'mean' });
  const head0 = whole.data.subarray(0, 9);
  assert.deepEqual([mean.mean, mean.only, mean.data.length], [true, undefined, 9]);
  mean.data.forEach((w, i) => assert.ok(Math.abs(w - (head0[i] + one.data[i]) / 2) < 1e-7, `cell ${i}: ${w}`));
  const [overview] = run.overviews();
  assert.deepEqual([overview.runId, overview.set, overview.rows, overview.cols, overview.data.length], [12, 'self', 3, 3, 2 * 2 * 9]);
  await assert.rejects(run.answer('layer', { runId: 12, set: 'self', layer: 2 }), /layer 2 does not exist: the file has 2 layers/);
  await assert.rejects(run.answer('layer', { runId: 12, set: 'cross', layer: 0 }), /no attention set "cross"/);
  await assert.rejects(run.answer('layer', { runId: 12, set: 'self', layer: 0, heads: [5] }), /head 5 does not exist/);
  await assert.rejects(run.answer('layer', { runId: 3, set: 'self', layer: 0 }), /no longer shown/);
  await assert.rejects(
    run.answer('logits', { runId: 12, position: 0 }),
    /x\.attention\.json is a run file: no model ran here to answer "logits"/,
  );
  await assert.rejects(run.answer('unmasked', { runId: 12 }), /holds no unmasked predictions/);
});

/** The first head of handWritten()'s layers. */
function handWrittenHead(): number[][][] {
  return [
    [
      [1, 0, 0],
      [0.5, 0.5, 0],
      [0.25, 0.25, 0.5],
    ],
  ];
}
