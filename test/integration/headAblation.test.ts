// Head ablation through the real extension: the panel's 'ablate' request (as its webview sends it after a
// shift-click in the model view) is answered from the worker for the run the panel shows, against PyTorch's
// probabilities (ablation.json beside the fixture); a fused export's run says why; Reset makes the exports forget it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FromWebviewType, type ReplyMessage } from '../../src/protocol';
import type { AblatedPosition, AblationView } from '../../src/protocol/ablation';
import type { LensTestApi } from '../../src/testApi';
import { fixtureModel, inspectNow, lensApi, openText, panelRequest, panelRun, useModel } from './surfaceHelpers';

let requestId = 90_000;

/** Sends an ablate request as the panel's webview does and returns the host's reply to it. */
async function ablate(api: LensTestApi, params: Record<string, unknown>): Promise<ReplyMessage<'ablate'>> {
  const reply = await panelRequest(api, 'ablate', params);
  assert.ok(reply, `a reply to ablate ${JSON.stringify(params)}`);
  return reply;
}

describe('Attention Lens: head ablation', () => {
  let api: LensTestApi;

  before(async () => {
    api = await lensApi();
  });

  it('tiny-gpt2: the panel asks for heads 0.0, 1.2, 2.3 zeroed: PyTorch’s probabilities, changes against the plain run', async () => {
    const golden = JSON.parse(fs.readFileSync(path.join(fixtureModel('tiny-gpt2'), 'ablation.json'), 'utf8')) as {
      cases: {
        text: string;
        heads: string[];
        mode: string;
        positions: { position: number; top_ids: number[]; top_probabilities: number[] }[];
      }[];
    };
    const ref = golden.cases.find((c) => c.mode === 'zero' && c.heads.length === 3)!;
    await useModel(fixtureModel('tiny-gpt2'));
    const editor = await openText(ref.text);
    editor.selection = new vscode.Selection(0, 0, 0, ref.text.length);
    const run = await inspectNow(api);
    assert.deepEqual((await panelRun(api, run.runId)).ablation, { available: true });
    const heads = ref.heads.map((h) => ({ layer: Number(h.split('.')[0]), head: Number(h.split('.')[1]) }));
    const reply = await ablate(api, { runId: run.runId, heads, mode: 'zero' });
    const view: AblationView | undefined = reply.result;
    assert.ok(view, `no error: ${JSON.stringify(reply.error)}`);
    assert.deepEqual(view.ablated, ref.heads);
    for (const expected of ref.positions) {
      const at: AblatedPosition = view.positions.find((p) => p.position === expected.position)!;
      // The reply lists the ablated run's top-k (the topK setting), best first: PyTorch's first ids, in its order.
      const ranked = at.changes.filter((c) => c.after).sort((a, b) => a.after!.rank - b.after!.rank);
      assert.ok(ranked.length >= 3, 'at least the top 3');
      ranked.slice(0, 3).forEach((c, j) => {
        assert.equal(c.id, expected.top_ids[j], `rank ${j + 1} at ${expected.position}`);
        assert.ok(Math.abs(c.after!.probability - expected.top_probabilities[j]) <= 1e-4, `p(${c.id}) at ${expected.position}`);
      });
      // The plain run's top-k is each change's "before": the run the panel shows.
      const plainTop = run.predictions.ranked.find((r) => r.position === expected.position)!.top;
      const befores = at.changes
        .filter((c) => c.before && c.before.rank <= plainTop.length)
        .sort((a, b) => a.before!.rank - b.before!.rank);
      assert.deepEqual(
        befores.map((c) => c.id),
        plainTop.map((p) => p.id),
      );
    }
    const reset = await ablate(api, { runId: run.runId, heads: [], mode: 'zero' });
    assert.deepEqual(reset.result?.ablated, []);
  });

  it('a malformed ablate request is rejected, and a head the model lacks is refused with its reason', async () => {
    const run = api.lastResult()!;
    // A malformed request is dropped at the boundary, as every invalid webview message is.
    const dropped = api.stats().droppedMessages;
    await api.sendFromWebview('panel', { type: FromWebviewType.Request, requestId: requestId++, method: 'ablate', params: { runId: 1 } });
    assert.equal(api.stats().droppedMessages, dropped + 1);
    const outOfRange = await ablate(api, { runId: run.runId, heads: [{ layer: 9, head: 0 }], mode: 'mean' });
    assert.match(outOfRange.error ?? '', /head 9\.0: layer 9 does not exist \(layers 0-2\)/);
  });

  // Last here: run alone (ATTENTION_LENS_GREP="head ablation"), the closing screenshot shows this panel beside the editor.
  it('tiny-llama-gqa: fused GroupQueryAttention says why its heads cannot be ablated, in the run and in a reply', async () => {
    await useModel(fixtureModel('tiny-llama-gqa'));
    const editor = await openText('Hello world, this is a test');
    editor.selection = new vscode.Selection(0, 0, 0, 27);
    const run = await inspectNow(api);
    const summary = await panelRun(api, run.runId);
    assert.equal(summary.ablation?.available, false);
    assert.match(summary.ablation?.available === false ? summary.ablation.reason : '', /GroupQueryAttention/);
    const reply = await ablate(api, { runId: run.runId, heads: [{ layer: 0, head: 0 }], mode: 'zero' });
    assert.match(reply.error ?? '', /heads cannot be ablated in this model: .*GroupQueryAttention/);
  });
});
