// Show Surprisal in the real VS Code: colours drawn over every scored token, overview-ruler marks, the hover, an
// edit re-running only the windows from its first changed token, a masked model refused, the toggle clearing.
// Run alone (ATTENTION_LENS_GREP="Show Surprisal"), the harness's closing screenshot shows the coloured document.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LensTestApi } from '../../src/testApi';
import { fixtureModel, hoverText, lensApi, openText, setSetting, useModel } from './surfaceHelpers';

const LINES = [
  'The cat sat on the mat and the dog ran to it.',
  'But then it was not there, so they all went home for tea.',
  'function add(a, b) { return a + b; }',
  'The quick brown fox jumps over the lazy dog.',
  'Colourless green ideas sleep furiously tonight.',
  'It was the best of times, it was the worst of times.',
];
const TEXT = LINES.join('\n') + '\n';

describe('Show Surprisal', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
    await setSetting('surprisal.window', 16);
    await setSetting('surprisal.stride', 8);
  });
  after(async () => {
    await setSetting('surprisal.window', undefined);
    await setSetting('surprisal.stride', undefined);
  });

  it('with a masked model, says a causal model is needed and draws nothing', async () => {
    await useModel(fixtureModel('tiny-bert'));
    const editor = await openText('The cat sat on the mat.');
    const on = await vscode.commands.executeCommand<boolean>('attentionLens.showSurprisal');
    assert.equal(on, false);
    assert.equal(api.surprisal.isOn(editor.document.uri.toString()), false);
  });

  it('colours every scored token, marks the top 1 % in the ruler, hovers, and an edit re-runs only its windows', async () => {
    await useModel(fixtureModel('tiny-gpt2'));
    const editor = await openText(TEXT);
    const uri = editor.document.uri.toString();
    assert.equal(await vscode.commands.executeCommand<boolean>('attentionLens.showSurprisal'), true);
    await api.surprisal.whenScanned(uri);
    const first = api.surprisal.windows(uri)!;
    assert.ok(first.planned > 4, `${first.planned} windows of 16 tokens`);
    assert.equal(first.run, first.planned, 'every window ran');
    assert.equal(first.pendingFrom, undefined, 'nothing pending');
    const drawn = api.surprisal.drawn();
    const coloured = drawn.levels.flat();
    assert.ok(coloured.length > 60, `${coloured.length} tokens coloured`);
    assert.ok(drawn.levels.filter((l) => l.length > 0).length >= 2, 'more than one colour level in use');
    assert.ok(drawn.ruler.length >= 1 && drawn.ruler.length <= Math.ceil(coloured.length * 0.01) + 1);
    assert.equal(drawn.pending.length, 0);
    assert.match(api.surprisal.statusBar().text, /Surprisal .*bits/);

    // The hover over "mat": its bits, probability and what the model expected, the top-k asked of the worker for
    // that token alone (the scan's replies carry none); hovered again, it is the answer kept.
    const asked = api.surprisal.topKAsked();
    const hover = await hoverText(editor.document.uri, new vscode.Position(0, 20));
    const bits = /\*\*Surprisal\*\* ([\d.]+) bits · p = ([\d.e+-]+)/.exec(hover);
    assert.ok(bits, hover);
    assert.ok(Math.abs(2 ** -Number(bits[1]) - Number(bits[2])) <= 0.01 * Number(bits[2]) + 1e-3, hover);
    const expected = /The model expected: (.*)/.exec(hover);
    assert.ok(expected, hover);
    assert.equal(expected[1].match(/`[^`]*` [\d.e+-]+/g)?.length, 5, `the top-5 (attentionLens.topK): ${hover}`);
    assert.equal(api.surprisal.topKAsked(), asked + 1, 'one top-k request for the hovered token');
    assert.equal(await hoverText(editor.document.uri, new vscode.Position(0, 20)), hover);
    assert.equal(api.surprisal.topKAsked(), asked + 1, 'the same token hovered again: the kept answer');

    // An edit on the last line: only the windows from the one scoring its first changed token run again; the
    // changed part is pending (never the old values) until they do.
    const last = editor.document.lineCount - 2;
    await editor.edit((b) => b.insert(new vscode.Position(last, 7), ' surely'));
    const pending = api.surprisal.windows(uri)!.pendingFrom;
    assert.ok(pending !== undefined && pending <= editor.document.offsetAt(new vscode.Position(last, 7)), 'pending from the edit');
    assert.equal(api.surprisal.drawn().pending.length, 1);
    // A token after the edit has no current score until its window runs again: no hover, no old top-k.
    assert.doesNotMatch(await hoverText(editor.document.uri, new vscode.Position(last, 20)), /Surprisal/);
    await api.surprisal.whenScanned(uri);
    const again = api.surprisal.windows(uri)!;
    assert.ok(again.planned >= 1 && again.planned <= 3, `re-ran ${again.planned} of ${first.planned} windows`);
    assert.equal(again.run, again.planned);
    assert.equal(again.pendingFrom, undefined);
    assert.ok(api.surprisal.drawn().levels.flat().length > coloured.length, 'the inserted word is coloured too');
  });

  it('the toggle clears the document; toggled on again it is drawn (left on for the screenshot)', async () => {
    const editor = vscode.window.activeTextEditor!;
    const uri = editor.document.uri.toString();
    assert.equal(await vscode.commands.executeCommand<boolean>('attentionLens.showSurprisal'), false);
    assert.equal(api.surprisal.isOn(uri), false);
    assert.equal(api.surprisal.drawn().levels.flat().length, 0);
    assert.doesNotMatch(await hoverText(editor.document.uri, new vscode.Position(0, 20)), /Surprisal/);
    await setSetting('surprisal.window', undefined);
    await setSetting('surprisal.stride', undefined);
    assert.equal(await vscode.commands.executeCommand<boolean>('attentionLens.showSurprisal'), true);
    await api.surprisal.whenScanned(uri);
    assert.ok(api.surprisal.drawn().levels.flat().length > 60);
  });
});
