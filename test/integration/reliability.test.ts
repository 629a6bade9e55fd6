// Runs under stress in a real VS Code: fifty commands at once, the panel closed mid-run, the document edited
// mid-run, a model switch mid-run, the worker killed (mid-run and idle), and malformed messages from a webview.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { FromWebviewType, ToWebviewType, type Params, type ReplyMessage, type RequestMethod, type StaleMessage } from '../../src/protocol';
import type { LensTestApi } from '../../src/testApi';
import {
  fixtureModel,
  inspectNow,
  lensApi,
  openText,
  panelMessagesSince,
  results,
  selectLine,
  selectModel,
  useModel,
  waitFor,
} from './surfaceHelpers';

const LINES = Array.from({ length: 50 }, (_, i) => `Sentence number ${i} says the cat sat on mat ${i}.`).join('\n');

describe('Attention Lens under stress', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
    await useModel(fixtureModel('tiny-bert'));
  });

  it("50 inspect commands fired at once show only the last one's result, and nothing is left running", async () => {
    const editor = await openText(LINES);
    selectLine(editor, 0);
    await inspectNow(api);
    await api.panelReady();
    const before = api.stats();
    const firstNew = api.panelPostCount();
    const commands: Thenable<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      selectLine(editor, i);
      commands.push(vscode.commands.executeCommand('attentionLens.inspectSelection'));
    }
    await Promise.all(commands);
    await api.whenIdle();
    const after = api.stats();
    assert.equal(after.started - before.started, 50);
    assert.equal(api.lastResult()?.summary.text, editor.document.lineAt(49).text, "the last command's text is shown");
    assert.equal(after.published - before.published, 1, 'only one result was published');
    assert.equal(after.superseded - before.superseded, 49, 'the other 49 ended silently');
    // The panel may get it a moment after the engine is idle (a panel revealed anew posts once its webview is Ready).
    const last = editor.document.lineAt(49).text;
    assert.equal(api.isPanelVisible(), true, 'the panel is beside the editor, not under it');
    const shown = await waitFor('the last result in the panel', () => {
      const sent = results(panelMessagesSince(api, firstNew));
      return sent.some((s) => s.text === last) && sent;
    });
    assert.deepEqual(
      shown.map((s) => s.text),
      [editor.document.lineAt(49).text],
    );
    assert.notEqual(api.status().state, 'error');
  });

  it('closing the panel mid-run raises no error and leaves nothing behind', async () => {
    const editor = await openText('The cat sat on the mat because it was tired.');
    selectLine(editor, 0);
    await api.killWorker(); // the next run restarts the worker and reloads the model: it takes a while
    const closedBefore = api.stats().closedPanels;
    const running = vscode.commands.executeCommand('attentionLens.inspectSelection');
    await waitFor('the panel to open', () => api.isPanelOpen());
    api.closePanel();
    await running;
    await api.whenIdle();
    assert.equal(api.isPanelOpen(), false);
    assert.equal(api.stats().closedPanels, closedBefore + 1, "the panel's channel was disposed");
    assert.deepEqual(api.panelMessages(), [], 'no channel is left posting');
    assert.notEqual(api.status().state, 'error');
    assert.equal(api.lastResult()?.summary.text, editor.document.getText(), 'the run still finished for the hover');
  });

  it('a document edited mid-run gets a stale result, never applied to the new text', async () => {
    const editor = await openText('The cat sat on the mat because it was tired.');
    selectLine(editor, 0);
    await api.killWorker();
    const running = vscode.commands.executeCommand('attentionLens.inspectSelection');
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'Yesterday '));
    await running;
    await api.whenIdle();
    const run = api.lastResult();
    assert.ok(run);
    assert.equal(run.summary.text, 'The cat sat on the mat because it was tired.', 'the result is of the text it ran on');
    assert.match(run.stale ?? '', /^The text changed after this run/);
    await api.panelReady();
    const stale = api.panelMessages().filter((m): m is StaleMessage => m.type === ToWebviewType.Stale);
    assert.equal(stale[stale.length - 1]?.runId, run.runId, 'the panel was told');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      editor.document.uri,
      new vscode.Position(0, 15),
    );
    assert.ok(
      !hovers.some((h) => h.contents.some((c) => (typeof c === 'string' ? c : c.value).includes('Attention Lens'))),
      'no hover from a stale run',
    );
  });

  it("a model switch mid-run drops the old model's result and re-runs on the new one", async () => {
    const editor = await openText('The cat sat on the mat.');
    selectLine(editor, 0);
    await inspectNow(api);
    await api.killWorker();
    const running = vscode.commands.executeCommand('attentionLens.inspectSelection');
    const switched = await selectModel(fixtureModel('tiny-gpt2'));
    assert.equal(switched?.ok, true);
    await running;
    await waitFor('a causal result', () => api.lastResult()?.summary.model.task === 'next-token');
    await api.whenIdle();
    const last = api.lastResult()!;
    assert.equal(last.summary.model.task, 'next-token');
    assert.equal(last.summary.text, 'The cat sat on the mat.');
    await useModel(fixtureModel('tiny-bert'));
  });

  it('a worker killed mid-run is reported as it is, and the next run restarts it', async () => {
    const editor = await openText('The cat sat on the mat.');
    selectLine(editor, 0);
    await inspectNow(api);
    const running = vscode.commands.executeCommand('attentionLens.inspectSelection');
    await api.killWorker();
    await running;
    await api.whenIdle();
    const status = api.status();
    if (status.state === 'error') assert.match(status.message, /^The inference worker stopped \(.*\); it restarts on the next run\.$/);
    const again = await inspectNow(api);
    assert.equal(again.text, 'The cat sat on the mat.');
    assert.notEqual(api.status().state, 'error');
  });

  it('a worker that stops while idle is shown in the panel and the status bar until the next run restarts it with the model', async () => {
    const editor = await openText('The cat sat on the mat.');
    selectLine(editor, 0);
    const before = await inspectNow(api);
    await api.panelReady();
    const firstNew = api.panelPostCount();
    await api.killWorker();
    const message = 'The inference worker stopped (it was stopped); it restarts on the next run.';
    assert.deepEqual(api.status(), { state: 'error', message });
    const statuses = panelMessagesSince(api, firstNew).filter((m) => m.type === ToWebviewType.Status);
    assert.deepEqual(statuses.at(-1), { type: ToWebviewType.Status, state: 'error', message }, 'the panel was told');
    const stopped = api.statusBar();
    assert.equal(stopped.text, '$(warning) tiny-bert · worker stopped');
    assert.equal(stopped.tooltip.split('\n')[0], message);
    const again = await inspectNow(api);
    assert.deepEqual([again.text, again.model.id], ['The cat sat on the mat.', before.model.id], 'the next run reloaded the model');
    assert.equal(api.statusBar().text, '$(telescope) tiny-bert · CPU');
    assert.notEqual(api.status().state, 'error');
  });

  it('validates webview messages: malformed ones are dropped, requests get typed replies', async () => {
    const editor = await openText('The cat sat on the mat.');
    selectLine(editor, 0);
    const summary = await inspectNow(api);
    await api.panelReady();
    const dropped = api.stats().droppedMessages;
    const badId = { type: 'request', requestId: -1, method: 'layer', params: { runId: summary.runId, set: 'self', layer: 0 } };
    await api.sendFromWebview('panel', badId);
    await api.sendFromWebview('panel', { type: 'readFile', path: '/etc/passwd' });
    await api.sendFromWebview('panel', 'ready');
    await api.sendFromWebview('panel', { type: 'export', format: '../../x' });
    await api.sendFromWebview('panel', {
      type: 'request',
      requestId: 1,
      method: 'layer',
      params: { runId: summary.runId, set: '../self', layer: 0 },
    });
    assert.equal(api.stats().droppedMessages, dropped + 5);

    const ask = <M extends RequestMethod>(requestId: number, method: M, params: Params<M>) =>
      api.sendFromWebview('panel', { type: FromWebviewType.Request, requestId, method, params });
    const runId = summary.runId;
    await ask(901, 'layer', { runId, set: 'self', layer: 1 });
    await ask(902, 'layer', { runId: runId - 1, set: 'self', layer: 0 });
    await ask(903, 'layer', { runId, set: 'self', layer: 9 });
    await ask(904, 'maskedAt', { runId, position: 2 });
    await ask(905, 'unmasked', { runId });
    await ask(906, 'unmasked', { runId: runId - 1 });
    await ask(907, 'logits', { runId, position: 2 });
    await ask(908, 'logits', { runId, position: summary.tokens.length });
    await ask(909, 'layer', { runId, set: 'cross', layer: 0 });
    await ask(910, 'layer', { runId, set: 'self', layer: 1, heads: [3, 1] });
    await ask(911, 'layer', { runId, set: 'self', layer: 1, heads: [4] });
    const replies = new Map(
      api
        .panelMessages()
        .filter((m): m is ReplyMessage => m.type === ToWebviewType.Reply)
        .map((m) => [m.inReplyTo, m]),
    );
    const reply = <M extends RequestMethod>(requestId: number, _method: M) => replies.get(requestId) as ReplyMessage<M> | undefined;
    const layer = reply(901, 'layer')?.result;
    assert.ok(layer?.runId === runId && layer.layer === 1, JSON.stringify(replies.get(901)));
    const n = summary.tokens.length;
    assert.ok(layer.data instanceof Float32Array);
    assert.equal(layer.data.length, 4 * n * n);
    const rowSum = layer.data.subarray(0, n).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(rowSum - 1) < 1e-5, `rows sum to 1 (${rowSum})`);
    const some = reply(910, 'layer')?.result;
    assert.deepEqual(some?.only, [3, 1], JSON.stringify(replies.get(910)));
    assert.deepEqual(
      some.data,
      Float32Array.from([...layer.data.subarray(3 * n * n, 4 * n * n), ...layer.data.subarray(n * n, 2 * n * n)]),
      'heads 3 and 1 of layer 1, exactly as in the whole layer',
    );
    assert.equal(replies.get(911)?.error, "head 4 is not one of the set's 4 heads, or is named twice");
    assert.equal(replies.get(902)?.error, 'that run is no longer the one shown');
    assert.equal(replies.get(903)?.error, 'layer 9 does not exist: the model has 2 layers');
    const masked = reply(904, 'maskedAt')?.result;
    assert.ok(masked?.length === 5, JSON.stringify(replies.get(904)));
    const unmasked = reply(905, 'unmasked')?.result;
    assert.ok(unmasked?.length === n, JSON.stringify(replies.get(905)));
    assert.ok(
      unmasked.every(
        (top) => top.length === 5 && top.every((p, i) => p.probability > 0 && (i === 0 || p.probability <= top[i - 1].probability)),
      ),
    );
    assert.equal(replies.get(906)?.error, 'that run is no longer the one shown');
    // The whole vocabulary's logits at a position, as a Float32Array, with its best ids labelled: the same
    // distribution whose top-5 the unmasked ranking gave.
    const row = reply(907, 'logits')?.result;
    assert.ok(row, JSON.stringify(replies.get(907))?.slice(0, 200));
    assert.ok(row.logits instanceof Float32Array);
    assert.equal(row.logits.length, summary.model.vocabSize);
    assert.equal(row.top.length, 100);
    const max = row.logits.reduce((m, x) => Math.max(m, x), -Infinity);
    const z = row.logits.reduce((sum, x) => sum + Math.exp(x - max), 0);
    unmasked[2].forEach((p, i) => {
      assert.equal(row.top[i].id, p.id, `best id ${i}`);
      assert.ok(Math.abs(Math.exp(row.logits[p.id] - max) / z - p.probability) < 1e-5, `p(${p.id}) from the row`);
    });
    assert.equal(replies.get(908)?.error, `position ${summary.tokens.length} is outside the run's ${summary.tokens.length} tokens`);
    assert.equal(
      replies.get(909)?.error,
      'this run has no attention set "cross" (it has self)',
      "the host checks the set against the run's",
    );
  });
});
