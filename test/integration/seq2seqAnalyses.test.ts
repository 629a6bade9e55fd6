// The logit lens and head ablation of an encoder–decoder model through the real extension (tiny-t5: 2 encoder and
// 3 decoder layers): the panel's logitLens request gives the decoder's layers at the target's positions, the last
// being the run's own predictions; its ablate request takes heads named by set and moves the predictions. Run alone
// (ATTENTION_LENS_GREP="encoder–decoder analyses"), the closing screenshot shows tiny-t5's run in the panel.
import * as assert from 'node:assert/strict';
import type { LogitLensView } from '../../src/protocol';
import type { LensTestApi } from '../../src/testApi';
import { fixtureModel, inspectNow, lensApi, openSample, askPanel, panelRun, selectLine, useModel } from './surfaceHelpers';

describe('Attention Lens: encoder–decoder analyses', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
  });

  it("tiny-t5: the logit lens reads the decoder's 3 layers at the target's tokens, the last equal to the predictions", async () => {
    await useModel(fixtureModel('tiny-t5'));
    const editor = await openSample();
    selectLine(editor, 1);
    const run = await panelRun(api, (await inspectNow(api)).runId);
    assert.equal(run.logitLensUnavailable, null);
    const target = run.target!.tokens;
    assert.notEqual(target.length, run.tokens.length);
    const positions = target.map((_, i) => i);
    const reply = await askPanel(api, 'logitLens', { runId: run.runId, positions });
    const lens = reply?.result as LogitLensView;
    assert.ok(lens?.layers, `a logitLens reply: ${JSON.stringify(reply)}`);
    assert.equal(lens.layers.length, 3, "the decoder's layers");
    assert.deepEqual(lens.positions, positions);
    const last = lens.layers.at(-1)!;
    positions.forEach((p) => {
      const ranked = run.predictions.ranked[p].top;
      assert.deepEqual(
        last[p].top.map((t) => t.id),
        ranked.map((t) => t.id),
        `target position ${p}`,
      );
      assert.ok(Math.abs(last[p].finalProbability - ranked[0].probability) < 1e-4);
    });
    const outside = await askPanel(api, 'logitLens', { runId: run.runId, positions: [target.length] });
    assert.match(outside?.error ?? '', /outside the run's \d+ tokens/);
  });

  it('tiny-t5: heads named by set are ablated (encoder, decoder, cross); a head without its set is refused', async () => {
    const run = api.lastResult()!.summary;
    assert.deepEqual(run.ablation, {
      available: true,
      sets: { encoder: { layers: 2, heads: 4 }, decoder: { layers: 3, heads: 4 }, cross: { layers: 3, heads: 4 } },
    });
    const heads = [
      { set: 'encoder', layer: 0, head: 1 },
      { set: 'cross', layer: 2, head: 3 },
    ];
    const reply = await askPanel(api, 'ablate', { runId: run.runId, heads, mode: 'zero' });
    assert.ok(reply?.result, `an ablate reply: ${JSON.stringify(reply)}`);
    assert.deepEqual(reply.result.ablated, ['encoder 0.1', 'cross 2.3']);
    assert.equal(reply.result.positions.length, run.target!.tokens.length, 'every target position');
    const moved = reply.result.positions.filter((p) => p.changes.some((c) => c.before?.probability !== c.after?.probability));
    assert.ok(moved.length > 0, 'the ablation moved some prediction');
    const unnamed = await askPanel(api, 'ablate', { runId: run.runId, heads: [{ layer: 0, head: 1 }], mode: 'zero' });
    assert.match(unnamed?.error ?? '', /head 0\.1: name its attention set \(encoder, decoder, cross\)/);
    await askPanel(api, 'ablate', { runId: run.runId, heads: [], mode: 'zero' });
  });
});
