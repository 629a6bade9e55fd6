// The Select Model picker in a real VS Code: text typed into it becomes a "Use folder …" / "Use Hub model …"
// row that selects that model, and every model has one name — the picker's rows, the status bar and the
// inspector's summary say the same.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LensTestApi } from '../../src/testApi';
import { useFakeHub } from './fakeHubSetting';
import { fixtureModel, inspectNow, lensApi, openSample, selectLine, type Outcome, useModel, waitFor } from './surfaceHelpers';

type Picker = vscode.QuickPick<vscode.QuickPickItem>;

/** Opens Select Model as the status bar click does; resolves the picker once its rows are listed. */
async function openPicker(api: LensTestApi): Promise<{ picker: Picker; outcome: Thenable<Outcome> }> {
  const outcome = vscode.commands.executeCommand<Outcome>('attentionLens.selectModel');
  const picker = await waitFor('the model picker', () => {
    const p = api.modelPicker();
    return p && !p.busy && p.items.length > 0 && p;
  });
  return { picker, outcome };
}

/**
 * Types into the picker (its value, as the keyboard sets it) and waits for the row the text becomes, until the
 * workbench reports it active: the items travel to the workbench asynchronously, and an accept sent before they
 * arrive acts on the rows it still shows (seen as a cancelled pick when the whole suite ran).
 */
async function typeInto(picker: Picker, text: string, label: string): Promise<vscode.QuickPickItem> {
  let shown = false;
  const listener = picker.onDidChangeActive((items) => (shown ||= items[0]?.label === label));
  try {
    picker.value = text;
    const row = await waitFor(`a "${label}" row`, () => picker.items[0]?.label === label && picker.items[0], 5000);
    await waitFor(`the workbench to show the "${label}" row`, () => shown, 5000);
    return row;
  } finally {
    listener.dispose();
  }
}

const rows = (picker: Picker) => picker.items.filter((i) => i.kind !== vscode.QuickPickItemKind.Separator);

describe('Attention Lens: the model picker', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
  });

  it('typed folder path becomes "Use folder …" and selects that model', async () => {
    await useModel(fixtureModel('tiny-bert'));
    const { picker, outcome } = await openPicker(api);
    const folder = fixtureModel('tiny-gpt2');
    const row = await typeInto(picker, folder, `$(folder) Use folder ${folder}`);
    assert.equal(row.alwaysShow, true, 'the filter never hides it');
    picker.activeItems = [row];
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.deepEqual(await outcome, { ok: true, detail: folder });
    assert.equal(api.loadedModel()?.spec, folder);
    assert.equal(api.statusBar().text, '$(telescope) tiny-gpt2 · CPU');
  });

  it('typed Hub id becomes "Use Hub model …"; text that names nothing gets a hint that does not close the picker', async () => {
    const { picker, outcome } = await openPicker(api);
    await typeInto(picker, 'lens-test/some-model', '$(cloud-download) Use Hub model lens-test/some-model');
    const hint = await typeInto(picker, 'not a model', '$(info) “not a model” is neither a Hub model id nor a folder');
    picker.activeItems = [hint];
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.equal(api.modelPicker(), picker, 'accepting the hint keeps the picker open');
    picker.hide();
    assert.deepEqual(await outcome, { ok: false, cancelled: true });
  });

  it('the embedded model has one name in the picker, the status bar and the panel; no fact is said twice', async () => {
    await useModel('default-masked');
    const { picker, outcome } = await openPicker(api);
    const listed = rows(picker);
    const all = listed.flatMap((i) => [i.label, i.description ?? '', i.detail ?? '']).join('\n');
    assert.doesNotMatch(all, /default-masked|default-causal/, 'settings aliases are not model names');
    const active = listed.find((i) => i.label.startsWith('$(check) '));
    assert.equal(active?.label, '$(check) lens-bert-mini');
    assert.equal(listed.filter((i) => i.label.endsWith('lens-bert-mini')).length, 1, 'listed once');
    assert.equal(active?.detail, 'embedded');
    for (const item of listed) {
      const facts = (item.detail ?? '').split(' · ');
      assert.equal(new Set(facts).size, facts.length, `"${item.detail}" repeats itself`);
    }
    picker.hide();
    await outcome;
    assert.match(api.statusBar().text, /^\$\(telescope\) lens-bert-mini · /);
    const editor = await openSample();
    selectLine(editor, 1);
    assert.equal((await inspectNow(api)).model.id, 'lens-bert-mini');
  });
});

describe('Attention Lens: the model picker, ONNX variants of a Hub model', () => {
  const HUB_ID = 'lens-test/tiny-gpt2-variants';
  let api: LensTestApi;
  const suite = useFakeHub(() => {
    const dir = fixtureModel('tiny-gpt2');
    const files: Record<string, Buffer> = {};
    for (const name of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) {
      files[name] = fs.readFileSync(path.join(dir, name));
    }
    // The same graph under two variant names: which one loads shows in the loaded model's file.
    files['onnx/model.onnx'] = files['onnx/model_q4.onnx'] = fs.readFileSync(path.join(dir, 'onnx', 'model.onnx'));
    return { [HUB_ID]: files };
  });

  before(async () => {
    api = await lensApi();
  });

  it('a Hub model with several ONNX files asks which, and downloads and loads only the one chosen', async () => {
    const { picker, outcome } = await openPicker(api);
    const row = await typeInto(picker, HUB_ID, `$(cloud-download) Use Hub model ${HUB_ID}`);
    picker.activeItems = [row];
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const variants = await waitFor('the ONNX file list', () => {
      const p = api.modelPicker();
      return p && p !== picker && !p.busy && p.items.length > 0 && p;
    });
    assert.deepEqual(
      variants.items.map((i) => i.label),
      ['onnx/model.onnx', 'onnx/model_q4.onnx'],
    );
    // Accept only once the workbench reports the row active, as typeInto does: an earlier accept takes the first row.
    const q4 = variants.items[1];
    let shown = false;
    const listener = variants.onDidChangeActive((items) => (shown ||= items[0]?.label === q4.label));
    variants.activeItems = [q4];
    await waitFor('the workbench to make onnx/model_q4.onnx active', () => shown, 5000).finally(() => listener.dispose());
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.equal((await outcome)?.ok, true, JSON.stringify(await outcome));
    assert.equal(api.loadedModel()?.spec, `${HUB_ID}:model_q4`);
    assert.equal(suite.hub.count('/onnx/model.onnx'), 0, 'the other variant was not downloaded');
    assert.ok(fs.existsSync(path.join(suite.cacheDir, 'models--lens-test--tiny-gpt2-variants', 'main', '.complete.model_q4.json')));
  });
});
