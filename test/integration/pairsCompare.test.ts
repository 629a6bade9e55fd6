// Sentence pairs and Compare Tokenizers in a real VS Code: Inspect Selection as Sentence Pair on a file holding a
// question, a blank line and an answer (segment ids, sentence B's start, spans exact in the editor), then Compare
// Tokenizers on a selection and on the whole file (the view's content, a click's reveal, validation, an export).
// Run alone (ATTENTION_LENS_GREP="sentence pair|Compare Tokenizers"), the closing screenshot shows the compare
// panel beside the editor.
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compareTokenizers } from '../../src/core/tokenize/compareTokenizers';
import { loadTextTokenizer } from '../../src/core/tokenize/textTokenizer';
import type { ComparisonView, ResultMessage, RunSummary } from '../../src/protocol';
import type { LensTestApi } from '../../src/testApi';

const EXTENSION_ID = 'attention-lens.attention-lens';

async function open(file: string): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the harness opens a workspace folder');
  const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, file));
  return vscode.window.showTextDocument(document, vscode.ViewColumn.One);
}

function lastComparison(api: LensTestApi): ComparisonView {
  const all = api.compare.messages().filter((m) => m.type === 'comparison');
  assert.ok(all.length > 0, `no comparison was sent (status: ${JSON.stringify(api.compare.messages().at(-1))})`);
  return (all.at(-1) as { comparison: ComparisonView }).comparison;
}

describe('Sentence pairs and Compare Tokenizers in a real VS Code', () => {
  let api: LensTestApi;
  let extensionPath: string;

  before(async () => {
    const extension = vscode.extensions.getExtension<LensTestApi | undefined>(EXTENSION_ID);
    assert.ok(extension);
    api = (await extension.activate())!;
    extensionPath = extension.extensionPath;
    const spec = path.join(extensionPath, 'test', 'fixtures', 'models', 'tiny-bert');
    const outcome = await vscode.commands.executeCommand<{ ok: boolean }>('attentionLens.selectModel', { spec });
    assert.equal(outcome?.ok, true);
  });

  it('Inspect Selection as Sentence Pair: [CLS] A [SEP] B [SEP], segment ids fed, spans exact in the editor', async () => {
    const editor = await open('pair.txt');
    const document = editor.document;
    editor.selection = new vscode.Selection(document.positionAt(0), document.positionAt(document.getText().length));
    await vscode.commands.executeCommand('attentionLens.inspectPair');
    await api.whenIdle();
    await api.panelReady();
    const results = api.panelMessages().filter((m): m is ResultMessage => m.type === 'result');
    const summary: RunSummary = results.at(-1)!.summary;
    assert.deepEqual(
      summary.tokens.map((t) => t.piece),
      ['[CLS]', 'where', 'did', 'the', 'cat', 'sleep', '?', '[SEP]', 'the', 'cat', 'slept', 'on', 'the', 'warm', 'mat', '.', '[SEP]'],
    );
    assert.ok(summary.pair, 'the run is a pair');
    assert.equal(summary.pair.sentenceBStart, 8);
    assert.deepEqual(summary.pair.segments, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    assert.equal(summary.pair.segmentsFed, true, 'tiny-bert takes token_type_ids');
    // Every word's span is its characters in the editor.
    for (const t of summary.tokens.filter((x) => !x.special)) {
      const range = new vscode.Range(document.positionAt(t.start), document.positionAt(t.end));
      assert.equal(document.getText(range).toLowerCase(), t.piece, `token ${t.index}`);
    }
    // The pair's separator is where the blank line was: the template's [SEP] has an empty span at A's end.
    assert.equal(summary.tokens[7].start, document.getText().indexOf('?') + 1);
    // The exports say it was a pair: the JSON carries the pair as the run had it, the HTML report says where B starts.
    const jsonUri = vscode.Uri.file(path.join(os.tmpdir(), `lens-pair-${process.pid}.json`));
    const htmlUri = vscode.Uri.file(path.join(os.tmpdir(), `lens-pair-${process.pid}.html`));
    assert.equal(
      (await vscode.commands.executeCommand<{ ok: boolean }>('attentionLens.export', { format: 'json', uri: jsonUri }))?.ok,
      true,
    );
    assert.equal(
      (await vscode.commands.executeCommand<{ ok: boolean }>('attentionLens.export', { format: 'html', uri: htmlUri }))?.ok,
      true,
    );
    const exported = JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(jsonUri)).toString('utf8'));
    assert.deepEqual(exported.pair, summary.pair);
    const html = Buffer.from(await vscode.workspace.fs.readFile(htmlUri)).toString('utf8');
    assert.match(html, /Sentence pair: A = tokens 0–7, B = tokens 8–16 · segment ids fed as token_type_ids/);
  });

  it('Inspect Selection as Sentence Pair without a separator or blank line says what to add', async () => {
    const editor = await open('sample.txt');
    editor.selection = new vscode.Selection(1, 0, 1, editor.document.lineAt(1).text.length);
    await vscode.commands.executeCommand('attentionLens.inspectPair');
    await api.whenIdle();
    assert.equal(api.status().state, 'error');
    assert.match(api.status().message, /Not a sentence pair: put "\[SEP\]" or a blank line between the two sentences/);
  });

  it('Compare Tokenizers on a selection: the loaded model’s, the embedded WordPiece and byte-level BPE; reveal and export', async () => {
    const editor = await open('sample.txt');
    const line = editor.document.lineAt(0);
    editor.selection = new vscode.Selection(line.range.start, line.range.end);
    const id = await vscode.commands.executeCommand<number>('attentionLens.compareTokenizers');
    await api.compare.ready();
    const view = lastComparison(api);
    assert.equal(view.id, id);
    assert.equal(view.source, 'selection of sample.txt');
    assert.equal(view.text, line.text);
    // The loaded model's first, then the embedded two; models earlier tests used follow as recently used ones.
    assert.deepEqual(
      view.rows.slice(0, 3).map((r) => [r.name, r.kind]),
      [
        ['tiny-bert', 'wordpiece'],
        ['lens-bert-mini', 'wordpiece'],
        ['lens-gpt2-mini', 'byte-bpe'],
      ],
    );
    const recent = view.rows.slice(3).map((r) => r.name);
    assert.ok(recent.length <= 6 && recent.every((name) => !['tiny-bert', 'lens-bert-mini', 'lens-gpt2-mini'].includes(name)), `${recent}`);
    // Each row is what that tokenizer makes of the text, and the differing boundaries are the core's.
    const named = [];
    for (const r of view.rows.slice(1, 3))
      named.push({ name: r.name, tokenizer: await loadTextTokenizer(path.join(extensionPath, 'models', r.name)) });
    const expected = compareTokenizers(line.text, named);
    assert.deepEqual(
      view.rows[2].tokens.map((t) => [t.piece, t.start, t.end]),
      expected.tokenizers[1].tokens.map((t) => [t.piece, t.start, t.end]),
    );
    assert.ok(view.differing.length > 0, `"${line.text}" is cut differently by WordPiece and GPT-2's BPE`);
    // A click on a token selects its span in the editor (beside the panel, which keeps the focus).
    const token = view.rows[2].tokens[3];
    await api.compare.send({ type: 'revealSpan', start: token.start, end: token.end });
    const shown = vscode.window.visibleTextEditors.find((e) => e.document === editor.document)!;
    assert.equal(shown.document.getText(shown.selection), line.text.slice(token.start, token.end));
    // Messages are validated: a span past the text or an unknown format does nothing.
    const dropped = api.compare.dropped();
    await api.compare.send({ type: 'export', format: '../../etc/passwd' });
    await api.compare.send({ type: 'revealSpan', start: 5, end: 2 });
    assert.equal(api.compare.dropped(), dropped + 2);
    const file = vscode.Uri.file(path.join(os.tmpdir(), `lens-compare-${process.pid}.json`));
    await api.compare.export('json', file);
    const doc = JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(file)).toString('utf8'));
    assert.equal(doc.source, 'selection of sample.txt');
    assert.equal(doc.tokenizers.length, view.rows.length);
    assert.equal(doc.differing.length, view.differingTotal);
    // The pictures are drawn by the view in VS Code's fonts and theme: a PNG, and an SVG that names the tokenizers.
    const png = vscode.Uri.file(path.join(os.tmpdir(), `lens-compare-${process.pid}.png`));
    await api.compare.export('png', png);
    const bytes = Buffer.from(await vscode.workspace.fs.readFile(png));
    assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
    const svgFile = vscode.Uri.file(path.join(os.tmpdir(), `lens-compare-${process.pid}.svg`));
    await api.compare.export('svg', svgFile);
    const svg = Buffer.from(await vscode.workspace.fs.readFile(svgFile)).toString('utf8');
    for (const row of view.rows) assert.ok(svg.includes(`>${row.name}</text>`), `the SVG labels ${row.name}'s lanes`);
  });

  it('Compare Tokenizers with nothing selected compares the whole file and leaves the panel beside the editor', async () => {
    const editor = await open('sample.ts');
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await vscode.commands.executeCommand('attentionLens.compareTokenizers');
    const view = lastComparison(api);
    assert.equal(view.source, 'sample.ts (whole file)');
    assert.equal(view.textLength, editor.document.getText().length);
    for (const r of view.rows) assert.ok(r.stats.tokens > 0 && r.stats.charsPerToken > 1, `${r.name}: ${JSON.stringify(r.stats)}`);
    // The editor keeps its column and the focus; the panel sits beside it.
    assert.equal(vscode.window.activeTextEditor?.document, editor.document);
    assert.equal(vscode.window.activeTextEditor?.viewColumn, vscode.ViewColumn.One);
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'Compare Tokenizers');
    assert.ok(tab && tab.group.viewColumn !== vscode.ViewColumn.One, 'the Compare Tokenizers panel is in another column');
    await api.compare.ready();
  });
});
