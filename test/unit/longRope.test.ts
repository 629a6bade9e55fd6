// An `If` that holds no attention blocks nothing: test/fixtures/models/tiny-gemma2-longrope is tiny-gemma2 with its
// rotary frequencies chosen by a top-level If on the sequence length, as LongRoPE exports (Phi-3-128k, Phi-3.5)
// choose short or long factors (tools/lens_models/longrope_graph.py). Its maps against PyTorch are golden.test.ts's;
// here: the If is there and live, and the layers' attention is read on both sides of it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { allLayers } from '../../src/core/engine/layerMaps';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { scanModel } from '../../src/core/onnx/graphScan';
import { selfSet } from '../support/engine';
import { fixtureModel } from '../support/paths';
import { request } from './reliability/support';

/** The length past which the fixture's If takes the long factors (longrope_graph.py's ORIGINAL_MAX). */
const ORIGINAL_MAX = 64;

describe('a LongRoPE-style If choosing the rotary factors', () => {
  it('is a top-level If of the fixture, beside one Softmax per layer', () => {
    const graph = scanModel(readFileSync(path.join(fixtureModel('tiny-gemma2-longrope'), 'onnx', 'model.onnx')));
    assert.deepEqual(
      graph.nodes.filter((n) => n.opType === 'If').map((n) => n.name),
      ['/longrope/If_0'],
    );
    assert.equal(graph.nodes.filter((n) => n.opType === 'Softmax').length, 2);
    assert.ok(!graph.subgraphOpTypes.has('Softmax'), 'no attention inside the branches');
  });

  it('leaves attention readable, and past the threshold the long branch changes the model while the maps stay distributions', async () => {
    const env = detectProviderEnvironment();
    const longRope = await ModelRunner.load(request('tiny-gemma2-longrope'), env);
    const plain = await ModelRunner.load(request('tiny-gemma2'), env);
    try {
      assert.deepEqual(longRope.info.attention, { available: true });
      const text = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
      const [a, b] = await Promise.all([longRope, plain].map((r) => r.inspect(text, { attention: true, topK: 3 })));
      const n = a.tokens.length;
      assert.ok(n > ORIGINAL_MAX && n < 128, `${n} tokens: past the threshold, within the model`);
      const mapsA = await allLayers(selfSet(a.attention));
      const mapsB = await allLayers(selfSet(b.attention));
      let differs = 0;
      mapsA.perLayer.forEach((layer, l) => {
        for (let row = 0; row < layer.length / n; row++) {
          const sum = layer.subarray(row * n, (row + 1) * n).reduce((s, x) => s + x, 0);
          assert.ok(Math.abs(sum - 1) < 1e-5, `layer ${l} row ${row} sums to ${sum}`);
        }
        layer.forEach((x, i) => (differs = Math.max(differs, Math.abs(x - mapsB.perLayer[l][i]))));
      });
      assert.ok(differs > 1e-3, `the long factors rotate otherwise: maps differ by ${differs}`);
    } finally {
      await longRope.dispose();
      await plain.dispose();
    }
  });
});
