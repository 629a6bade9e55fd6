// The hover over inspected tokens, through VS Code's own hover command: token, id and span; for a masked LM
// the top-k when that token is masked (computed off the UI thread); for a causal LM the next tokens and the
// probability of the token actually there. No hover outside the range or once the document changed.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LensTestApi } from '../../src/testApi';
import { fixtureModel, hoverText, inspectNow, lensApi, openText, selectLine, unmaskedOf, useModel } from './surfaceHelpers';

describe('Attention Lens hover', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
  });

  it('on a masked LM shows the token, its id and span, and the top-k if it were masked', async () => {
    await useModel(fixtureModel('tiny-bert'));
    const editor = await openText('intro line\nThe cat sat on the mat because it was tired.\n');
    selectLine(editor, 1);
    const summary = await inspectNow(api);
    const cat = summary.tokens.find((t) => t.piece === 'cat')!;
    const text = await hoverText(editor.document.uri, new vscode.Position(1, cat.start + 1));
    assert.match(text, new RegExp(`token ${cat.index} \\*\\*cat\\*\\* · id ${cat.id} · span 2:${cat.start + 1}–2:${cat.end + 1}`));
    assert.match(text, /Top 5 if this token is masked \(\\\[MASK\\\]\):/);
    const rows = text.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    assert.equal(rows.length, 5, text);
    const percents = rows.map((r) => Number(/([\d.]+)% \|$/.exec(r)![1]));
    for (let i = 1; i < percents.length; i++) assert.ok(percents[i - 1] >= percents[i], 'best first');
    // The masked prediction differs from the unmasked run's at the same position: it really masked the token.
    const unmasked = (await unmaskedOf(api, summary.runId))[cat.index];
    const hoverTop = rows.map((r) => r.split('|')[2].trim());
    assert.notDeepEqual(
      hoverTop,
      unmasked.map((p) => p.token),
      'masked-at-position predictions come from a masked run',
    );
  });

  it('on a causal LM shows the next tokens and the probability of the token actually there', async () => {
    await useModel(fixtureModel('tiny-gpt2'));
    const editor = await openText('The cat sat on the mat.');
    selectLine(editor, 0);
    const summary = await inspectNow(api);
    assert.equal(summary.model.task, 'next-token');
    const sat = summary.tokens.find((t) => t.piece === 'Ġsat')!;
    assert.ok(sat, summary.tokens.map((t) => t.piece).join(' '));
    const text = await hoverText(editor.document.uri, new vscode.Position(0, sat.end - 1));
    const actual = summary.predictions.actual?.[sat.index] ?? null;
    assert.ok(actual !== null);
    assert.ok(text.includes(`Probability the model gave to this token here: **${(100 * actual).toFixed(2)}%**`), text);
    assert.match(text, /Top 5 next tokens after it:/);
    assert.equal(text.split('\n').filter((l) => /^\| \d+ \|/.test(l)).length, 5);
  });

  it('shows nothing outside the inspected range, and nothing once the document changed', async () => {
    await useModel(fixtureModel('tiny-bert'));
    const editor = await openText('outside words\nThe cat sat on the mat.\n');
    selectLine(editor, 1);
    await inspectNow(api);
    assert.doesNotMatch(await hoverText(editor.document.uri, new vscode.Position(0, 2)), /Attention Lens/);
    assert.match(await hoverText(editor.document.uri, new vscode.Position(1, 5)), /Attention Lens/);
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'x'));
    assert.ok(api.lastResult()?.stale, 'the result is marked stale');
    assert.doesNotMatch(await hoverText(editor.document.uri, new vscode.Position(1, 5)), /Attention Lens/);
  });
});
