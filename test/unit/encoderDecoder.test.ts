// The tiny encoder–decoder models (test/fixtures/models/tiny-t5: encoder, decoder and merged decoder; tiny-marian and
// tiny-bart: encoder and merged decoder only) against PyTorch (tools/lens_models/make_seq2seq_models.py): the source and target
// tokens, every map of the three attention sets within 1e-5 and the target's log-probabilities within 1e-4, for a
// given target (teacher forcing) and for the one greedy decoding writes, which must be PyTorch's tokens.
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { describe, it } from 'node:test';
import * as path from 'node:path';
import { allLayers } from '../../src/core/engine/layerMaps';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { loadRunner } from '../../src/core/engine/runners';
import { Seq2SeqRunner } from '../../src/core/engine/seq2seqRunner';
import { fixtureModel } from '../support/paths';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { request, workerPath } from './reliability/support';

const MAP_TOLERANCE = 1e-5;
const LOG_PROB_TOLERANCE = 1e-4;

interface Seq2SeqCase {
  source: string;
  target: string | null;
  generated: boolean;
  source_ids: number[];
  target_ids: number[];
  encoder: number[][][][];
  decoder: number[][][][];
  cross: number[][][][];
  top_ids: number[][];
  top_logits: number[][];
  logsumexp: number[];
}

function reference(name: string): Seq2SeqCase[] {
  return (JSON.parse(readFileSync(path.join(fixtureModel(name), 'reference.json'), 'utf8')) as { cases: Seq2SeqCase[] }).cases;
}

/** The largest difference between a set's maps ([heads, q, k] per layer) and PyTorch's [layer][head][q][k]. */
function mapDifference(perLayer: Float32Array[], expected: number[][][][]): number {
  let worst = 0;
  assert.equal(perLayer.length, expected.length, 'layers');
  expected.forEach((layer, l) => {
    const flat = layer.flat(2);
    assert.equal(perLayer[l].length, flat.length, `layer ${l} size`);
    flat.forEach((x, i) => (worst = Math.max(worst, Math.abs(perLayer[l][i] - x))));
  });
  return worst;
}

const env = detectProviderEnvironment();

for (const name of ['tiny-t5', 'tiny-marian', 'tiny-bart']) {
  describe(`${name} runs as PyTorch does`, () => {
    it('loads as the encoder–decoder family, with the decoder its folder holds', async () => {
      const runner = await loadRunner(request(name), env);
      try {
        assert.ok(runner instanceof Seq2SeqRunner);
        const { family, task, attentionSets, onnxFile, attention } = runner.info;
        assert.equal(family, 'encoder-decoder');
        assert.equal(task, 'next-token');
        assert.deepEqual(
          attentionSets.map((s) => [s.name, s.queries, s.keys, s.causal]),
          [
            ['encoder', 'input', 'input', false],
            ['decoder', 'target', 'target', true],
            ['cross', 'target', 'input', false],
          ],
        );
        const decoder = name === 'tiny-t5' ? 'onnx/decoder_model.onnx' : 'onnx/decoder_model_merged.onnx';
        assert.equal(onnxFile, `onnx/encoder_model.onnx + ${decoder}`);
        assert.deepEqual(attention, { available: true });
      } finally {
        await runner.dispose();
      }
    });

    for (const ref of reference(name)) {
      const kind = ref.generated ? 'generated' : 'given';
      it(`${kind} target for "${ref.source}": tokens, the three sets' maps and the target's predictions`, async () => {
        const runner = await loadRunner(request(name), env);
        try {
          const options = { attention: true, topK: 5, ...(ref.target === null ? {} : { target: ref.target }) };
          const result = await runner.inspect(ref.source, options);
          assert.deepEqual(
            result.tokens.map((t) => t.id),
            ref.source_ids,
            'source ids',
          );
          assert.ok(result.target);
          assert.equal(result.target.generated, ref.generated);
          assert.deepEqual(
            result.target.tokens.map((t) => t.id),
            ref.target_ids,
            'target ids (greedy: PyTorch wrote the same tokens)',
          );
          if (ref.target !== null) assert.equal(result.target.text, ref.target);
          for (const t of result.target.tokens) {
            assert.ok(t.start <= t.end && t.end <= result.target.text.length, `span of target token ${t.index}`);
          }
          const sets = await Promise.all((result.attention ?? []).map(allLayers));
          assert.deepEqual(
            sets.map((s) => [s.set, s.queries, s.keys]),
            [
              ['encoder', ref.source_ids.length, ref.source_ids.length],
              ['decoder', ref.target_ids.length, ref.target_ids.length],
              ['cross', ref.target_ids.length, ref.source_ids.length],
            ],
          );
          sets.forEach((set) => {
            const worst = mapDifference(set.perLayer, ref[set.set as 'encoder' | 'decoder' | 'cross']);
            assert.ok(worst <= MAP_TOLERANCE, `${set.set}: ${worst} from PyTorch`);
          });
          // Causal: every decoder map is 0 above the diagonal.
          const decoder = sets[1];
          decoder.perLayer.forEach((layer) => {
            for (let h = 0; h < decoder.heads; h++)
              for (let q = 0; q < decoder.queries; q++)
                for (let k = q + 1; k < decoder.keys; k++) assert.equal(layer[(h * decoder.queries + q) * decoder.keys + k], 0);
          });
          const { predictions } = result;
          assert.equal(predictions.list, 'target');
          assert.equal(predictions.ranked.length, ref.target_ids.length);
          predictions.ranked.forEach(({ position, top }) => {
            assert.deepEqual(
              top.map((p) => p.id),
              ref.top_ids[position].slice(0, 5),
              `top-5 at target position ${position}`,
            );
            top.forEach((p, k) => {
              const expected = ref.top_logits[position][k] - ref.logsumexp[position];
              assert.ok(Math.abs(Math.log(p.probability) - expected) <= LOG_PROB_TOLERANCE, `@${position} #${k}`);
            });
          });
          // The probability of each target token given those before it: PyTorch's logit of it, where it is in the top 10.
          assert.equal(predictions.actual?.[0], null);
          ref.target_ids.slice(1).forEach((id, i) => {
            const k = ref.top_ids[i].indexOf(id);
            if (k < 0) return;
            const expected = Math.exp(ref.top_logits[i][k] - ref.logsumexp[i]);
            assert.ok(Math.abs(predictions.actual![i + 1]! - expected) <= 1e-4 * Math.max(1, expected), `actual @${i + 1}`);
          });
        } finally {
          await runner.dispose();
        }
      });
    }

    it("logitsAt: the whole vocabulary's logits at each target position, for a given and a generated target", async () => {
      const runner = await loadRunner(request(name), env);
      try {
        for (const ref of [reference(name)[1], reference(name)[2]]) {
          const decoding = ref.target === null ? { maxNewTokens: 32 } : { target: ref.target };
          for (let p = 0; p < ref.target_ids.length; p++) {
            const { logits, top } = await runner.logitsAt(ref.source, p, undefined, { decoding });
            ref.top_ids[p].forEach((id, k) => assert.ok(Math.abs(logits[id] - ref.top_logits[p][k]) <= 1e-4, `${ref.source} @${p} #${k}`));
            assert.equal(top[0].id, ref.top_ids[p][0]);
          }
          await assert.rejects(
            runner.logitsAt(ref.source, ref.target_ids.length, undefined, { decoding }),
            /outside the \d+ target tokens/,
          );
        }
      } finally {
        await runner.dispose();
      }
    });
  });
}

describe('an encoder–decoder run through the worker thread', () => {
  it('tiny-marian: the inspect keeps the target and its three sets; a later logits request reads the same target', async () => {
    const engine = new InferenceEngine({ workerPath, environment: env });
    try {
      await engine.load(request('tiny-marian'));
      const ref = reference('tiny-marian')[0];
      const run = engine.nextRunId();
      const result = await engine.request('inspect', { run, text: ref.source, options: { attention: true, topK: 5, target: ref.target! } });
      assert.deepEqual(
        result.target?.tokens.map((t) => t.id),
        ref.target_ids,
      );
      assert.deepEqual(
        result.attention?.map((s) => [s.set, s.queries, s.keys]),
        [
          ['encoder', ref.source_ids.length, ref.source_ids.length],
          ['decoder', ref.target_ids.length, ref.target_ids.length],
          ['cross', ref.target_ids.length, ref.source_ids.length],
        ],
      );
      const cross = await engine.request('layer', { run, set: 'cross', layer: 1 });
      assert.ok(mapDifference([cross], [ref.cross[1]]) <= MAP_TOLERANCE);
      const last = ref.target_ids.length - 1;
      const { logits } = await engine.request('logits', { run, position: last });
      ref.top_ids[last].forEach((id, k) => assert.ok(Math.abs(logits[id] - ref.top_logits[last][k]) <= 1e-4));
    } finally {
      await engine.dispose();
    }
  });
});

describe('which encoder and decoder files load', () => {
  it('the most exact variant whose encoder and decoder are both there; a folder without a pair is refused naming the files', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lens-seq2seq-'));
    try {
      const folder = path.join(dir, 'marian');
      cpSync(fixtureModel('tiny-marian'), folder, { recursive: true });
      const onnx = path.join(folder, 'onnx');
      // An fp32 encoder without its decoder, and a whole _quantized pair (copies of the fp32 graphs).
      copyFileSync(path.join(onnx, 'encoder_model.onnx'), path.join(onnx, 'encoder_model_quantized.onnx'));
      renameSync(path.join(onnx, 'decoder_model_merged.onnx'), path.join(onnx, 'decoder_model_merged_quantized.onnx'));
      const runner = await loadRunner(request('marian', folder), env);
      try {
        assert.equal(runner.info.onnxFile, 'onnx/encoder_model_quantized.onnx + onnx/decoder_model_merged_quantized.onnx');
        const ref = reference('tiny-marian')[1];
        const result = await runner.inspect(ref.source, { attention: false, topK: 5, target: ref.target! });
        assert.deepEqual(
          result.predictions.ranked.map((r) => r.top[0].id),
          ref.top_ids.map((ids) => ids[0]),
        );
      } finally {
        await runner.dispose();
      }
      rmSync(path.join(onnx, 'decoder_model_merged_quantized.onnx'));
      await assert.rejects(
        loadRunner(request('marian', folder), env),
        /has no onnx\/encoder_model\.onnx with onnx\/decoder_model\.onnx or/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('greedy generation stops', () => {
  it('after maxNewTokens new tokens, or right after the end token (config.json eos_token_id)', async () => {
    const ref = reference('tiny-t5')[3];
    const runner = await loadRunner(request('tiny-t5'), env);
    try {
      const five = await runner.inspect(ref.source, { attention: false, topK: 1, maxNewTokens: 5 });
      assert.deepEqual(
        five.target?.tokens.map((t) => t.id),
        ref.target_ids.slice(0, 6),
      );
    } finally {
      await runner.dispose();
    }
    // The end token made the id greedy decoding writes third (its first occurrence): generation stops after it.
    const end = ref.target_ids[3];
    assert.equal(ref.target_ids.indexOf(end), 3);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lens-seq2seq-'));
    try {
      const folder = path.join(dir, 't5');
      cpSync(fixtureModel('tiny-t5'), folder, { recursive: true });
      const config = JSON.parse(readFileSync(path.join(folder, 'config.json'), 'utf8'));
      writeFileSync(path.join(folder, 'config.json'), JSON.stringify({ ...config, eos_token_id: end }));
      const stopping = await loadRunner(request('t5', folder), env);
      try {
        const result = await stopping.inspect(ref.source, { attention: false, topK: 1 });
        assert.deepEqual(
          result.target?.tokens.map((t) => t.id),
          ref.target_ids.slice(0, 4),
        );
      } finally {
        await stopping.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
