// The logit lens computed in the patched graph against PyTorch (tools/lens_models/logit_lens_reference.py, which
// remakes the fixtures' models and reads each layer's output through their own final norm and head), its last layer
// against the model's ordinary predictions, and the refusal where the graph's layers cannot be found.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { checkTop, near, PROBABILITY_TOLERANCE, type LensReference } from '../support/logitLensReference';
import { fixtureModel } from '../support/paths';

const load = (name: string) =>
  ModelRunner.load({ id: name, source: 'local', folder: fixtureModel(name), device: 'cpu' }, detectProviderEnvironment());

for (const name of ['tiny-bert', 'tiny-gpt2', 'tiny-llama', 'tiny-gemma2']) {
  describe(`${name}: the logit lens against PyTorch`, () => {
    let runner: ModelRunner;
    const ref = JSON.parse(readFileSync(path.join(fixtureModel(name), 'logit_lens.json'), 'utf8')) as LensReference;
    before(async () => {
      runner = await load(name);
    });
    after(() => runner.dispose());

    it(`gives every layer's top-10, its probability of the final top-1 and of the next token within ${PROBABILITY_TOLERANCE}`, async () => {
      assert.deepEqual(runner.info.logitLens, { available: true });
      const lens = await runner.logitLens(ref.text, { topK: 10 });
      assert.equal(lens.layers.length, runner.info.layers);
      assert.deepEqual(
        lens.positions,
        ref.input_ids.map((_, p) => p),
      );
      assert.deepEqual(
        lens.final.map((f) => f.id),
        ref.final_ids,
      );
      checkTop(lens, ref);
    });

    it("gives in the inspect's own run what a run of its own gives, its last layer being the model's predictions", async () => {
      const inspect = await runner.inspect(ref.text, { attention: false, topK: 5, logitLens: [1, 3] });
      const alone = await runner.logitLens(ref.text, { topK: 5 });
      const lens = inspect.logitLens!;
      assert.deepEqual(lens.positions, [1, 3]);
      lens.layers.forEach((row, l) => assert.deepEqual(row, [alone.layers[l][1], alone.layers[l][3]]));
      const ordinary = runner.info.capabilities.unmasked
        ? await runner.unmasked(ref.text, 5)
        : inspect.predictions.ranked.map((r) => r.top);
      const last = alone.layers.at(-1)!;
      ordinary.forEach((top, p) => {
        assert.deepEqual(
          last[p].top.map((x) => x.id),
          top.map((x) => x.id),
          `position ${p}`,
        );
        last[p].top.forEach((x, j) => near(x.probability, top[j].probability, `position ${p}, rank ${j}`));
        near(last[p].finalProbability, top[0].probability, `position ${p}: the final top-1 is the model's`);
      });
    });

    it('refuses positions outside the text', async () => {
      await assert.rejects(runner.logitLens(ref.text, { topK: 5, positions: [ref.input_ids.length] }), /outside the \d+ tokens/);
    });
  });
}

describe('a graph whose layers cannot be found', () => {
  it('has no logit lens, and says why', async () => {
    const runner = await load('tiny-bert-nosoftmax');
    try {
      const lens = runner.info.logitLens;
      assert.equal(lens?.available, false);
      await assert.rejects(
        runner.inspect('a [MASK] b', { attention: false, topK: 5, logitLens: 'all' }),
        /logit lens is not available.*Softmax/,
      );
      // Runs without the lens are as before.
      assert.ok((await runner.inspect('a [MASK] b', { attention: false, topK: 5 })).predictions.ranked.length > 0);
    } finally {
      await runner.dispose();
    }
  });
});
