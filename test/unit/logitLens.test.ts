// The logit lens computed in the patched graph against PyTorch (tools/lens_models/logit_lens_reference.py, which
// remakes the fixtures' models and reads each layer's output through their own final norm and head), its last layer
// against the model's ordinary predictions, and the refusal where the graph's layers cannot be found.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { lensWindow } from '../../src/protocol/logitLens';
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

    it("carries the view's first window in the inspect's own run: the tokens around the first ranked one", async () => {
      const inspect = await runner.inspect(ref.text, { attention: false, topK: 5, lensWindow: 4 });
      const alone = await runner.logitLens(ref.text, { topK: 5 });
      const firstRanked = inspect.predictions.ranked[0].position;
      const window = lensWindow(ref.input_ids.length, null, firstRanked, 4);
      assert.equal(window.length, 4);
      if (firstRanked > 2) assert.ok(window.includes(firstRanked), 'a fill-mask run: around its mask');
      const lens = inspect.logitLens!;
      assert.deepEqual(lens.positions, window);
      // The same cells, up to float32 rounding (the head's products are batched over other positions).
      lens.layers.forEach((row, l) =>
        row.forEach((cell, i) => {
          const other = alone.layers[l][window[i]];
          const where = `layer ${l}, position ${window[i]}`;
          assert.deepEqual(
            cell.top.map((x) => x.id),
            other.top.map((x) => x.id),
            where,
          );
          cell.top.forEach((x, j) => near(x.probability, other.top[j].probability, `${where}, rank ${j}`));
          near(cell.finalProbability, other.finalProbability, `${where}, the final top-1`);
        }),
      );
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
      // Runs without the lens are as before, and the view's window is asked for only where there is a lens.
      assert.ok((await runner.inspect('a [MASK] b', { attention: false, topK: 5 })).predictions.ranked.length > 0);
      assert.equal((await runner.inspect('a [MASK] b', { attention: false, topK: 5, lensWindow: 16 })).logitLens, undefined);
    } finally {
      await runner.dispose();
    }
  });
});
