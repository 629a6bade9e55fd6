// Golden tests: the core's tokens, attention and predictions on the tiny test models against the PyTorch
// reference outputs committed beside them (test/fixtures/models/<name>/reference.json).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { buildFeeds, feedShape, inputSpecs } from '../../src/core/engine/feeds';
import { allLayers } from '../../src/core/engine/layerMaps';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { sessionOptions } from '../../src/core/engine/modelSession';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import type { InspectResult, Prediction } from '../../src/core/types';
import { selfSet } from '../support/engine';
import { fixtureModel } from '../support/paths';
import { loadReference, maxAbsDiff, type ReferenceCase } from '../support/reference';

/** Attention probabilities: float32 through the same ops in the same order; PyTorch vs onnxruntime. */
const ATTENTION_TOLERANCE = 1e-5;
/** Top-k probabilities from the graph's TopK/log-sum-exp head vs PyTorch's logits. */
const PROBABILITY_TOLERANCE = 1e-5;

function logSumExp(row: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
  return max + Math.log(sum);
}

/** softmax in float64 over a whole row of logits. */
function softmax(row: ArrayLike<number>): Float64Array {
  const lse = logSumExp(row);
  return Float64Array.from({ length: row.length }, (_, i) => Math.exp(row[i] - lse));
}

/** Top-k rows against the reference's, from the position `positions[i]` of the reference for rows[i]. */
function checkRows(rows: Prediction[][], positions: number[], ref: ReferenceCase): void {
  rows.forEach((row, i) => {
    const p = positions[i];
    const expectedIds = ref.topIds[p].slice(0, row.length);
    assert.deepEqual(
      row.map((x) => x.id),
      expectedIds,
      `top ids at position ${p}`,
    );
    row.forEach((x, j) => {
      const expected = Math.exp(ref.topLogits[p][j] - ref.logSumExp[p]);
      assert.ok(Math.abs(x.probability - expected) <= PROBABILITY_TOLERANCE, `p(${x.id}) at ${p}: ${x.probability} vs ${expected}`);
    });
  });
}

/** `everyPosition`: the ranking at each position (a masked LM's unmasked(), a causal LM's next-token rows). */
async function checkAgainstReference(
  result: InspectResult,
  everyPosition: Prediction[][],
  ref: ReferenceCase,
  maskTokenId?: number,
): Promise<void> {
  assert.deepEqual(
    result.tokens.map((t) => t.id),
    ref.inputIds,
    'token ids',
  );
  const n = ref.inputIds.length;
  const maps = await allLayers(selfSet(result.attention));
  assert.deepEqual([maps.queries, maps.keys], [n, n]);
  assert.equal(maps.perLayer.length, ref.attentions.length, 'one map per layer');
  maps.perLayer.forEach((layer, l) => {
    const diff = maxAbsDiff(layer, ref.attentions[l]);
    assert.ok(diff <= ATTENTION_TOLERANCE, `layer ${l} attention differs by ${diff}`);
  });
  assert.equal(everyPosition.length, n);
  checkRows(
    everyPosition,
    everyPosition.map((_, p) => p),
    ref,
  );
  if (result.predictions.task === 'fill-mask') {
    // The fills are projected at the mask tokens only (the graph's position input): the same numbers.
    const masks = result.predictions.ranked;
    assert.deepEqual(
      masks.map((m) => m.position),
      ref.inputIds.flatMap((id, p) => (id === maskTokenId ? [p] : [])),
      'one fill per [MASK]',
    );
    checkRows(
      masks.map((m) => m.top),
      masks.map((m) => m.position),
      ref,
    );
  }
}

async function checkRowsAndMask(result: InspectResult, causal: boolean): Promise<void> {
  const maps = await allLayers(selfSet(result.attention));
  assert.equal(maps.causal, causal);
  const { heads, queries: n } = maps;
  for (const layer of maps.perLayer) {
    for (let h = 0; h < heads; h++) {
      for (let q = 0; q < n; q++) {
        let sum = 0;
        for (let k = 0; k < n; k++) {
          const w = layer[(h * n + q) * n + k];
          sum += w;
          if (causal && k > q) assert.equal(w, 0, `causal map nonzero above the diagonal at head ${h} (${q}, ${k})`);
        }
        assert.ok(Math.abs(sum - 1) < 1e-5, `row ${q} of head ${h} sums to ${sum}`);
      }
    }
  }
}

/** BERT, GPT-2, GPT-NeoX, OPT, and the modern decoders in optimum's layout and in onnxruntime-genai's fused one (-gqa). */
const GOLDEN_MODELS = [
  'tiny-bert',
  'tiny-gpt2',
  'tiny-gpt2-past',
  'tiny-llama',
  'tiny-qwen3',
  'tiny-gemma2',
  'tiny-gemma3',
  'tiny-gpt-neox',
  'tiny-opt',
  'tiny-gemma2-longrope',
];
/**
 * Encoders beyond BERT: RoBERTa (byte-level BPE, <mask>), XLM-RoBERTa and ALBERT (SentencePiece Unigram), DistilBERT,
 * ELECTRA, DeBERTa-v3 (disentangled attention, a Reshape after the Softmax) and ModernBERT (rotary, local layers).
 */
const ENCODER_MODELS = [
  'tiny-roberta',
  'tiny-xlm-roberta',
  'tiny-distilbert',
  'tiny-albert',
  'tiny-electra',
  'tiny-deberta-v3',
  'tiny-modernbert',
];
const FUSED_MODELS = ['tiny-llama-gqa', 'tiny-qwen3-gqa', 'tiny-gemma2-gqa', 'tiny-gemma3-gqa'];

for (const name of [...GOLDEN_MODELS, ...ENCODER_MODELS, ...FUSED_MODELS]) {
  describe(`${name} against the PyTorch reference`, () => {
    let runner: ModelRunner;
    const reference = loadReference(path.join(fixtureModel(name), 'reference.json'));
    before(async () => {
      runner = await ModelRunner.load(
        { id: name, source: 'local', folder: fixtureModel(name), device: 'cpu' },
        detectProviderEnvironment(),
      );
    });
    after(() => runner.dispose());

    for (const ref of reference.cases) {
      it(
        `matches attention within ${ATTENTION_TOLERANCE} and top-k probabilities within ${PROBABILITY_TOLERANCE} ` +
          `on ${JSON.stringify(ref.text.slice(0, 30))}`,
        async () => {
          const result = await runner.inspect(ref.text, { attention: true, topK: 10 });
          const { task, ranked } = result.predictions;
          const everyPosition = task === 'fill-mask' ? await runner.unmasked(ref.text, 10) : ranked.map((r) => r.top);
          if (task === 'next-token')
            assert.deepEqual(
              ranked.map((r) => r.position),
              result.tokens.map((t) => t.index),
            );
          await checkAgainstReference(result, everyPosition, ref, runner.model.tokenizer.maskTokenId);
          await checkRowsAndMask(result, runner.info.task === 'next-token');
        },
      );
    }

    if (name.startsWith('tiny-gpt2')) {
      it(
        `gives the token that follows each position its probability under the unpatched graph's logits, ` +
          `within ${PROBABILITY_TOLERANCE}`,
        async () => {
          const plain = await ort.InferenceSession.create(path.join(fixtureModel(name), 'onnx', 'model.onnx'), sessionOptions('cpu'));
          try {
            const { config } = runner.model;
            for (const ref of reference.cases) {
              const result = await runner.inspect(ref.text, { attention: false, topK: 1 });
              const n = ref.inputIds.length;
              const feeds = buildFeeds(inputSpecs(plain), ref.inputIds, 1, n, feedShape(config));
              const logits = (await plain.run(feeds, ['logits'])).logits.data as Float32Array;
              const v = config.vocabSize;
              const { actual } = result.predictions;
              assert.ok(actual && actual.length === n, 'a next-token run scores every actual token');
              assert.equal(actual[0], null, 'nothing predicts the first token');
              for (let p = 1; p < n; p++) {
                const row = logits.subarray((p - 1) * v, p * v);
                const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
                const lse = max + Math.log(row.reduce((sum, x) => sum + Math.exp(x - max), 0));
                const expected = Math.exp(row[ref.inputIds[p]] - lse);
                assert.ok(Math.abs((actual[p] as number) - expected) <= PROBABILITY_TOLERANCE, `token ${p}: ${actual[p]} vs ${expected}`);
              }
            }
          } finally {
            await plain.release();
          }
        },
      );
    }

    it(
      `gives the whole vocabulary's distribution at every position: the reference's log-sum-exp and top-10, and the unpatched graph's ` +
        `softmax, within ${PROBABILITY_TOLERANCE}`,
      async () => {
        const plain = await ort.InferenceSession.create(path.join(fixtureModel(name), 'onnx', 'model.onnx'), sessionOptions('cpu'));
        try {
          const { config } = runner.model;
          const v = config.vocabSize;
          for (const ref of reference.cases) {
            const n = ref.inputIds.length;
            const feeds = buildFeeds(inputSpecs(plain), ref.inputIds, 1, n, feedShape(config));
            const plainLogits = (await plain.run(feeds, ['logits'])).logits.data as Float32Array;
            for (let p = 0; p < n; p++) {
              const { logits: row, top } = await runner.logitsAt(ref.text, p);
              assert.deepEqual(
                top.slice(0, 10).map((x) => x.id),
                ref.topIds[p],
                `the labelled best ids at ${p}`,
              );
              assert.equal(row.length, v, 'one logit per vocabulary id');
              const probabilities = softmax(row);
              // Normalised over the whole vocabulary, as PyTorch's log-sum-exp says, so every probability is exact.
              assert.ok(
                Math.abs(logSumExp(row) - ref.logSumExp[p]) <= PROBABILITY_TOLERANCE,
                `log-sum-exp at ${p}: ${logSumExp(row)} vs ${ref.logSumExp[p]}`,
              );
              ref.topIds[p].forEach((id, j) => {
                const expected = Math.exp(ref.topLogits[p][j] - ref.logSumExp[p]);
                assert.ok(
                  Math.abs(probabilities[id] - expected) <= PROBABILITY_TOLERANCE,
                  `p(${id}) at ${p}: ${probabilities[id]} vs ${expected}`,
                );
              });
              const reference = softmax(plainLogits.subarray(p * v, (p + 1) * v));
              const diff = maxAbsDiff(probabilities, reference);
              assert.ok(diff <= PROBABILITY_TOLERANCE, `position ${p}: the distribution differs from the unpatched graph's by ${diff}`);
            }
          }
          await assert.rejects(runner.logitsAt(reference.cases[0].text, reference.cases[0].inputIds.length), /outside the \d+ tokens/);
        } finally {
          await plain.release();
        }
      },
    );

    it('reads the architecture, layers and heads from the model files', () => {
      const config = JSON.parse(readFileSync(path.join(fixtureModel(name), 'config.json'), 'utf8'));
      assert.equal(runner.info.architecture, config.architectures[0]);
      assert.equal(runner.info.layers, config.num_hidden_layers ?? config.n_layers ?? config.n_layer);
      assert.equal(runner.info.attention.available, true);
    });
  });
}
