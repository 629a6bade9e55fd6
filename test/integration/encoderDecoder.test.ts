// Encoder–decoder models through the real extension: tiny-t5 (encoder, decoder and merged decoder) and tiny-marian
// (encoder and merged decoder only) are inspected from the editor; the panel is sent the run's target (generated,
// then the one Set Target gives) and its three attention sets, the cross-attention's rows the target's tokens. Set
// Target (the command and the panel's setTarget request) re-runs the same source with exactly that target, and an
// empty one generates again; the hover on a source token names the target tokens that attend to it most in
// cross-attention, from the layer the views chose.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { FromWebviewType, setShape, type RunSummary } from '../../src/protocol';
import type { LensTestApi } from '../../src/testApi';
import {
  askPanel,
  fixtureModel,
  hoverText,
  inspectNow,
  lensApi,
  openSample,
  panelRun,
  results,
  selectLine,
  useModel,
  waitFor,
} from './surfaceHelpers';

function assertThreeSets(summary: RunSummary, decoderLayers: number): void {
  const source = summary.tokens.length;
  const target = summary.target!.tokens.length;
  assert.deepEqual(
    summary.attentionSets.map((s) => [s.name, s.queries, s.keys, s.layers, s.causal, ...Object.values(setShape(summary, s))]),
    [
      ['encoder', 'input', 'input', 2, false, source, source],
      ['decoder', 'target', 'target', decoderLayers, true, target, target],
      ['cross', 'target', 'input', decoderLayers, false, target, source],
    ],
  );
  assert.equal(summary.predictions.list, 'target');
  assert.equal(summary.predictions.ranked.length, target);
}

async function setTarget(api: LensTestApi, target: string): Promise<RunSummary> {
  const runId = await vscode.commands.executeCommand<number | undefined>('attentionLens.setTarget', { target });
  await api.whenIdle();
  assert.ok(runId !== undefined, `Set Target started a run (status: ${JSON.stringify(api.status())})`);
  const result = api.lastResult();
  assert.ok(result && result.runId === runId, `the run shown is ${String(result?.runId)}, not ${runId}`);
  return result.summary;
}

describe('Attention Lens: encoder–decoder models', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
  });

  it('tiny-marian (merged decoder only): a generated target and three attention sets reach the panel', async () => {
    await useModel(fixtureModel('tiny-marian'));
    assert.equal(api.loadedModel()?.family, 'encoder-decoder');
    const editor = await openSample();
    selectLine(editor, 1);
    const run = await inspectNow(api);
    const summary = await panelRun(api, run.runId);
    assert.equal(summary.attentionUnavailable, null);
    assert.ok(summary.target?.generated);
    assertThreeSets(summary, 2);
  });

  it('tiny-t5: Set Target re-runs the same source with the given target, then an empty one lets the model write again', async () => {
    await useModel(fixtureModel('tiny-t5'));
    const editor = await openSample();
    selectLine(editor, 1);
    const first = await inspectNow(api);
    assert.ok(first.target?.generated);
    const runId = await vscode.commands.executeCommand<number>('attentionLens.setTarget', { target: 'Die Katze.' });
    const given = await panelRun(api, runId);
    assert.equal(given.text, first.text, 'the same source');
    assert.deepEqual([given.target?.text, given.target?.generated], ['Die Katze.', false]);
    assert.equal(given.target?.tokens[0].special, true, 'the decoder start token first');
    assertThreeSets(given, 3);
    const again = await vscode.commands.executeCommand<number>('attentionLens.setTarget', { target: '' });
    const generated = await panelRun(api, again);
    assert.equal(generated.target?.generated, true);
    assert.deepEqual(
      generated.target?.tokens.map((t) => t.id),
      first.target?.tokens.map((t) => t.id),
      'greedy decoding writes the same target again',
    );
  });

  it('Set Target on a model without a target says so, and starts nothing', async () => {
    await useModel(fixtureModel('tiny-bert'));
    const editor = await openSample();
    selectLine(editor, 1);
    const run = await inspectNow(api);
    const started = api.stats().started;
    const outcome = await vscode.commands.executeCommand('attentionLens.setTarget', { target: 'Die Katze' });
    assert.equal(outcome, undefined);
    assert.equal(api.stats().started, started, 'no run started');
    assert.match(api.status().message, /A target is what an encoder–decoder model \(T5, BART, Marian\) writes; .* is a masked LM/);
    assert.equal(api.lastResult()?.runId, run.runId);
  });

  it('tiny-marian: the panel gets source, generated target and three sets; Set Target forces a target, empty generates', async () => {
    await useModel(fixtureModel('tiny-marian'));
    const editor = await openSample();
    const source = selectLine(editor, 1);
    const run = await inspectNow(api);
    await api.panelReady();
    const sent = results(api.panelMessages()).find((s) => s.runId === run.runId);
    assert.ok(sent?.target, 'the panel has the target');
    assert.equal(sent.text, source);
    assert.equal(sent.target.generated, true);
    assert.equal(sent.predictions.list, 'target');
    assert.deepEqual(
      sent.attentionSets.map((s) => [s.name, s.queries, s.keys, s.causal]),
      [
        ['encoder', 'input', 'input', false],
        ['decoder', 'target', 'target', true],
        ['cross', 'target', 'input', false],
      ],
    );
    // Teacher forcing: the same source, exactly that target.
    const forced = await setTarget(api, 'the mat');
    assert.equal(forced.text, source, 'the same source');
    assert.equal(forced.target?.generated, false);
    assert.equal(forced.target?.text, 'the mat');
    assert.equal(forced.predictions.ranked.length, forced.target?.tokens.length, 'predictions at every target position');
    // The layer request of the cross set: target rows × source columns, rows summing to 1.
    const reply = await askPanel(api, 'layer', { runId: api.lastResult()!.runId, set: 'cross', layer: 0 });
    assert.ok(reply.result, reply.error);
    const { queries, keys, heads, data } = reply.result;
    assert.deepEqual([queries, keys], [forced.target?.tokens.length, forced.tokens.length]);
    for (let r = 0; r < heads * queries; r++) {
      const sum = data.subarray(r * keys, (r + 1) * keys).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-4, `row ${r} sums to ${sum}`);
    }
    // The panel's own request: a blank target generates again.
    const before = api.lastResult()!.runId;
    const answered = await askPanel(api, 'setTarget', { runId: before, target: '  ' });
    assert.deepEqual(answered.result, { given: false });
    await waitFor('the generating run', () => (api.lastResult()?.runId ?? 0) > before);
    await api.whenIdle();
    assert.equal(api.lastResult()?.summary.target?.generated, true);
    assert.equal(api.lastResult()?.summary.target?.text, sent.target.text, 'greedy again: the same target as first');
  });

  it('tiny-t5: hovering a source token names the target tokens that attend to it most and the target', async () => {
    await useModel(fixtureModel('tiny-t5'));
    const editor = await openSample();
    selectLine(editor, 1);
    const run = await inspectNow(api);
    assert.ok(run.target);
    // The layer the views chose: layer 1, head 0 (the hover clamps it to the cross set's layers).
    await api.panelReady();
    await api.sendFromWebview('panel', { type: FromWebviewType.ViewFocus, layer: 1, head: 0 });
    const cat = run.tokens.find((t) => !t.special && t.end > t.start)!;
    const text = await hoverText(editor.document.uri, new vscode.Position(1, cat.start));
    assert.match(text, /target tokens that attend to it most \(Cross\\-attention[^,]*, layer 1, head 0\)/);
    assert.match(text, /Generated target: /);
    const rows = text.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    assert.ok(rows.length > 0 && rows.length <= 5, text);
    const weights = rows.map((r) => Number(r.split('|')[3]));
    assert.deepEqual(
      weights,
      [...weights].sort((a, b) => b - a),
      'strongest first',
    );
    assert.ok(
      weights.every((w) => w >= 0 && w <= 1),
      text,
    );
    assert.doesNotMatch(text, /next tokens after it/, 'a source token has no next-token predictions of its own');
  });
});
