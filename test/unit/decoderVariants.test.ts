// The variant files transformers.js loads besides onnx/model.onnx, on a tiny Llama (test/fixtures/models/
// tiny-llama-variants, made by tools/lens_models/make_variant_models.py): a float16 graph (float16 pasts, presents and
// logits), a q4 one (com.microsoft.MatMulNBits), q4 in float16 (q4f16) and an int8 one (DynamicQuantizeLinear →
// MatMulInteger). Each loads through ModelRunner when named, its maps are attention
// (rows sum to 1, nothing above the diagonal), and maps and predictions stay close to the float32 file's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { ROW_SUM_TOLERANCE } from '../../src/core/engine/attentionLayout';
import { inputSpecs } from '../../src/core/engine/feeds';
import { allLayers } from '../../src/core/engine/layerMaps';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { readModelGraph } from '../../src/core/onnx/modelGraph';
import type { AttentionMaps, ModelInfo, RunPredictions } from '../../src/core/types';
import { fixtureModel } from '../support/paths';
import { request } from './reliability/support';

const NAME = 'tiny-llama-variants';
const FILES = {
  fp32: 'onnx/model.onnx',
  fp16: 'onnx/model_fp16.onnx',
  q4: 'onnx/model_q4.onnx',
  q4f16: 'onnx/model_q4f16.onnx',
  int8: 'onnx/model_int8.onnx',
} as const;
type Variant = keyof typeof FILES;

/**
 * fp16 against fp32, largest |Δ| of any attention weight. Every activation of the fp16 graph is rounded to 11
 * significant bits (relative 4.9e-4) through two layers before its scores reach the Softmax, and a weight moves by
 * p(1 − p)·Δscore: measured 6.5e-3 on the reference texts (97 tokens, 776 rows); 1e-2 leaves 1.5× of that.
 */
const FP16_MAP_TOLERANCE = 1e-2;
/** fp16 against fp32, |Δp| of a token in both top-5s: measured 5.7e-3. */
const FP16_PROBABILITY_TOLERANCE = 1e-2;
/** fp16: top-1 equal wherever fp32's top-1 leads its second by this many nats (51 of 97 positions; 96 of 97 agree in all). */
const FP16_STABLE_LEAD = 0.5;
/**
 * q4 is other weights than fp32 (each block of 32 rounded to 16 levels moves this 32-wide random model's logits by
 * up to 6.3), so its numbers are its own: only where fp32 is far from a tie must the two agree. Predictions: top-1
 * equal where fp32 leads by 2 nats (5 positions, all agree; at 1 nat only 16 of 26 do). Attention: the most attended
 * key equal in ≥ 95 % of the rows where fp32's largest weight leads the next by 0.5 (measured 246 of 249). int8 (one
 * scale per weight tensor, activations quantized per run) is closer yet its own too (maps up to 0.13 from fp32's,
 * top-1 equal at 88 of 97 positions), and is held to the same, as is q4f16 (q4 rounded to float16 on top).
 */
const Q4_STABLE_LEAD = 2;
const Q4_STABLE_ROW_LEAD = 0.5;
const Q4_ROW_AGREEMENT = 0.95;

interface Run {
  ids: number[];
  maps: AttentionMaps;
  predictions: RunPredictions;
}

interface Loaded {
  info: ModelInfo;
  runs: Run[];
}

const texts = (
  JSON.parse(readFileSync(path.join(fixtureModel(NAME), 'reference.json'), 'utf8')) as { cases: { text: string }[] }
).cases.map((c) => c.text);

/** Loads one file by name, inspects every reference text with attention and the top 5, and disposes it. */
async function inspectAll(variant: Variant): Promise<Loaded> {
  const runner = await ModelRunner.load({ ...request(NAME), onnxFile: FILES[variant] }, detectProviderEnvironment());
  try {
    const runs: Run[] = [];
    for (const text of texts) {
      const result = await runner.inspect(text, { attention: true, topK: 5 });
      assert.ok(result.attention, `${variant}: no attention for "${text}"`);
      runs.push({ ids: result.tokens.map((t) => t.id), maps: await allLayers(result.attention[0]), predictions: result.predictions });
    }
    return { info: runner.info, runs };
  } finally {
    await runner.dispose();
  }
}

/** Every row of every map: its layer, head, query, and the weights over all keys. */
function* rows(maps: AttentionMaps): Generator<{ where: string; query: number; row: Float32Array }> {
  const { heads, queries, keys } = maps;
  for (let l = 0; l < maps.layers; l++)
    for (let h = 0; h < heads; h++)
      for (let q = 0; q < queries; q++) {
        const start = (h * queries + q) * keys;
        yield { where: `L${l} H${h} q${q}`, query: q, row: maps.perLayer[l].subarray(start, start + keys) };
      }
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
  return best;
}

/** How far fp32's largest weight of a row leads its second. */
function lead(row: Float32Array): number {
  const [first, second = 0] = [...row].sort((a, b) => b - a);
  return first - second;
}

describe('fp16, q4, q4f16 and int8 variant files of a tiny Llama', () => {
  const loaded = {} as Record<Variant, Loaded>;
  before(async () => {
    for (const variant of Object.keys(FILES) as Variant[]) loaded[variant] = await inspectAll(variant);
  });

  it('each file named in the request is the one that runs, as the Llama family, tokenized alike', () => {
    for (const variant of Object.keys(FILES) as Variant[]) {
      const { family, modelType, onnxFile, attention } = loaded[variant].info;
      assert.deepEqual(
        { family, modelType, onnxFile, attention },
        { family: 'llama', modelType: 'llama', onnxFile: FILES[variant], attention: { available: true } },
      );
      assert.deepEqual(
        loaded[variant].runs.map((r) => r.ids),
        loaded.fp32.runs.map((r) => r.ids),
      );
    }
  });

  it('the files are what their names say: float16 pasts and logits, MatMulNBits (4 bits, blocks of 32), MatMulInteger', async () => {
    const facts = async (variant: Variant) => {
      const file = path.join(fixtureModel(NAME), FILES[variant]);
      const session = await ort.InferenceSession.create(file);
      try {
        const past = inputSpecs(session).find((s) => s.name === 'past_key_values.0.key')!.type;
        const logits = session.outputMetadata.find((m) => m.name === 'logits')!;
        const { graph } = await readModelGraph(file, FILES[variant]);
        const nBits = graph.nodes.filter((n) => n.opType === 'MatMulNBits' && n.domain === 'com.microsoft').length;
        const integer = graph.nodes.filter((n) => n.opType === 'MatMulInteger').length;
        return { past, logits: logits.isTensor ? logits.type : 'unknown', nBits, integer };
      } finally {
        await session.release();
      }
    };
    assert.deepEqual(await facts('fp32'), { past: 'float32', logits: 'float32', nBits: 0, integer: 0 });
    assert.deepEqual(await facts('fp16'), { past: 'float16', logits: 'float16', nBits: 0, integer: 0 });
    // 2 layers × (q, k, v, o, gate, up, down) and the tied output projection.
    assert.deepEqual(await facts('q4'), { past: 'float32', logits: 'float32', nBits: 15, integer: 0 });
    assert.deepEqual(await facts('q4f16'), { past: 'float16', logits: 'float16', nBits: 15, integer: 0 });
    assert.deepEqual(await facts('int8'), { past: 'float32', logits: 'float32', nBits: 0, integer: 15 });
  });

  it("every variant's maps are attention: rows sum to 1 within the product's tolerance for the output type, 0 above the diagonal", () => {
    const tolerance: Record<Variant, number> = {
      fp32: ROW_SUM_TOLERANCE.float32,
      fp16: ROW_SUM_TOLERANCE.float16,
      q4: ROW_SUM_TOLERANCE.float32,
      q4f16: ROW_SUM_TOLERANCE.float16,
      int8: ROW_SUM_TOLERANCE.float32,
    };
    for (const variant of Object.keys(FILES) as Variant[]) {
      for (const [i, run] of loaded[variant].runs.entries()) {
        assert.equal(run.maps.causal, true);
        for (const { where, query, row } of rows(run.maps)) {
          const sum = row.reduce((a, b) => a + b, 0);
          assert.ok(Math.abs(sum - 1) <= tolerance[variant], `${variant} text ${i} ${where}: row sums to ${sum}`);
          assert.ok(
            row.subarray(query + 1).every((w) => w === 0),
            `${variant} text ${i} ${where}: weight above the diagonal`,
          );
        }
      }
    }
  });

  it("fp16: maps and top-5 probabilities within 1e-2 of fp32's, the same top-1 where fp32's is clear", () => {
    let clear = 0;
    loaded.fp16.runs.forEach((run, i) => {
      const base = loaded.fp32.runs[i];
      run.maps.perLayer.forEach((layer, l) => {
        let worst = 0;
        layer.forEach((w, j) => (worst = Math.max(worst, Math.abs(w - base.maps.perLayer[l][j]))));
        assert.ok(worst <= FP16_MAP_TOLERANCE, `text ${i} layer ${l}: |Δ| ${worst}`);
      });
      run.predictions.ranked.forEach(({ position, top }) => {
        const reference = base.predictions.ranked[position].top;
        for (const p of top) {
          const same = reference.find((r) => r.id === p.id);
          if (same)
            assert.ok(Math.abs(p.probability - same.probability) <= FP16_PROBABILITY_TOLERANCE, `text ${i} @${position} id ${p.id}`);
        }
        if (Math.log(reference[0].probability / reference[1].probability) > FP16_STABLE_LEAD) {
          clear++;
          assert.equal(top[0].id, reference[0].id, `text ${i} @${position}`);
        }
      });
    });
    assert.ok(clear >= 40, `only ${clear} positions where fp32's top-1 is clear`);
  });

  for (const variant of ['q4', 'q4f16', 'int8'] as const) {
    it(`${variant}: its own numbers, yet the same top-1 prediction and most attended key where fp32's lead is large`, () => {
      let clear = 0;
      let rowsClear = 0;
      let rowsAgree = 0;
      loaded[variant].runs.forEach((run, i) => {
        const base = loaded.fp32.runs[i];
        run.predictions.ranked.forEach(({ position, top }) => {
          const reference = base.predictions.ranked[position].top;
          if (Math.log(reference[0].probability / reference[1].probability) <= Q4_STABLE_LEAD) return;
          clear++;
          assert.equal(top[0].id, reference[0].id, `${variant} text ${i} @${position}`);
        });
        const baseRows = [...rows(base.maps)];
        [...rows(run.maps)].forEach(({ row }, j) => {
          if (lead(baseRows[j].row) <= Q4_STABLE_ROW_LEAD) return;
          rowsClear++;
          if (argmax(row) === argmax(baseRows[j].row)) rowsAgree++;
        });
      });
      assert.ok(clear >= 5, `only ${clear} positions where fp32's top-1 is clear`);
      assert.ok(rowsClear >= 200, `only ${rowsClear} rows where fp32's largest weight is clear`);
      assert.ok(
        rowsAgree / rowsClear >= Q4_ROW_AGREEMENT,
        `${variant}: the most attended key agrees in ${rowsAgree} of ${rowsClear} clear rows`,
      );
    });
  }
});
