// The inspector as a user drives it, in a real VS Code: a clicked token is selected in the editor group that
// shows its document while the panel stays visible (and does not reload); an edited run is marked stale, its
// clicks do nothing to the editor, and Re-run inspects the edited text where the edits moved it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { FromWebviewType, ToWebviewType, type StaleMessage } from '../../src/protocol';
import type { LensTestApi } from '../../src/testApi';
import { fixtureModel, inspectNow, lensApi, openSample, openText, results, selectLine, sleep, useModel, waitFor } from './surfaceHelpers';

function inspectorGroup(): vscode.TabGroup | undefined {
  return vscode.window.tabGroups.all.find((g) =>
    g.tabs.some((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('attentionLens.inspector')),
  );
}

function textTabsOf(group: vscode.TabGroup | undefined, uri: vscode.Uri): vscode.Tab[] {
  return (group?.tabs ?? []).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString());
}

/** Puts the focus in the inspector's group, as a click into the panel does. */
async function focusInspector(): Promise<void> {
  const group = inspectorGroup();
  assert.ok(group, 'the inspector has a tab group');
  const focus = [
    'workbench.action.focusFirstEditorGroup',
    'workbench.action.focusSecondEditorGroup',
    'workbench.action.focusThirdEditorGroup',
  ][group.viewColumn - 1];
  await vscode.commands.executeCommand(focus);
  await waitFor('the inspector group to be active', () => vscode.window.tabGroups.activeTabGroup.viewColumn === group.viewColumn);
}

describe('Attention Lens: the inspector in use', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
    await useModel(fixtureModel('tiny-bert'));
  });

  it('a clicked token is selected in the group that shows the document; the panel stays visible and does not reload', async () => {
    const editor = await openSample();
    selectLine(editor, 1);
    const summary = await inspectNow(api);
    await api.panelReady();
    const cat = summary.tokens.findIndex((t) => t.piece === 'cat');
    const uri = editor.document.uri;
    const resultsBefore = results(api.panelMessages()).length;
    await focusInspector();
    const group = inspectorGroup()!;
    assert.notEqual(group.viewColumn, editor.viewColumn, 'the inspector opened beside the editor');

    await api.sendFromWebview('panel', { type: FromWebviewType.RevealToken, runId: summary.runId, index: cat });
    const shown = await waitFor('the token selected in the editor', () =>
      vscode.window.visibleTextEditors.find(
        (e) => e.document.uri.toString() === uri.toString() && editor.document.getText(e.selection) === 'cat',
      ),
    );
    assert.equal(shown.viewColumn, editor.viewColumn, 'revealed in the group that already showed the document');
    assert.deepEqual(textTabsOf(inspectorGroup(), uri), [], "no copy of the document opened in the inspector's group");
    assert.equal(api.isPanelVisible(), true, 'the inspector is still visible');
    await sleep(1000);
    assert.equal(results(api.panelMessages()).length, resultsBefore, 'the panel did not reload (a reload replays the result)');

    // With no editor showing the document (another covers it), it opens in the group the run came from.
    await openText('Another document covers sample.txt.');
    assert.ok(!vscode.window.visibleTextEditors.some((e) => e.document.uri.toString() === uri.toString()));
    await focusInspector();
    await api.sendFromWebview('panel', { type: FromWebviewType.RevealToken, runId: summary.runId, index: cat + 1 });
    const reopened = await waitFor('the document shown again with the token selected', () =>
      vscode.window.visibleTextEditors.find(
        (e) => e.document.uri.toString() === uri.toString() && e.document.getText(e.selection) === 'sat',
      ),
    );
    assert.equal(reopened.viewColumn, editor.viewColumn);
    assert.deepEqual(textTabsOf(inspectorGroup(), uri), []);
    assert.equal(api.isPanelVisible(), true);
  });

  it('an edited run is stale: a token click leaves the editor alone, and Re-run inspects the edited text where it moved', async () => {
    const editor = await openText('A first line.\nThe cat sat on the mat.\nA last line.');
    selectLine(editor, 1);
    const run = await inspectNow(api);
    await api.panelReady();
    await editor.edit((b) => {
      b.insert(new vscode.Position(0, 0), 'Inserted above.\n');
      b.replace(new vscode.Range(1, 4, 1, 7), 'dog');
    });
    await waitFor('the run marked stale', () => api.lastResult()?.stale);
    const stale = api.panelMessages().filter((m): m is StaleMessage => m.type === ToWebviewType.Stale);
    assert.equal(stale.at(-1)?.runId, run.runId, 'the panel was told');
    assert.equal(stale.at(-1)?.message, 'The text changed after this run: what is shown is the text as it was.');

    const selection = editor.selection;
    await api.sendFromWebview('panel', { type: FromWebviewType.RevealToken, runId: run.runId, index: 2 });
    await sleep(300);
    assert.ok(editor.selection.isEqual(selection), 'a stale span is not selected in the changed text');

    await api.sendFromWebview('panel', { type: FromWebviewType.Rerun, runId: run.runId });
    await waitFor('the re-run', () => api.lastResult()?.runId !== run.runId && api.lastResult());
    await api.whenIdle();
    const rerun = api.lastResult()!;
    assert.equal(rerun.summary.text, 'The dog sat on the mat.');
    assert.equal(rerun.stale, undefined);
    assert.equal(rerun.uri, editor.document.uri.toString());
    assert.equal(editor.document.lineAt(2).text, 'The dog sat on the mat.', 'the inspected line moved down by one');
  });
});
