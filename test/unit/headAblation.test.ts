// Head ablation (issue 21, item 3): the gated graph against PyTorch with the same heads ablated
// (tools/lens_models/ablation_reference.py wrote ablation.json beside each fixture), the plain run of the gated graph
// against the unpatched model, the fused export that cannot take a gate, and the pure parts (gates, rankings, specs).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { compareRankings, gateValues } from '../../src/core/analysis/ablation';
import { buildFeeds, feedShape, inputSpecs } from '../../src/core/engine/feeds';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { sessionOptions } from '../../src/core/engine/modelSession';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { asFloat32 } from '../../src/core/engine/tensors';
import { parseAblationParams, parseHeadList, type AblationMode, type HeadRef } from '../../src/protocol/ablation';
import { checkAblated, PROBABILITY_TOLERANCE } from '../support/ablationReference';
import { fixtureModel } from '../support/paths';

interface AblationCase {
  text: string;
  input_ids: number[];
  heads: string[];
  mode: AblationMode;
  positions: { position: number; top_ids: number[]; top_probabilities: number[] }[];
}

const refsOf = (labels: string[]): HeadRef[] =>
  labels.map((label) => {
    const [layer, head] = label.split('.').map(Number);
    return { layer, head };
  });

const load = (name: string) =>
  ModelRunner.load({ id: name, source: 'local', folder: fixtureModel(name), device: 'cpu' }, detectProviderEnvironment());

// tiny-bert: masked; tiny-gpt2: causal; tiny-llama: grouped-query (4 query heads share 2 key/value heads).
for (const name of ['tiny-bert', 'tiny-gpt2', 'tiny-llama']) {
  describe(`${name}: heads ablated against PyTorch`, () => {
    let runner: ModelRunner;
    const { cases } = JSON.parse(readFileSync(path.join(fixtureModel(name), 'ablation.json'), 'utf8')) as { cases: AblationCase[] };
    before(async () => {
      runner = await load(name);
    });
    after(() => runner.dispose());

    it('says its heads can be ablated', () => assert.deepEqual(runner.info.ablation, { available: true }));

    for (const ref of cases) {
      it(`${ref.mode} ${ref.heads.join(',')} on ${JSON.stringify(ref.text.slice(0, 24))}: within ${PROBABILITY_TOLERANCE}`, async () => {
        const plain = await runner.inspect(ref.text, { attention: false, topK: 5 });
        assert.deepEqual(
          plain.tokens.map((t) => t.id),
          ref.input_ids,
        );
        const result = await runner.ablate(ref.text, { heads: refsOf(ref.heads), mode: ref.mode }, 50);
        assert.deepEqual(result.ablated, ref.heads);
        assert.deepEqual(
          result.positions.map((p) => p.position),
          ref.positions.map((p) => p.position),
        );
        checkAblated(result.positions, ref.positions);
      });
    }
  });
}

describe('the gated graph with every gate open', () => {
  it('gives the unpatched model’s probabilities (tiny-gpt2, every position)', async () => {
    const runner = await load('tiny-gpt2');
    const text = 'Hello world, this is a test';
    const { positions } = await runner.ablate(text, { heads: [{ layer: 0, head: 0 }], mode: 'zero' }, 5);
    const ids = (await runner.inspect(text, { attention: false, topK: 1 })).tokens.map((t) => t.id);
    const shape = feedShape(runner.model.config);
    await runner.dispose();
    const file = path.join(fixtureModel('tiny-gpt2'), 'onnx', 'model.onnx');
    const session = await ort.InferenceSession.create(file, sessionOptions('cpu'));
    const { logits } = await session.run(buildFeeds(inputSpecs(session), ids, 1, ids.length, shape));
    await session.release();
    const data = asFloat32(logits.data);
    const vocab = data.length / ids.length;
    for (const { position, changes } of positions) {
      const row = data.subarray(position * vocab, (position + 1) * vocab);
      const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
      const sum = row.reduce((a, b) => a + Math.exp(b - max), 0);
      for (const change of changes.filter((c) => c.before)) {
        const expected = Math.exp(row[change.id] - max) / sum;
        assert.ok(Math.abs(change.before!.probability - expected) <= 1e-6, `p(${change.id}) at ${position}`);
      }
    }
  });
});

describe('a fused export', () => {
  it('says why its heads cannot be ablated, and an ablation is refused with that reason', async () => {
    const runner = await load('tiny-llama-gqa');
    try {
      assert.equal(runner.info.ablation?.available, false);
      await assert.rejects(
        runner.ablate('Hello', { heads: [{ layer: 0, head: 0 }], mode: 'zero' }, 5),
        /GroupQueryAttention.*cannot be ablated/,
      );
    } finally {
      await runner.dispose();
    }
  });
});

describe('a context laid out as [batch × heads, q, d] (DeBERTa)', () => {
  it('takes the gate in batched runs (masked at several positions) and in an ablation', async () => {
    const runner = await load('tiny-deberta-v3');
    try {
      assert.equal((await runner.maskedAt('the cat sat on the mat today', [1, 2, 3, 4], 3)).length, 4);
      const { positions } = await runner.ablate('the cat [MASK] on the mat', { heads: [{ layer: 1, head: 0 }], mode: 'mean' }, 5);
      assert.ok(positions.length === 1 && positions[0].changes.some((c) => c.before && c.after));
    } finally {
      await runner.dispose();
    }
  });
});

describe('a float16 graph below opset 15', () => {
  it('loads and predicts, and says the head gate needs CastLike (opset 15)', async () => {
    const folder = fixtureModel('tiny-llama-variants');
    const runner = await ModelRunner.load(
      { id: 'fp16', source: 'local', folder, onnxFile: 'onnx/model_fp16.onnx', device: 'cpu' },
      detectProviderEnvironment(),
    );
    try {
      assert.deepEqual(runner.info.ablation, {
        available: false,
        reason: 'head ablation of a float16 graph needs opset 15 or later; this graph is opset 14',
      });
      assert.ok((await runner.inspect('Hello world', { attention: false, topK: 3 })).predictions.ranked.length > 0);
    } finally {
      await runner.dispose();
    }
  });
});

describe('ablation arithmetic', () => {
  it('gates close the ablated heads, and mean mode opens their mean', () => {
    const { gate, mean } = gateValues({ heads: [{ layer: 1, head: 2 }], mode: 'mean' }, 2, 4);
    assert.deepEqual([...gate], [1, 1, 1, 1, 1, 1, 0, 1]);
    assert.deepEqual([...mean], [0, 0, 0, 0, 0, 0, 1, 0]);
    assert.deepEqual([...gateValues({ heads: [{ layer: 0, head: 0 }], mode: 'zero' }, 1, 2).mean], [0, 0]);
  });

  it('lists the ablated top-k, then the plain top-k that fell out, with both ranks', () => {
    const p = (id: number, probability: number) => ({ id, token: `t${id}`, probability });
    const changes = compareRankings([p(1, 0.5), p(2, 0.3), p(3, 0.1)], [p(3, 0.6), p(1, 0.2)], 2);
    assert.deepEqual(changes, [
      { id: 3, token: 't3', before: { probability: 0.1, rank: 3 }, after: { probability: 0.6, rank: 1 } },
      { id: 1, token: 't1', before: { probability: 0.5, rank: 1 }, after: { probability: 0.2, rank: 2 } },
      { id: 2, token: 't2', before: { probability: 0.3, rank: 2 } },
    ]);
  });

  it('parses head lists and says what is wrong with a bad one', () => {
    assert.deepEqual(parseHeadList('0.1, 2.3', 3, 4), [
      { layer: 0, head: 1 },
      { layer: 2, head: 3 },
    ]);
    assert.match((parseHeadList('3.0', 3, 4) as { error: string }).error, /layer 3 does not exist \(layers 0-2\)/);
    assert.match((parseHeadList('0.4', 3, 4) as { error: string }).error, /head 4 does not exist \(heads 0-3\)/);
    assert.match((parseHeadList('1', 3, 4) as { error: string }).error, /"1" is not a head: write LAYER.HEAD/);
    assert.match((parseHeadList('0.1,0.1', 3, 4) as { error: string }).error, /named twice/);
    assert.match((parseHeadList('', 3, 4) as { error: string }).error, /is not a head/);
  });

  it('validates a webview’s ablate params', () => {
    assert.deepEqual(parseAblationParams({ runId: 1, heads: [{ layer: 0, head: 1 }], mode: 'mean' }), {
      runId: 1,
      heads: [{ layer: 0, head: 1 }],
      mode: 'mean',
    });
    // No heads: the webview's Reset.
    assert.deepEqual(parseAblationParams({ runId: 1, heads: [], mode: 'zero' }), { runId: 1, heads: [], mode: 'zero' });
    for (const bad of [
      { runId: 1, mode: 'zero' },
      { runId: 1, heads: [{ layer: -1, head: 0 }], mode: 'zero' },
      { runId: 1, heads: [[0, 1]], mode: 'zero' },
      { runId: 1, heads: [{ layer: 0, head: 0 }], mode: 'half' },
    ]) {
      assert.equal(parseAblationParams(bad), undefined, JSON.stringify(bad));
    }
  });
});
