// Attention rollout in the editor: the panel's shadeRollout request (as the matrix view sends it for a selected token)
// shades each input token's span by that token's row of R, with the weights the rollout request returns, and a hover
// (the decoration's) that says what the shading is; a new run clears it. Run alone (ATTENTION_LENS_GREP="rollout"), the harness's closing
// screenshot shows the shaded line beside the panel.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LensTestApi } from '../../src/testApi';
import { askPanel as ask, fixtureModel, inspectNow, lensApi, openText, selectLine, useModel } from './surfaceHelpers';

describe('Attention Lens rollout shading', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
  });

  it('shades the text by a token’s rollout row, says so on hover, and clears on a new run', async () => {
    await useModel(fixtureModel('tiny-gpt2'));
    const editor = await openText('The quick brown fox jumps over the lazy dog near the river bank.');
    selectLine(editor, 0);
    const summary = await inspectNow(api);
    await api.panelReady();
    const layer = summary.attentionSets[0].layers - 1;
    const dog = summary.tokens.find((t) => t.piece === 'Ġdog')!;
    assert.ok(dog, summary.tokens.map((t) => t.piece).join(' '));
    const rollout = await ask(api, 'rollout', { runId: summary.runId, set: 'self', layer });
    assert.ok(rollout.result, JSON.stringify(rollout.error));
    const n = summary.tokens.length;
    const row = rollout.result.data.subarray(dog.index * n, (dog.index + 1) * n);
    const shade = async () => {
      const reply = await ask(api, 'shadeRollout', { runId: summary.runId, set: 'self', layer, query: dog.index });
      assert.ok(reply.result, JSON.stringify(reply.error));
      return reply.result.shaded;
    };
    const shaded = await shade();
    const spans = api.rolloutShading();
    assert.equal(spans.length, shaded);
    assert.ok(shaded >= 2, `a few tokens are shaded (${shaded})`);
    const top = Math.max(...row);
    for (const { range, token, weight } of spans) {
      const t = summary.tokens[token];
      assert.deepEqual([range.start.line, range.start.character, range.end.character], [0, t.start, t.end], `token ${token}'s span`);
      assert.ok(Math.abs(weight - row[token]) < 1e-6, `token ${token}: ${weight} is R's ${row[token]}`);
      assert.ok(token <= dog.index, 'a causal model draws nothing from later tokens');
      assert.ok(weight >= top / 6, 'the faintest weights are left plain');
    }
    const strongest = spans.reduce((a, b) => (b.weight > a.weight ? b : a));
    const says = `Attention rollout, layer ${layer}: "${dog.display}" (#${dog.index}) draws ${strongest.weight.toFixed(4)} from this token`;
    assert.equal(strongest.what, says);
    // A new run clears the shading; shading again for the closing screenshot.
    await inspectNow(api);
    assert.deepEqual(api.rolloutShading(), []);
    const again = api.lastResult()!.summary;
    const reply = await ask(api, 'shadeRollout', { runId: again.runId, set: 'self', layer, query: dog.index });
    assert.equal(reply.result?.shaded, shaded, 'the same text shades the same tokens');
    // The selection's highlight would cover the shading in the closing screenshot.
    const shown = await vscode.window.showTextDocument(editor.document, vscode.ViewColumn.One);
    shown.selection = new vscode.Selection(0, 0, 0, 0);
  });
});
