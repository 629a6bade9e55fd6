// The inspector panel after a window reload, and Export. A reload cannot be driven from inside the extension
// host that runs these tests (it would end them), so the restore test hands a fresh panel of the inspector's
// type to the registered serializer path, as VS Code does on reload, and checks the panel gets the run back.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LensTestApi } from '../../src/testApi';
import {
  extension,
  fixtureModel,
  inspectNow,
  lensApi,
  openSample,
  panelMessagesSince,
  results,
  selectLine,
  useModel,
  waitFor,
} from './surfaceHelpers';

describe('Attention Lens panel restore and export', () => {
  let api: LensTestApi;
  let outDir: string;

  before(async () => {
    api = await lensApi();
    await useModel(fixtureModel('tiny-bert'));
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-it-export-'));
  });

  after(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('declares the serializer activation and restores the panel with the current run', async () => {
    assert.ok(extension().packageJSON.activationEvents.includes('onWebviewPanel:attentionLens.inspector'));
    const editor = await openSample();
    selectLine(editor, 1);
    const summary = await inspectNow(api);
    await api.restorePanel();
    assert.equal(api.isPanelOpen(), true);
    await api.panelReady();
    const shown = results(api.panelMessages());
    assert.equal(shown.length, 1, 'the restored panel was sent the run once, after it said ready');
    assert.equal(shown[0].runId, summary.runId);
  });

  it('a panel hidden behind another tab is sent nothing until its reloaded webview says Ready, then the run', async () => {
    const editor = await openSample();
    selectLine(editor, 1);
    const summary = await inspectNow(api);
    await api.panelReady();
    // Compare Tokenizers opens beside the editor, in the inspector's group: the inspector's webview is unloaded.
    await vscode.commands.executeCommand('attentionLens.compareTokenizers');
    await waitFor('the inspector to be covered', () => !api.isPanelVisible());
    const mark = api.panelPostCount();
    await api.panelReady(); // reveals the panel and waits for its new webview, not for the unloaded one
    const shown = results(panelMessagesSince(api, mark)).map((s) => s.runId);
    assert.deepEqual(shown, [summary.runId], 'the reloaded webview was sent the current run once');
  });

  it('exports JSON and a self-contained HTML report written by the host', async () => {
    const editor = await openSample();
    selectLine(editor, 1);
    const summary = await inspectNow(api);
    const jsonUri = vscode.Uri.file(path.join(outDir, 'run.json'));
    const json = await vscode.commands.executeCommand<{ ok: boolean }>('attentionLens.export', { format: 'json', uri: jsonUri });
    assert.equal(json?.ok, true, JSON.stringify(json));
    const report = JSON.parse(fs.readFileSync(jsonUri.fsPath, 'utf8'));
    assert.equal(report.text, summary.text);
    assert.deepEqual(
      report.tokens.map((t: { piece: string }) => t.piece),
      summary.tokens.map((t) => t.piece),
    );
    assert.equal(report.attention.perLayer.length, 2);
    const n = summary.tokens.length;
    assert.equal(report.attention.perLayer[0].length, 4);
    assert.equal(report.attention.perLayer[0][0].length, n);
    const row = report.attention.perLayer[1][3][n - 1] as number[];
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'an attention row sums to 1');

    const htmlUri = vscode.Uri.file(path.join(outDir, 'run.html'));
    const html = await vscode.commands.executeCommand<{ ok: boolean }>('attentionLens.export', { format: 'html', uri: htmlUri });
    assert.equal(html?.ok, true, JSON.stringify(html));
    const page = fs.readFileSync(htmlUri.fsPath, 'utf8');
    assert.match(
      page,
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">/,
    );
    assert.doesNotMatch(page, /<script|https?:\/\//i, 'no script and no remote URL');
    for (const t of summary.tokens)
      assert.ok(page.includes(`<code>${t.display.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</code>`), `token ${t.display}`);
  });

  it('exports PNG and SVG rendered by the panel', async () => {
    const editor = await openSample();
    selectLine(editor, 1);
    await inspectNow(api);
    await api.panelReady();
    const pngUri = vscode.Uri.file(path.join(outDir, 'view.png'));
    const png = await vscode.commands.executeCommand<{ ok: boolean; error?: string }>('attentionLens.export', {
      format: 'png',
      uri: pngUri,
    });
    assert.equal(png?.ok, true, JSON.stringify(png));
    const bytes = fs.readFileSync(pngUri.fsPath);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
    const svgUri = vscode.Uri.file(path.join(outDir, 'view.svg'));
    const svg = await vscode.commands.executeCommand<{ ok: boolean; error?: string }>('attentionLens.export', {
      format: 'svg',
      uri: svgUri,
    });
    assert.equal(svg?.ok, true, JSON.stringify(svg));
    assert.match(fs.readFileSync(svgUri.fsPath, 'utf8'), /<svg[\s>]/);
  });
});
