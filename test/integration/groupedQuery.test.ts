// The modern decoders through the real extension: the grouped-query Llama fixture (4 query heads on 2 key/value
// heads, head_dim 16 ≠ hidden 16 ÷ 4) and the Gemma 2 one (layer 0 slides a window of 4, soft-cap 5) are inspected
// from the editor, and the panel beside it is sent what its views need to say which KV head each query head shares.
// The views' words come from the protocol's headSharing.ts (the webview tier checks they are drawn).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { attentionFactParts, headSuffix, layerSuffix } from '../../src/protocol';
import type { LensTestApi } from '../../src/testApi';
import { fixtureModel, inspectNow, lensApi, openSample, panelRun, selectLine, useModel } from './surfaceHelpers';

describe('Attention Lens: grouped-query decoders in the views', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
  });

  it('tiny-gemma2-gqa: a sliding-window layer and the soft-cap reach the panel', async () => {
    await useModel(fixtureModel('tiny-gemma2-gqa'));
    const editor = await openSample();
    selectLine(editor, 1);
    const run = await inspectNow(api);
    const m = (await panelRun(api, run.runId)).model;
    assert.deepEqual([m.family, m.architecture, m.heads, m.kvHeads, m.headDim], ['llama', 'Gemma2ForCausalLM', 4, 2, 32]);
    assert.deepEqual(m.slidingWindow, { size: 4, layers: [0] });
    assert.deepEqual([layerSuffix(m, 0), layerSuffix(m, 1)], [' · sliding window 4', '']);
    assert.deepEqual(attentionFactParts(m), [
      '4 query heads share 2 key/value heads',
      'sliding window 4 in layer 0',
      'attention soft-cap 5',
    ]);
  });

  // Last here: run alone (ATTENTION_LENS_GREP="grouped-query"), the harness's closing screenshot shows this panel beside the editor.
  it('tiny-llama-gqa: the Llama family, 4 query heads sharing 2 key/value heads, in the panel beside the editor', async () => {
    await useModel(fixtureModel('tiny-llama-gqa'));
    assert.equal(api.loadedModel()?.family, 'llama');
    const editor = await openSample();
    selectLine(editor, 1);
    const run = await inspectNow(api);
    const summary = await panelRun(api, run.runId);
    const m = summary.model;
    assert.deepEqual(
      [m.family, m.familyLabel, m.architecture, m.layers, m.heads, m.kvHeads, m.headDim],
      ['llama', 'causal LM (Llama family)', 'LlamaForCausalLM', 2, 4, 2, 16],
    );
    assert.equal(m.slidingWindow, undefined);
    assert.equal(m.attnSoftcap, undefined);
    assert.deepEqual(
      [0, 1, 2, 3].map((h) => headSuffix(m, h)),
      [' · KV 0', ' · KV 0', ' · KV 1', ' · KV 1'],
    );
    assert.deepEqual(attentionFactParts(m), ['4 query heads share 2 key/value heads']);
    // One map per query head: the run's attention has all 4 heads, not the 2 KV heads.
    assert.equal(summary.attentionUnavailable, null);
    assert.deepEqual(
      summary.attentionSets.map((s) => [s.name, s.layers, s.heads, s.causal]),
      [['self', 2, 4, true]],
    );
    assert.equal(api.isPanelVisible(), true);
    const panelGroup = vscode.window.tabGroups.all.find((g) =>
      g.tabs.some((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('attentionLens.inspector')),
    );
    assert.notEqual(panelGroup?.viewColumn, editor.viewColumn, 'the inspector opened beside the editor');
  });
});
