// The decoder's logit lens of the tiny encoder–decoder models against PyTorch (tools/lens_models/seq2seq_lens_reference.py:
// each decoder layer's output through the model's own final norm and LM head, at every target position of a given
// target), its last layer against the model's own predictions, with a generated target too, and the refusals.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { loadRunner } from '../../src/core/engine/runners';
import type { Seq2SeqRunner } from '../../src/core/engine/seq2seqRunner';
import { checkTop, near, PROBABILITY_TOLERANCE, type LensReference } from '../support/logitLensReference';
import { fixtureModel } from '../support/paths';

interface Seq2SeqLensReference extends Omit<LensReference, 'input_ids'> {
  target: string;
  source_ids: number[];
  target_ids: number[];
}

/** Decoder layers of each fixture (test/fixtures/models/README.md). */
const DECODER_LAYERS: Record<string, number> = { 'tiny-t5': 3, 'tiny-marian': 2, 'tiny-bart': 2 };

for (const [name, layers] of Object.entries(DECODER_LAYERS)) {
  describe(`${name}: the decoder's logit lens against PyTorch`, () => {
    let runner: Seq2SeqRunner;
    const ref = JSON.parse(readFileSync(path.join(fixtureModel(name), 'logit_lens.json'), 'utf8')) as Seq2SeqLensReference;
    const decoding = { target: ref.target };
    before(async () => {
      runner = (await loadRunner(
        { id: name, source: 'local', folder: fixtureModel(name), device: 'cpu' },
        detectProviderEnvironment(),
      )) as Seq2SeqRunner;
    });
    after(() => runner.dispose());

    it(`gives each decoder layer's top-10, final top-1 and next target token probabilities within ${PROBABILITY_TOLERANCE}`, async () => {
      assert.deepEqual(runner.info.logitLens, { available: true });
      const lens = await runner.logitLens(ref.text, { topK: 10, decoding });
      assert.equal(lens.layers.length, layers);
      assert.deepEqual(
        lens.positions,
        ref.target_ids.map((_, p) => p),
      );
      assert.deepEqual(
        lens.final.map((f) => f.id),
        ref.final_ids,
      );
      assert.deepEqual(
        lens.next!.map((t) => t?.id ?? null),
        [...ref.target_ids.slice(1), null],
      );
      checkTop(lens, ref);
    });

    it("gives in the inspect's own run what a run of its own gives, its last layer being the model's predictions", async () => {
      const inspect = await runner.inspect(ref.text, { attention: false, topK: 5, target: ref.target, logitLens: [1, 3] });
      const alone = await runner.logitLens(ref.text, { topK: 5, decoding });
      const lens = inspect.logitLens!;
      assert.deepEqual(lens.positions, [1, 3]);
      lens.layers.forEach((row, l) => assert.deepEqual(row, [alone.layers[l][1], alone.layers[l][3]]));
      const last = alone.layers.at(-1)!;
      inspect.predictions.ranked.forEach(({ position, top }) => {
        assert.deepEqual(
          last[position].top.map((x) => x.id),
          top.map((x) => x.id),
          `position ${position}`,
        );
        last[position].top.forEach((x, j) => near(x.probability, top[j].probability, `position ${position}, rank ${j}`));
      });
    });

    it('reads a generated target at its own positions', async () => {
      const inspect = await runner.inspect('Hello world', { attention: false, topK: 3, maxNewTokens: 4, logitLens: 'all' });
      const targetLength = inspect.target!.tokens.length;
      assert.deepEqual(
        inspect.logitLens!.positions,
        Array.from({ length: targetLength }, (_, p) => p),
      );
      // Greedy decoding wrote each next token as the last layer's top-1.
      inspect.logitLens!.next!.slice(0, -1).forEach((next, p) => assert.equal(next!.id, inspect.logitLens!.final[p].id, `position ${p}`));
    });

    it('refuses positions outside the target', async () => {
      await assert.rejects(runner.logitLens(ref.text, { topK: 5, decoding, positions: [ref.target_ids.length] }), /outside the \d+ tokens/);
    });
  });
}
