// Head ablation in encoder–decoder models: heads named by attention set ("encoder 0.1", "decoder 1.0", "cross 1.2")
// gated in the encoder's and the decoder's graphs, against PyTorch with the same heads ablated
// (tools/lens_models/seq2seq_ablation_reference.py wrote ablation.json beside each fixture), and the refusals.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { loadRunner } from '../../src/core/engine/runners';
import type { Seq2SeqRunner } from '../../src/core/engine/seq2seqRunner';
import { parseHeadForm, type AblationMode, type HeadRef } from '../../src/protocol/ablation';
import { checkAblated, PROBABILITY_TOLERANCE } from '../support/ablationReference';
import { fixtureModel } from '../support/paths';

interface AblationReference {
  text: string;
  target: string;
  target_ids: number[];
  cases: { heads: string[]; mode: AblationMode; positions: { position: number; top_ids: number[]; top_probabilities: number[] }[] }[];
}

const refsOf = (labels: string[]) => parseHeadForm(labels.join(',')) as HeadRef[];

for (const [name, decoderLayers] of Object.entries({ 'tiny-t5': 3, 'tiny-marian': 2, 'tiny-bart': 2 })) {
  describe(`${name}: heads of each attention set ablated against PyTorch`, () => {
    let runner: Seq2SeqRunner;
    const ref = JSON.parse(readFileSync(path.join(fixtureModel(name), 'ablation.json'), 'utf8')) as AblationReference;
    const decoding = { target: ref.target };
    before(async () => {
      const request = { id: name, source: 'local' as const, folder: fixtureModel(name), device: 'cpu' as const };
      runner = (await loadRunner(request, detectProviderEnvironment())) as Seq2SeqRunner;
    });
    after(() => runner.dispose());

    it('says its heads can be ablated, and the size of each set', () =>
      assert.deepEqual(runner.info.ablation, {
        available: true,
        sets: {
          encoder: { layers: 2, heads: 4 },
          decoder: { layers: decoderLayers, heads: 4 },
          cross: { layers: decoderLayers, heads: 4 },
        },
      }));

    for (const c of ref.cases) {
      it(`${c.mode} ${c.heads.join(', ')}: within ${PROBABILITY_TOLERANCE}`, async () => {
        const result = await runner.ablate(ref.text, { heads: refsOf(c.heads), mode: c.mode }, 50, undefined, false, decoding);
        assert.deepEqual(result.ablated, c.heads);
        assert.deepEqual(
          result.positions.map((p) => p.position),
          ref.target_ids.map((_, p) => p),
        );
        checkAblated(result.positions, c.positions);
      });
    }

    it("leaves the plain run's predictions as the inspect's", async () => {
      const plain = await runner.inspect(ref.text, { attention: false, topK: 3, target: ref.target });
      const result = await runner.ablate(ref.text, { heads: refsOf(['cross 0.0']), mode: 'zero' }, 3, undefined, false, decoding);
      plain.predictions.ranked.forEach(({ position, top }) =>
        top.forEach((p) => {
          const before = result.positions[position].changes.find((change) => change.id === p.id)?.before;
          assert.ok(before && Math.abs(before.probability - p.probability) <= 1e-6, `position ${position}, id ${p.id}`);
        }),
      );
    });

    it('refuses a head without its set, and one outside its set', async () => {
      const ablate = (labels: string[]) => runner.ablate(ref.text, { heads: refsOf(labels), mode: 'zero' }, 5, undefined, false, decoding);
      await assert.rejects(ablate(['0.1']), /head 0\.1: name its attention set \(encoder, decoder, cross\)/);
      await assert.rejects(ablate([`cross ${decoderLayers}.0`]), /layer \d does not exist/);
      await assert.rejects(ablate(['encoder 0.4']), /head 4 does not exist/);
    });
  });
}
