// DeBERTa-v3 and ModernBERT (test/fixtures/models/tiny-deberta-v3, tiny-modernbert, made by
// tools/lens_models/make_encoder_models.py): what their configs and graphs say, ModernBERT's local layers (a window
// centred on each token), 8,192 tokens within the memory design, and the CLI on both. Their maps and predictions
// against PyTorch are golden.test.ts's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { readModelConfig } from '../../src/core/model/modelFolder';
import { locateAttention } from '../../src/core/onnx/attentionNodes';
import { readModelGraph } from '../../src/core/onnx/modelGraph';
import { attentionFactParts, layerSuffix } from '../../src/protocol';
import { selfSet } from '../support/engine';
import { fixtureModel, repoRoot } from '../support/paths';
import { loadReference } from '../support/reference';
import { request } from './reliability/support';

const cli = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');
/** The CLI rounds maps to 6 decimals: PyTorch's within 1e-5 stays within 1e-5 + 5e-7. */
const CLI_ATTENTION_TOLERANCE = 1e-5 + 5e-7;

/** Rows of a [heads, n, n] map that do not sum to 1 within 1e-5, and weights outside ±reach that are not exactly 0. */
function checkWindow(map: Float32Array, heads: number, n: number, reach: number): { badRows: number; leaks: number } {
  let badRows = 0;
  let leaks = 0;
  for (let h = 0; h < heads; h++) {
    for (let q = 0; q < n; q++) {
      const row = map.subarray((h * n + q) * n, (h * n + q + 1) * n);
      let sum = 0;
      for (let k = 0; k < n; k++) {
        sum += row[k];
        if (Math.abs(q - k) > reach && row[k] !== 0) leaks++;
      }
      if (Math.abs(sum - 1) > 1e-5) badRows++;
    }
  }
  return { badRows, leaks };
}

describe('DeBERTa-v3 and ModernBERT are masked LMs of the BERT family', () => {
  it('tiny-deberta-v3: fed input_ids and attention_mask (type_vocab_size 0), its Softmax found through the Reshape after it', async () => {
    const config = await readModelConfig(fixtureModel('tiny-deberta-v3'));
    assert.deepEqual(
      [config.family.name, config.modelType, config.maxPositions, config.slidingWindow],
      ['bert', 'deberta-v2', 512, undefined],
    );
    const { graph } = await readModelGraph(path.join(fixtureModel('tiny-deberta-v3'), 'onnx', 'model.onnx'), 'model.onnx');
    assert.deepEqual(graph.inputs, ['input_ids', 'attention_mask']);
    const found = locateAttention(graph, 2);
    assert.ok(found.available);
    for (const site of found.sites) {
      assert.equal(site.kind, 'softmax');
      const readers = (tensor: string) => graph.nodes.filter((n) => n.inputs.includes(tensor) && n.opType !== 'Shape');
      const [reshape] = readers(site.node.outputs[0]);
      assert.deepEqual(
        [reshape.opType, ...readers(reshape.outputs[0]).map((n) => n.opType)],
        ['Reshape', 'MatMul'],
        'the Softmax output is reshaped before the MatMul with the values',
      );
    }
  });

  it('tiny-modernbert: 8,192 positions, layer 1 of 3 local (global_attn_every_n_layers 2), a window ±4 (local_attention 8)', async () => {
    const config = await readModelConfig(fixtureModel('tiny-modernbert'));
    assert.deepEqual([config.family.name, config.modelType, config.maxPositions], ['bert', 'modernbert', 8192]);
    assert.deepEqual(config.slidingWindow, { size: 8, layers: [1], around: true });
    const facts = {
      heads: config.heads,
      layers: config.layers,
      kvHeads: config.kvHeads,
      slidingWindow: { size: 8, layers: [1], around: true as const },
    };
    assert.deepEqual(
      [0, 1, 2].map((l) => layerSuffix(facts, l)),
      ['', ' · sliding window ±4', ''],
    );
    assert.deepEqual(attentionFactParts(facts), ['sliding window ±4 in layer 1']);
  });

  it('tiny-modernbert: the local layer is exactly 0 beyond 4 tokens either side and the global layers are not, as PyTorch computed', () => {
    const reference = loadReference(path.join(fixtureModel('tiny-modernbert'), 'reference.json'));
    for (const ref of reference.cases) {
      const n = ref.inputIds.length;
      const [global0, local1] = [0, 1].map((l) => checkWindow(Float32Array.from(ref.attentions[l]), 2, n, 4));
      assert.deepEqual(local1, { badRows: 0, leaks: 0 }, ref.text);
      assert.ok(global0.leaks > 0, 'a global layer attends beyond the window');
    }
  });
});

describe('tiny-modernbert at 8,192 tokens', () => {
  it('inspects 8,192 tokens: the local layer, made on demand, sums to 1, zeros outside ±4; the run keeps < 1% of the maps', async () => {
    const runner = await ModelRunner.load(request('tiny-modernbert'), detectProviderEnvironment());
    try {
      // Each " word" is one token of the tiny byte-level BPE; more than fit, so the input is cut at 8,192.
      const text = Array.from({ length: 9000 }, (_, i) => ['the', 'cap', 'ital', 'of', 'France'][i % 5]).join(' ');
      const result = await runner.inspect(text, { attention: true, topK: 5 });
      const n = result.tokens.length;
      assert.equal(n, 8192);
      assert.ok(result.truncation, 'the cut is reported');
      const source = selfSet(result.attention);
      const allMaps = source.layers * source.heads * n * n * 4;
      assert.ok(source.keptBytes * 100 < allMaps, `kept ${source.keptBytes} bytes for ${allMaps} bytes of maps`);
      const local = await source.layer(1);
      assert.equal(local.length, source.heads * n * n);
      assert.deepEqual(checkWindow(local, source.heads, n, 4), { badRows: 0, leaks: 0 });
      assert.ok(local[n * n - 1] > 0 && local[n * n - 5] > 0, 'the last query sees the 4 keys before it');
    } finally {
      await runner.dispose();
    }
  });
});

describe('the CLI inspects DeBERTa-v3 and ModernBERT', () => {
  for (const name of ['tiny-deberta-v3', 'tiny-modernbert']) {
    it(`${name}: its maps within 1e-5 of PyTorch and the fills of its own [MASK]`, () => {
      const ref = loadReference(path.join(fixtureModel(name), 'reference.json')).cases[0];
      const args = ['inspect', '--model', fixtureModel(name), '--text', ref.text, '--attention', '--top-k', '5', '--device', 'cpu'];
      const out = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(out.status, 0, out.stderr);
      const doc = JSON.parse(out.stdout);
      assert.deepEqual([doc.model.family, doc.model.task, doc.model.maskToken], ['bert', 'fill-mask', '[MASK]']);
      assert.deepEqual(
        doc.tokens.map((t: { id: number }) => t.id),
        ref.inputIds,
      );
      const n = ref.inputIds.length;
      const flat = (doc.attention as number[][][][]).map((layer) => layer.flat(2));
      flat.forEach((layer, l) => {
        const diff = Math.max(...layer.map((w, i) => Math.abs(w - ref.attentions[l][i])));
        assert.ok(diff <= CLI_ATTENTION_TOLERANCE, `layer ${l} differs by ${diff}`);
      });
      const mask = ref.inputIds.indexOf(doc.tokens.find((t: { piece: string }) => t.piece === '[MASK]').id);
      assert.deepEqual(
        doc.predictions.masks.map((m: { position: number }) => m.position),
        [mask],
      );
      const top = doc.predictions.masks[0].top as { id: number; probability: number }[];
      assert.deepEqual(
        top.map((p) => p.id),
        ref.topIds[mask].slice(0, 5),
      );
      top.forEach((p, k) => assert.ok(Math.abs(p.probability - Math.exp(ref.topLogits[mask][k] - ref.logSumExp[mask])) <= 1e-5));
      assert.equal(flat[0].length, doc.model.heads * n * n);
    });
  }
});
