// GPT-NeoX and OPT (test/fixtures/models/tiny-gpt-neox, tiny-opt, made by tools/lens_models/gpt_neox.py and opt.py):
// what their families read from config.json, and that a text filling every declared position runs. OPT's position
// table holds max_position_embeddings + 2 rows (its positions are read at offset 2), so all 128 positions are
// usable; a family that reserved or added rows would cut the text short or index past the table. Their maps and
// predictions against PyTorch are golden.test.ts's and cli.test.ts's.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { buildFeeds, feedShape, inputSpecs } from '../../src/core/engine/feeds';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { sessionOptions } from '../../src/core/engine/modelSession';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { readModelConfig } from '../../src/core/model/modelFolder';
import { fixtureModel } from '../support/paths';
import { request } from './reliability/support';

/** Probabilities from the patched graph's head against a softmax of the plain graph's logits. */
const PROBABILITY_TOLERANCE = 1e-5;

describe('GPT-NeoX and OPT', () => {
  it('their configs: one key/value head per query head, head size hidden ÷ heads, every declared position usable', async () => {
    const facts = async (name: string) => {
      const c = await readModelConfig(fixtureModel(name));
      return [c.family.name, c.layers, c.heads, c.kvHeads, c.headDim, c.maxPositions, c.firstPosition];
    };
    assert.deepEqual(await facts('tiny-gpt-neox'), ['gpt_neox', 3, 2, 2, 8, 128, 0]);
    assert.deepEqual(await facts('tiny-opt'), ['opt', 2, 4, 4, 8, 128, 0]);
  });

  for (const name of ['tiny-gpt-neox', 'tiny-opt']) {
    it(`${name}: a longer text is cut to all 128 positions, and the last one predicts what the plain graph says`, async () => {
      const runner = await ModelRunner.load(request(name), detectProviderEnvironment());
      const plain = await ort.InferenceSession.create(path.join(fixtureModel(name), 'onnx', 'model.onnx'), sessionOptions('cpu'));
      try {
        const text = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
        const result = await runner.inspect(text, { attention: false, topK: 3 });
        const n = result.tokens.length;
        assert.equal(n, 128, 'cut to max_position_embeddings');
        const { config } = runner.model;
        const ids = result.tokens.map((t) => t.id);
        const logits = (await plain.run(buildFeeds(inputSpecs(plain), ids, 1, n, feedShape(config)), ['logits'])).logits
          .data as Float32Array;
        const row = logits.subarray((n - 1) * config.vocabSize, n * config.vocabSize);
        const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
        const sum = row.reduce((s, x) => s + Math.exp(x - max), 0);
        const last = result.predictions.ranked.at(-1)!;
        assert.equal(last.position, n - 1);
        for (const p of last.top) {
          const expected = Math.exp(row[p.id] - max) / sum;
          assert.ok(Math.abs(p.probability - expected) <= PROBABILITY_TOLERANCE, `p(${p.id}) ${p.probability} vs ${expected}`);
        }
        const best = Array.from(row.keys())
          .sort((a, b) => row[b] - row[a])
          .slice(0, 3);
        assert.deepEqual(
          last.top.map((p) => p.id),
          best,
          'the three most probable tokens',
        );
      } finally {
        await plain.release();
        await runner.dispose();
      }
    });
  }
});
