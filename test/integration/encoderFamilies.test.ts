// BERT's relatives in the real VS Code: the mask token is always the model's own. Mask Token at Cursor inserts it
// (RoBERTa's and XLM-R's <mask>, ALBERT's [MASK]), its literal text in a selection is that token with the exact
// editor span, and the hover names it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LensTestApi } from '../../src/testApi';
import { fixtureModel, hoverText, inspectNow, lensApi, openText, selectLine, useModel } from './surfaceHelpers';

describe("BERT's relatives: each model's own mask token", () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
  });

  for (const [name, mask] of [
    ['tiny-roberta', '<mask>'],
    ['tiny-albert', '[MASK]'],
  ] as const) {
    it(`${name}: Mask Token at Cursor inserts ${mask} and fills it`, async () => {
      await useModel(fixtureModel(name));
      const editor = await openText('intro line\nThe cat sat on the mat because it was tired.\n');
      const line = editor.document.lineAt(1).text;
      const at = line.indexOf('mat');
      editor.selection = new vscode.Selection(1, at + 1, 1, at + 1);
      await vscode.commands.executeCommand('attentionLens.maskTokenAtCursor');
      await api.whenIdle();
      const run = api.lastResult();
      assert.ok(run);
      assert.equal(run.summary.model.maskToken, mask);
      assert.equal(run.summary.text, line.replace('mat', mask));
      const masked = run.summary.tokens.filter((t) => t.piece === mask);
      assert.equal(masked.length, 1, run.summary.tokens.map((t) => t.piece).join(' '));
      assert.equal(run.summary.text.slice(masked[0].start, masked[0].end), mask);
      const { predictions } = run.summary;
      assert.ok(predictions.task === 'fill-mask');
      assert.deepEqual(
        predictions.ranked.map((r) => r.position),
        [masked[0].index],
      );
    });
  }

  it('tiny-xlm-roberta: a typed " <mask>" is the mask token, its editor span exact, and the hover names <mask>', async () => {
    await useModel(fixtureModel('tiny-xlm-roberta'));
    const editor = await openText('intro line\nThe capital of France is <mask>.\n');
    selectLine(editor, 1);
    const summary = await inspectNow(api);
    const mask = summary.tokens.find((t) => t.piece === '<mask>');
    assert.ok(mask, summary.tokens.map((t) => t.piece).join(' '));
    const start = new vscode.Position(1, mask.start);
    assert.equal(editor.document.getText(new vscode.Range(start, new vscode.Position(1, mask.end))), '<mask>');
    assert.ok(summary.predictions.task === 'fill-mask' && summary.predictions.ranked[0].position === mask.index);
    const capital = summary.tokens.find((t) => t.end > t.start && summary.text.slice(t.start, t.end).includes('of'))!;
    const hover = await hoverText(editor.document.uri, new vscode.Position(1, capital.start + 1));
    assert.match(hover, /if this token is masked \(\\?<mask\\?>\)/, hover);
    const onMask = await hoverText(editor.document.uri, new vscode.Position(1, mask.start + 1));
    assert.match(onMask, /Top \d+ fills for this mask token:/, onMask);
  });
});
