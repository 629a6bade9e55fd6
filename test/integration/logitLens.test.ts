// The logit lens through the real extension: the panel's logitLens request reaches the worker's patched graph
// and comes back with every layer at the window's tokens, the last layer being the run's own predictions; the
// JSON export then carries it; a run whose graph has no lens says why.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LENS_SHOWN, lensWindow, type LogitLensView } from '../../src/protocol';
import type { LensTestApi } from '../../src/testApi';
import { askPanel, fixtureModel, inspectNow, lensApi, openSample, selectLine, useModel } from './surfaceHelpers';

const askLens = (api: LensTestApi, runId: number, positions: number[]) => askPanel(api, 'logitLens', { runId, positions });

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

    // The view asked this run for its lens: the next inspect carries the lens of the view's first window, and the
    // view's request for it, or for a narrower window inside it, takes no run of its own.
    const before = api.stats();
    // Four lines: more tokens than the window, so a token outside it can be asked for too.
    editor.selection = new vscode.Selection(0, 0, 3, editor.document.lineAt(3).text.length);
    const next = await inspectNow(api);
    assert.ok(next.tokens.length > LENS_SHOWN, `${next.tokens.length} tokens`);
    assert.notEqual(next.runId, run.runId);
    assert.equal(api.stats().lensCarried, before.lensCarried + 1, 'the inspect carried the lens');
    const window = lensWindow(next.tokens.length, null, next.predictions.ranked[0]?.position);
    for (const asked of [window, window.slice(2, 7)]) {
      const carried = (await askLens(api, next.runId, asked))?.result as LogitLensView;
      assert.deepEqual(carried?.positions, asked);
      asked.forEach((p, i) =>
        assert.ok(Math.abs(carried.layers.at(-1)![i].finalProbability - next.predictions.ranked[p].top[0].probability) < 1e-4),
      );
    }
    assert.equal(api.stats().lensRuns, before.lensRuns, 'answered from what the inspect carried');
    const far = next.tokens.length - 1;
    assert.ok(!window.includes(far));
    assert.deepEqual(((await askLens(api, next.runId, [far]))?.result as LogitLensView).positions, [far]);
    assert.equal(api.stats().lensRuns, before.lensRuns + 1, 'a token outside it takes a run');
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
