// Encoder–decoder models through the real extension: tiny-t5 (encoder, decoder and merged decoder) and tiny-marian
// (encoder and merged decoder only) are inspected from the editor; the panel is sent the run's target (generated,
// then the one Set Target gives) and its three attention sets, the cross-attention's rows the target's tokens.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { setShape, type RunSummary } from '../../src/protocol';
import type { LensTestApi } from '../../src/testApi';
import { fixtureModel, inspectNow, lensApi, openSample, panelRun, selectLine, useModel } from './surfaceHelpers';

function assertThreeSets(summary: RunSummary, decoderLayers: number): void {
  const source = summary.tokens.length;
  const target = summary.target!.tokens.length;
  assert.deepEqual(
    summary.attentionSets.map((s) => [s.name, s.queries, s.keys, s.layers, s.causal, ...Object.values(setShape(summary, s))]),
    [
      ['encoder', 'input', 'input', 2, false, source, source],
      ['decoder', 'target', 'target', decoderLayers, true, target, target],
      ['cross', 'target', 'input', decoderLayers, false, target, source],
    ],
  );
  assert.equal(summary.predictions.list, 'target');
  assert.equal(summary.predictions.ranked.length, target);
}

describe('Attention Lens: encoder–decoder models', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
  });

  it('tiny-marian (merged decoder only): a generated target and three attention sets reach the panel', async () => {
    await useModel(fixtureModel('tiny-marian'));
    assert.equal(api.loadedModel()?.family, 'encoder-decoder');
    const editor = await openSample();
    selectLine(editor, 1);
    const run = await inspectNow(api);
    const summary = await panelRun(api, run.runId);
    assert.equal(summary.attentionUnavailable, null);
    assert.ok(summary.target?.generated);
    assertThreeSets(summary, 2);
  });

  it('tiny-t5: Set Target re-runs the same source with the given target, then an empty one lets the model write again', async () => {
    await useModel(fixtureModel('tiny-t5'));
    const editor = await openSample();
    selectLine(editor, 1);
    const first = await inspectNow(api);
    assert.ok(first.target?.generated);
    const runId = await vscode.commands.executeCommand<number>('attentionLens.setTarget', { target: 'Die Katze.' });
    const given = await panelRun(api, runId);
    assert.equal(given.text, first.text, 'the same source');
    assert.deepEqual([given.target?.text, given.target?.generated], ['Die Katze.', false]);
    assert.equal(given.target?.tokens[0].special, true, 'the decoder start token first');
    assertThreeSets(given, 3);
    const again = await vscode.commands.executeCommand<number>('attentionLens.setTarget', { target: '' });
    const generated = await panelRun(api, again);
    assert.equal(generated.target?.generated, true);
    assert.deepEqual(
      generated.target?.tokens.map((t) => t.id),
      first.target?.tokens.map((t) => t.id),
      'greedy decoding writes the same target again',
    );
  });
});
