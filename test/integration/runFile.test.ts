// Open Run File in a real VS Code: a file the JSON export wrote (tiny-bert.attention.json in the test workspace,
// made by tools/runFiles/makeRunFiles.ts) opens in a panel of the inspector's webview, which says it came from a
// file; the webview's requests are answered from the file's maps, what only a model could answer is refused with the
// reason, an odd message is dropped, and an invalid file is refused without touching the panel.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ToWebviewType, type OverviewMessage, type ReplyMessage, type ResultMessage } from '../../src/protocol';
import type { LensTestApi } from '../../src/testApi';
import { lensApi, waitFor } from './surfaceHelpers';

const FILE = 'tiny-bert.attention.json';

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return vscode.Uri.joinPath(folder.uri, name);
}

describe('Open Run File', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
  });

  it('opens an exported run in the inspector views, answers layer requests from the file and refuses what needs a model', async () => {
    const uri = workspaceFile(FILE);
    const file = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
    const runId = await vscode.commands.executeCommand<number | undefined>('attentionLens.openRunFile', uri);
    assert.ok(runId !== undefined, 'the file was read');
    await api.runFile.ready();
    const result = await waitFor('the run in the panel', () =>
      api.runFile.messages().find((m): m is ResultMessage => m.type === ToWebviewType.Result && m.summary.runId === runId),
    );
    const s = result.summary;
    assert.equal(s.fromFile, FILE, 'the views say the run came from a file');
    assert.deepEqual(s.tokens, file.tokens);
    assert.deepEqual(s.capabilities, { maskPosition: false, unmasked: true, logits: false }, 'only what the file holds may be asked');
    const overview = api.runFile
      .messages()
      .find((m): m is OverviewMessage => m.type === ToWebviewType.Overview && m.overview.runId === runId);
    assert.equal(overview?.overview.set, 'self', 'the model view gets its thumbnails');

    const reply = async (requestId: number, method: string, params: Record<string, unknown>): Promise<ReplyMessage> => {
      await api.runFile.send({ type: 'request', requestId, method, params: { runId, ...params } });
      return waitFor(`the reply to ${method}`, () =>
        api.runFile.messages().find((m): m is ReplyMessage => m.type === ToWebviewType.Reply && m.inReplyTo === requestId),
      );
    };
    const layer = await reply(90_001, 'layer', { set: 'self', layer: 1, heads: [2] });
    const data = (layer.result as { data: Float32Array }).data;
    const n = s.tokens.length;
    const fromFile: number[][] = file.attention.perLayer[1][2];
    assert.equal(data.length, n * n);
    fromFile.forEach((row, q) => row.forEach((w, k) => assert.ok(Math.abs(data[q * n + k] - w) < 1e-6, `head 2 [${q}][${k}]`)));
    const logits = await reply(90_002, 'logits', { position: 1 });
    assert.match(logits.error ?? '', /tiny-bert\.attention\.json is a run file: no model ran here/);
    const dropped = api.runFile.dropped();
    await api.runFile.send({ type: 'request', requestId: 90_003, method: 'layer', params: { runId, set: '../etc', layer: 0 } });
    assert.equal(api.runFile.dropped(), dropped + 1, 'a malformed request is dropped by the protocol validator');
  });

  it('refuses an invalid run file with its problems, and leaves the panel as it was', async () => {
    const bad = workspaceFile('bad.attention.json');
    const file = { format: 'attention-lens-run/3', tokens: [{ id: 'one', piece: 'x' }] };
    await vscode.workspace.fs.writeFile(bad, new TextEncoder().encode(JSON.stringify(file)));
    const before = api.runFile.messages().length;
    const runId = await vscode.commands.executeCommand<number | undefined>('attentionLens.openRunFile', bad);
    assert.equal(runId, undefined);
    assert.equal(api.runFile.messages().length, before, 'nothing posted');
    await vscode.workspace.fs.delete(bad);
  });
});
