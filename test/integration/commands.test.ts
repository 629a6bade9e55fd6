// The commands and the editor side of the surface, in a real VS Code: Inspect Selection with and without a
// selection, the context menu's when clause, the status bar, settings taking effect without a reload, the
// side view following the cursor and the inspector's layer and head, token boundaries, Mask Token at Cursor,
// the toy-model notice's model picker, and the export's file name and Open / Reveal notice.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  ToWebviewType,
  type FocusTokenMessage,
  type InspectorFocusMessage,
  type OverviewMessage,
  type StatusMessage,
} from '../../src/protocol';
import type { LensTestApi } from '../../src/testApi';
import {
  extension,
  fixtureModel,
  inspectNow,
  lensApi,
  openSample,
  openText,
  results,
  selectLine,
  selectWord,
  setSetting,
  sleep,
  unmaskedOf,
  useModel,
  waitFor,
  type Outcome,
} from './surfaceHelpers';

describe('Attention Lens commands', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
    await useModel(fixtureModel('tiny-bert'));
  });

  after(async () => {
    await setSetting('topK', undefined);
    await setSetting('tokenBoundaries', undefined);
  });

  it('Inspect Selection runs on exactly the selected text and opens the panel with its result', async () => {
    const editor = await openSample();
    const range = selectWord(editor, 1, 'cat sat on the mat');
    const summary = await inspectNow(api);
    assert.equal(summary.text, 'cat sat on the mat');
    assert.deepEqual(
      summary.tokens.filter((t) => !t.special).map((t) => t.piece),
      ['cat', 'sat', 'on', 'the', 'mat'],
    );
    assert.equal(api.lastResult()?.uri, editor.document.uri.toString());
    assert.equal(api.lastResult()?.note, undefined, 'no note when there is a selection');
    await api.panelReady();
    const shown = results(api.panelMessages());
    assert.equal(shown[shown.length - 1]?.runId, summary.runId, 'the panel got this run');
    assert.ok(range.contains(editor.selection), 'the selection is left as it was');
    // The model view's overview follows the result, downsampled in the worker (a short input: the maps as they are).
    const overview = await waitFor('the overview of this run', () =>
      api.panelMessages().find((m): m is OverviewMessage => m.type === ToWebviewType.Overview && m.overview.runId === summary.runId),
    );
    assert.deepEqual(
      [overview.overview.set, overview.overview.rows, overview.overview.cols],
      ['self', summary.tokens.length, summary.tokens.length],
    );
    assert.equal(overview.overview.data.length, summary.model.layers * summary.model.heads * summary.tokens.length ** 2);
  });

  it('Inspect Selection without a selection inspects the current line and says so', async () => {
    const editor = await openSample();
    editor.selection = new vscode.Selection(3, 5, 3, 5);
    const summary = await inspectNow(api);
    assert.equal(summary.text, editor.document.lineAt(3).text);
    assert.equal(api.lastResult()?.note, 'No selection: inspected line 4');
    await api.panelReady();
    const statuses = api.panelMessages().filter((m): m is StatusMessage => m.type === ToWebviewType.Status);
    assert.equal(
      statuses[statuses.length - 1].message,
      'No selection: inspected line 4',
      'the status says only what the facts line does not',
    );
  });

  it('Inspect Selection on an empty line says there is nothing to inspect', async () => {
    const editor = await openText('first line\n\nthird line');
    editor.selection = new vscode.Selection(1, 0, 1, 0);
    const before = api.lastResult()?.runId;
    await vscode.commands.executeCommand('attentionLens.inspectSelection');
    await api.whenIdle();
    assert.deepEqual(api.status(), { state: 'error', message: 'Nothing to inspect: no text is selected and line 2 is empty.' });
    assert.equal(api.lastResult()?.runId, before, 'the previous result stays');
  });

  it('offers Inspect Selection in the editor context menu only when there is a selection, and binds a key', () => {
    const contributes = extension().packageJSON.contributes;
    const entry = contributes.menus['editor/context'].find((m: { command: string }) => m.command === 'attentionLens.inspectSelection');
    assert.equal(entry?.when, 'editorHasSelection');
    const key = contributes.keybindings.find((k: { command: string }) => k.command === 'attentionLens.inspectSelection');
    assert.equal(key?.key, 'ctrl+alt+shift+i');
    assert.equal(key?.mac, 'cmd+alt+shift+i');
    const titles = Object.fromEntries(contributes.commands.map((c: { command: string; title: string }) => [c.command, c.title]));
    for (const id of [
      'inspectSelection',
      'selectModel',
      'maskTokenAtCursor',
      'setTarget',
      'export',
      'showLog',
      'toggleTokenBoundaries',
      'enableGpu',
      'removeGpu',
    ]) {
      assert.ok(titles[`attentionLens.${id}`], `attentionLens.${id} is contributed`);
    }
  });

  it('the panel and the side view load local resources only from dist/webview and media/, under a nonce CSP', async () => {
    await openSample();
    await inspectNow(api);
    await api.panelReady();
    await api.sideViewReady();
    const root = extension().extensionUri;
    const expected = [vscode.Uri.joinPath(root, 'dist', 'webview').toString(), vscode.Uri.joinPath(root, 'media').toString()];
    for (const view of ['panel', 'sideView'] as const) {
      const setup = api.webviewSetup(view);
      assert.ok(setup, `the ${view} is open`);
      assert.deepEqual(
        setup.options.localResourceRoots?.map((u) => u.toString()),
        expected,
        `${view}: localResourceRoots`,
      );
      assert.equal(setup.options.enableScripts, true);
      const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(setup.html)?.[1] ?? '';
      assert.match(csp, /^default-src 'none';/, `${view}: CSP starts from nothing`);
      assert.match(csp, /script-src 'nonce-[A-Za-z0-9+/=_-]{22,}'/, `${view}: scripts only by nonce`);
      assert.ok(!csp.includes('unsafe-'), `${view}: no unsafe-inline or unsafe-eval`);
      assert.ok(csp.includes(setup.cspSource), `${view}: resources from the webview resource root`);
    }
  });

  it('Remove GPU (CUDA) Provider with nothing installed by the extension removes nothing and keeps the CPU model', async () => {
    await openSample();
    await inspectNow(api);
    const before = api.loadedModel();
    assert.equal(await vscode.commands.executeCommand('attentionLens.removeGpu'), false);
    assert.deepEqual(api.loadedModel(), before, 'the loaded model was not invalidated');
  });

  it('declares limited untrusted-workspace support with the model, host and cache settings restricted', () => {
    const { capabilities, contributes } = extension().packageJSON;
    assert.equal(capabilities.untrustedWorkspaces.supported, 'limited');
    const restricted = ['attentionLens.maskedModel', 'attentionLens.causalModel', 'attentionLens.hubEndpoint', 'attentionLens.cacheFolder'];
    assert.deepEqual(capabilities.untrustedWorkspaces.restrictedConfigurations, restricted);
    const properties = contributes.configuration.properties;
    for (const key of Object.keys(properties))
      assert.ok(properties[key].description || properties[key].markdownDescription, `${key} has a description`);
    assert.deepEqual(properties['attentionLens.device'].enum, ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu']);
  });

  it('the status bar shows the model and the device that ran', async () => {
    await openSample().then((e) => selectLine(e, 1));
    await inspectNow(api);
    const { text, tooltip } = api.statusBar();
    assert.equal(text, '$(telescope) tiny-bert · CPU');
    assert.match(tooltip, /BertForMaskedLM \(masked LM\), 2 layers × 4 heads/);
    assert.match(tooltip, /Device: CPU \(asked for: auto\)/);
  });

  it('a top-k setting change takes effect without a reload (the panel re-runs)', async () => {
    const editor = await openSample();
    selectLine(editor, 1);
    const first = await inspectNow(api);
    await setSetting('topK', 3);
    const rerun = await waitFor('a re-run after the setting change', () => {
      const r = api.lastResult();
      return r && r.runId > first.runId && r;
    });
    await api.whenIdle();
    assert.equal(rerun.summary.text, first.text);
    assert.equal(rerun.summary.predictions.task, 'fill-mask');
    assert.equal((await unmaskedOf(api, rerun.runId))[1].length, 3);
    await setSetting('topK', 7);
    const seven = await inspectNow(api);
    assert.equal((await unmaskedOf(api, seven.runId))[1].length, 7);
  });

  it('the side view follows the cursor over the inspected range', async () => {
    const editor = await openSample();
    selectLine(editor, 1);
    const summary = await inspectNow(api);
    await api.sideViewReady();
    await vscode.window.showTextDocument(editor.document, vscode.ViewColumn.One);
    const mat = summary.tokens.find((t) => t.piece === 'mat');
    assert.ok(mat);
    editor.selection = new vscode.Selection(1, mat.start + 1, 1, mat.start + 1);
    const focus = await waitFor('a FocusToken for "mat"', () =>
      api.sideViewMessages().find((m): m is FocusTokenMessage => m.type === ToWebviewType.FocusToken && m.index === mat.index),
    );
    assert.equal(focus.runId, summary.runId);
    assert.ok(
      results(api.sideViewMessages()).some((r) => r.runId === summary.runId),
      'the side view got the run',
    );
    const tired = summary.tokens.find((t) => t.piece === 'tired')!;
    editor.selection = new vscode.Selection(1, tired.start, 1, tired.start);
    await waitFor('a FocusToken for "tired"', () =>
      api.sideViewMessages().some((m) => m.type === ToWebviewType.FocusToken && m.index === tired.index),
    );
  });

  it('the side view is told the inspector’s layer and head, and only the inspector’s', async () => {
    const editor = await openSample();
    selectLine(editor, 1);
    await inspectNow(api);
    await api.panelReady();
    await api.sideViewReady();
    await api.sendFromWebview('panel', { type: 'viewFocus', layer: 1, head: 2 });
    const told = await waitFor('an InspectorFocus for layer 1, head 2', () =>
      api.sideViewMessages().find((m): m is InspectorFocusMessage => m.type === ToWebviewType.InspectorFocus && m.layer === 1),
    );
    assert.equal(told.head, 2);
    // Layer 7 is one the real panel (a 2-layer model) never reports itself.
    await api.sendFromWebview('sideView', { type: 'viewFocus', layer: 7, head: 'mean' });
    await sleep(200);
    assert.ok(
      !api.sideViewMessages().some((m) => m.type === ToWebviewType.InspectorFocus && m.layer === 7),
      'the side view does not follow itself',
    );
  });

  it('a run of an embedded model says it is one, and the notice’s button opens the model picker', async () => {
    await useModel('default-masked');
    try {
      const editor = await openSample();
      selectLine(editor, 1);
      const summary = await inspectNow(api);
      assert.equal(summary.model.source, 'embedded', 'the panel shows its toy-model notice for this run');
      await api.panelReady();
      let closed = false;
      const picking = api.sendFromWebview('panel', { type: 'selectModel' }).then(() => (closed = true));
      await sleep(500);
      assert.equal(closed, false, 'the model picker is open and waits for the user');
      await waitFor('the picker to close', async () => {
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        await sleep(100);
        return closed;
      });
      await picking;
      assert.equal(api.loadedModel()?.spec, 'default-masked', 'closing the picker keeps the model');
    } finally {
      await useModel(fixtureModel('tiny-bert'));
    }
  });

  it('an export is named for its model and what it shows, and its notice opens and reveals the file', async () => {
    const editor = await openSample();
    selectLine(editor, 1);
    await inspectNow(api);
    await api.panelReady();
    const folder = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'exports');
    const json = await vscode.commands.executeCommand<Outcome>('attentionLens.export', { format: 'json', folder });
    assert.equal(json?.ok, true, JSON.stringify(json));
    assert.equal(path.basename(vscode.Uri.parse(json.detail!).fsPath), 'tiny-bert_tokens-attention-predictions.json');
    const png = await vscode.commands.executeCommand<Outcome>('attentionLens.export', { format: 'png', folder });
    assert.equal(png?.ok, true, JSON.stringify(png));
    const pngUri = vscode.Uri.parse(png.detail!);
    const name = path.basename(pngUri.fsPath);
    assert.match(name, /^tiny-bert_(tokens|head-view_L\d+(_H[\d+]+)?|model-view|matrix_L\d+_(H\d+|mean)|predictions(_T\d+)?)\.png$/);
    const notice = api.lastExportNotice();
    assert.equal(notice?.message, `Attention Lens: exported PNG to ${name}`);
    assert.deepEqual(
      notice.actions.map((a) => a.label),
      ['Open', 'Reveal'],
    );
    await notice.actions[0].run();
    await waitFor('the PNG open in a tab', () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .some((t) => (t.input as { uri?: vscode.Uri } | undefined)?.uri?.toString() === pngUri.toString()),
    );
    await notice.actions[1].run();
  });

  it('token boundaries toggle on and align exactly with the token spans', async () => {
    const editor = await openSample();
    selectLine(editor, 1);
    const summary = await inspectNow(api);
    const on = await vscode.commands.executeCommand<boolean>('attentionLens.toggleTokenBoundaries');
    assert.equal(on, true);
    const ranges = api.decorationRanges();
    const spans = summary.tokens.filter((t) => t.end > t.start);
    assert.equal(ranges.length, spans.length);
    ranges.forEach((r, i) => {
      assert.equal(editor.document.getText(r), summary.text.slice(spans[i].start, spans[i].end));
      assert.equal(r.start.character, spans[i].start);
    });
    assert.equal(await vscode.commands.executeCommand<boolean>('attentionLens.toggleTokenBoundaries'), false);
    assert.deepEqual(api.decorationRanges(), []);
  });

  it('Mask Token at Cursor runs the line with that word masked, without editing the document', async () => {
    const editor = await openSample();
    const line = editor.document.lineAt(1).text;
    const at = line.indexOf('mat');
    editor.selection = new vscode.Selection(1, at + 1, 1, at + 1);
    const version = editor.document.version;
    await vscode.commands.executeCommand('attentionLens.maskTokenAtCursor');
    await api.whenIdle();
    const run = api.lastResult();
    assert.ok(run);
    assert.equal(run.summary.text, line.replace('mat', '[MASK]'));
    assert.equal(run.note, '"mat" masked on line 2');
    assert.equal(run.uri, undefined, 'the masked copy is not mapped onto the document');
    assert.equal(editor.document.version, version, 'the document was not edited');
    assert.ok(run.summary.predictions.task === 'fill-mask' && run.summary.predictions.ranked.length === 1);
    assert.equal(run.summary.predictions.ranked[0].top.length, 7);
  });
});
