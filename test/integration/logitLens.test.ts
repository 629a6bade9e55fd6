// The logit lens through the real extension: the panel's logitLens request reaches the worker's patched graph
// and comes back with every layer at the window's tokens, the last layer being the run's own predictions; the
// JSON export then carries it; a run whose graph has no lens says why.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LogitLensView } from '../../src/protocol';
import type { LensTestApi } from '../../src/testApi';
import { fixtureModel, inspectNow, lensApi, openSample, panelRequest, selectLine, useModel } from './surfaceHelpers';

const askLens = (api: LensTestApi, runId: number, positions: number[]) => panelRequest(api, 'logitLens', { runId, positions });

describe('Attention Lens: the logit lens', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
  });

  it("tiny-gpt2: the panel's request gives every layer, the last equal to the predictions, and the JSON export has it", async () => {
    await useModel(fixtureModel('tiny-gpt2'));
    const editor = await openSample();
    selectLine(editor, 1);
    const run = await inspectNow(api);
    assert.equal(run.logitLensUnavailable, null);
    const positions = run.tokens.map((_, i) => i).slice(0, 8);
    const reply = await askLens(api, run.runId, positions);
    const lens = reply?.result as LogitLensView;
    assert.ok(lens?.layers, `a logitLens reply: ${JSON.stringify(reply)}`);
    assert.equal(lens.layers.length, run.model.layers);
    assert.deepEqual(lens.positions, positions);
    const last = lens.layers.at(-1)!;
    positions.forEach((p, i) => {
      const ranked = run.predictions.ranked[p].top;
      assert.deepEqual(
        last[i].top.map((t) => t.id),
        ranked.map((t) => t.id),
        `position ${p}`,
      );
      assert.ok(Math.abs(last[i].finalProbability - ranked[0].probability) < 1e-4);
      lens.layers.forEach((row) => assert.ok(row[i].finalProbability >= 0 && row[i].finalProbability <= 1));
    });
    const folder = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'exports');
    const json = await vscode.commands.executeCommand<{ ok: boolean; detail?: string }>('attentionLens.export', { format: 'json', folder });
    assert.equal(json?.ok, true, JSON.stringify(json));
    const doc = JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.parse(json.detail!))).toString('utf8'));
    assert.deepEqual(doc.logitLens, lens, `the export ${path.basename(json.detail!)} carries the lens`);
  });

  it('tiny-bert-nosoftmax: a graph whose layers cannot be found has no lens, and the reply says why', async () => {
    await useModel(fixtureModel('tiny-bert-nosoftmax'));
    const editor = await openSample();
    selectLine(editor, 1);
    const run = await inspectNow(api);
    assert.match(run.logitLensUnavailable ?? '', /Softmax/);
    const reply = await askLens(api, run.runId, [0]);
    assert.match(reply?.error ?? '', /Softmax/);
  });
});
