// Two runs compared in a real VS Code: one line inspected before and after an edit, Compare with Previous Run opens
// the inspector's Compare runs tab, whose webview asks the host and gets the comparison (the inserted word, attention
// over the matched tokens, the surprisal); Pin Run as Baseline keeps a run for later ones; the comparison exports as
// JSON; runs of two models are refused with the reason. Run alone (ATTENTION_LENS_GREP="two runs compared"), the
// closing screenshot shows the Compare runs tab beside the editor.
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ToWebviewType, type ReplyMessage, type RunComparison, type RunSummary } from '../../src/protocol';
import type { LensTestApi } from '../../src/testApi';
import { askPanel, fixtureModel, inspectNow, lensApi, openText, selectLine, useModel, waitFor, type Outcome } from './surfaceHelpers';

/** The comparison replies the panel got so far (the webview's own requests and the test's), newest last. */
function comparisons(api: LensTestApi): RunComparison[] {
  return api
    .panelMessages()
    .filter((m): m is ReplyMessage<'compareRuns'> => m.type === ToWebviewType.Reply && !!m.result && 'baseline' in (m.result as object))
    .map((m) => m.result!);
}

/** Asks as the Compare runs tab does; the reply's error is thrown. */
async function compare(api: LensTestApi, run: RunSummary, layer: number, head: number | 'mean'): Promise<RunComparison> {
  const reply = await askPanel(api, 'compareRuns', { runId: run.runId, set: 'self', layer, head });
  if (!reply.result) throw new Error(reply.error ?? 'no reply');
  return reply.result;
}

describe('Attention Lens: two runs compared', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
    await useModel(fixtureModel('tiny-gpt2'));
  });

  it('one line before and after an edit: Compare with Previous Run shows the inserted word, attention and surprisal', async () => {
    const editor = await openText('The cat sat on the mat because it was tired.\n');
    selectLine(editor, 0);
    const first = await inspectNow(api);
    await editor.edit((e) => e.insert(new vscode.Position(0, 4), 'black '));
    selectLine(editor, 0);
    const after = await inspectNow(api);
    await api.panelReady();
    const outcome = await vscode.commands.executeCommand<Outcome>('attentionLens.compareWithPrevious');
    assert.deepEqual(outcome, { ok: true, detail: String(first.runId) });
    assert.ok(
      api.panelMessages().some((m) => m.type === ToWebviewType.Baseline && m.show),
      'the inspector is told to open the Compare runs tab',
    );
    // The real webview asks for the comparison of the shown run once its tab is open.
    const shown = await waitFor('the Compare runs tab to ask and get its comparison', () =>
      comparisons(api).find((c) => c.baseline.runId === first.runId),
    );
    assert.equal(shown.pinned, false);
    assert.deepEqual(
      shown.input.currentOnly.map((i) => after.tokens[i].piece),
      ['Ġblack'],
    );
    assert.deepEqual(shown.input.baselineOnly, []);
    const c = await compare(api, after, 1, 0);
    assert.ok(!('unavailable' in c.attention), JSON.stringify(c.attention));
    const n = first.tokens.length;
    assert.equal(c.attention.baseline.length, n * n, 'every baseline token is matched: its whole map');
    // Causal maps stay causal over the matched tokens: nothing above the diagonal, in either run or their difference.
    for (let q = 0; q < n; q++) for (let k = q + 1; k < n; k++) assert.equal(c.attention.difference[q * n + k], 0);
    const cat = c.surprisal!.find((s) => after.tokens[s.current].piece === 'Ġcat')!;
    assert.ok(cat.baselineBits! > 0 && cat.currentBits! > 0);
    assert.notEqual(cat.baselineBits, cat.currentBits, '"cat" after "black" is not "cat" after "The"');

    const uri = vscode.Uri.file(path.join(os.tmpdir(), `lens-compare-${process.pid}.json`));
    const exported = await vscode.commands.executeCommand<Outcome>('attentionLens.exportComparison', { uri });
    assert.equal(exported?.ok, true, JSON.stringify(exported));
    const json = JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8'));
    assert.equal(json.format, 'attention-lens-run-comparison/1');
    assert.equal(json.baseline.runId, first.runId);
    assert.deepEqual(json.alignment.input, c.input);
    const set = after.attentionSets[0];
    assert.equal(json.headChanges.length, set.layers * set.heads);
    assert.ok(
      json.headChanges.some((h: { maxAbs: number }) => h.maxAbs > 0),
      'inserting a word changes attention somewhere',
    );
  });

  it('Pin Run as Baseline: later runs are compared with the pinned one; another model is refused with the reason', async () => {
    const editor = await openText('Paris is the capital of France.\n');
    selectLine(editor, 0);
    const pinned = await inspectNow(api);
    assert.equal((await vscode.commands.executeCommand<Outcome>('attentionLens.pinBaseline'))?.ok, true);
    await editor.edit((e) => e.replace(new vscode.Range(0, 0, 0, 5), 'Rome'));
    selectLine(editor, 0);
    await inspectNow(api);
    await editor.edit((e) => e.replace(new vscode.Range(0, 0, 0, 4), 'Berlin'));
    selectLine(editor, 0);
    const third = await inspectNow(api);
    await api.panelReady();
    const c = await compare(api, third, 0, 'mean');
    assert.equal(c.pinned, true);
    assert.equal(c.baseline.runId, pinned.runId);
    assert.ok(c.predictions.length > 0);
    await useModel(fixtureModel('tiny-bert'));
    const other = await inspectNow(api);
    await api.panelReady();
    await assert.rejects(
      compare(api, other, 0, 0),
      /Runs of two models cannot be compared: the baseline ran on .*tiny-gpt2.*, this run on .*tiny-bert/,
    );
    // Leave the Compare runs tab showing a comparison for the closing screenshot.
    await useModel(fixtureModel('tiny-gpt2'));
    const last = await openText('The cat sat on the mat because it was tired.\n');
    selectLine(last, 0);
    await inspectNow(api);
    await last.edit((e) => e.insert(new vscode.Position(0, 4), 'black '));
    selectLine(last, 0);
    await inspectNow(api);
    assert.equal((await vscode.commands.executeCommand<Outcome>('attentionLens.compareWithPrevious'))?.ok, true);
    await waitFor('the comparison shown', () => comparisons(api).find((x) => x.baseline.runId === api.lastResult()!.runId - 1));
  });
});
