// Inside a real extension host: open sample.txt, select a line, run "Attention Lens: Inspect Selection" and
// check what the host sent to the inspector panel (the panel's own rendering is checked by the user-flow test).
// The model is the tiny BERT fixture (random weights, the real bert-base-uncased WordPiece vocabulary), so the
// tokens are exact and the run is fast whatever the embedded default model is.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ResultMessage, RunSummary, ToWebviewMessage } from '../../src/protocol';
import type { LensTestApi } from '../../src/testApi';

const EXTENSION_ID = 'attention-lens.attention-lens';

function lastResult(messages: ToWebviewMessage[]): RunSummary {
  const results = messages.filter((m): m is ResultMessage => m.type === 'result');
  assert.ok(results.length > 0, `the panel got no result message (got: ${messages.map((m) => m.type).join(', ') || 'nothing'})`);
  return results[results.length - 1].summary;
}

async function selectLine(file: string, line: number): Promise<{ editor: vscode.TextEditor; text: string }> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the harness opens a workspace folder');
  const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, file));
  const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
  const text = document.lineAt(line).text;
  editor.selection = new vscode.Selection(line, 0, line, text.length);
  return { editor, text };
}

async function inspect(api: LensTestApi): Promise<RunSummary> {
  await vscode.commands.executeCommand('attentionLens.inspectSelection');
  await api.whenIdle();
  await api.panelReady();
  return lastResult(api.panelMessages());
}

describe('Inspect Selection in a real VS Code', () => {
  let api: LensTestApi;

  before(async () => {
    const extension = vscode.extensions.getExtension<LensTestApi | undefined>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is loaded as the extension under development`);
    const exported = await extension.activate();
    assert.ok(exported, 'activate() returns the test API in development mode');
    api = exported;
    const spec = path.join(extension.extensionPath, 'test', 'fixtures', 'models', 'tiny-bert');
    const outcome = await vscode.commands.executeCommand<{ ok: boolean; detail?: string }>('attentionLens.selectModel', { spec });
    assert.equal(outcome?.ok, true, `selecting ${spec}: ${JSON.stringify(outcome)}`);
  });

  it('lists the selected line as WordPiece tokens with spans in the selection', async () => {
    const { text } = await selectLine('sample.txt', 1);
    assert.equal(text, 'The cat sat on the mat because it was tired.');
    const summary = await inspect(api);

    assert.equal(summary.text, text);
    assert.equal(summary.model.task, 'fill-mask');
    assert.deepEqual(
      summary.tokens.map((t) => t.piece),
      ['[CLS]', 'the', 'cat', 'sat', 'on', 'the', 'mat', 'because', 'it', 'was', 'tired', '.', '[SEP]'],
    );
    for (const token of summary.tokens.filter((t) => !t.special)) {
      assert.equal(summary.text.slice(token.start, token.end).toLowerCase(), token.piece, `span of token ${token.index}`);
    }
    assert.equal(summary.attentionUnavailable, null, 'the tiny BERT exposes its attention');
    assert.equal(api.isPanelOpen(), true);
  });

  it('predicts the [MASK] of a sentence with a descending top-k', async () => {
    const { text } = await selectLine('sample.txt', 2);
    assert.equal(text, 'Paris is the [MASK] of France.');
    const summary = await inspect(api);

    assert.equal(summary.text, text);
    assert.equal(summary.predictions.task, 'fill-mask');
    const maskIndex = summary.tokens.findIndex((t) => t.piece === '[MASK]');
    assert.ok(maskIndex > 0, 'the [MASK] in the text is one token');
    assert.deepEqual(
      summary.predictions.ranked.map((m) => m.position),
      [maskIndex],
    );
    const top = summary.predictions.ranked[0].top;
    assert.ok(top.length >= 1, 'at least one prediction');
    for (let i = 1; i < top.length; i++) assert.ok(top[i - 1].probability >= top[i].probability, 'best first');
    const total = top.reduce((sum, p) => sum + p.probability, 0);
    assert.ok(total > 0 && total <= 1 + 1e-6, `top-k probabilities sum to ${total}`);
  });
});
