// The embedded default models, loaded the way the extension loads them (alias → models/<name> → the worker
// engine): their facts, predictions that their training text makes unambiguous, and the example tables of
// their model cards recomputed from the shipped files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { sessionOptions } from '../../src/core/engine/modelSession';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { resolveModel } from '../../src/core/model/resolveModel';
import { visibleWhitespace } from '../../src/core/tokenize/display';
import type { Prediction } from '../../src/core/types';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import type { WorkerInspectResult } from '../../src/core/worker/workerRequests';
import { inspectText } from '../support/engine';
import { repoRoot } from '../support/paths';

const workerPath = path.join(repoRoot, 'out', 'src', 'core', 'worker', 'inferenceWorker.js');
const where = {
  embeddedDir: path.join(repoRoot, 'models'),
  cacheDir: path.join(os.tmpdir(), 'attention-lens-no-cache'),
  hubUrl: 'http://127.0.0.1:9',
};
/** The cards print probabilities to 0.1 %; the shipped int8 file must give the same to that rounding. */
const CARD_TOLERANCE = 0.0006;
/**
 * Logits against PyTorch's (test/fixtures/defaultModels, tools/lens_models/reference.py). Both sides compute the
 * same fp32 function; only the order of float32 additions differs (MLAS's AVX2 or AVX-512 kernels, the thread
 * split, PyTorch's BLAS), a few ulps per dot product. Measured: at most 7.6e-6 on logits up to 14.4, so 1e-4
 * leaves a 10x margin on any CPU, yet is 250x below the 2.5e-2 that onnxruntime's activation-quantizing int8
 * fusion caused (see sessionOptions).
 */
const LOGIT_TOLERANCE = 1e-4;
/** Logits within 1e-4 of each other give softmax probabilities within p·(e^(2·1e-4) − 1) ≈ 2e-4·p ≤ 2e-4. */
const PROBABILITY_TOLERANCE = 2e-4;

interface ReferenceExample {
  text: string;
  ids: number[];
  position: number;
}

/** PyTorch's logits row at each example's position, computed from the shipped file's own weights. */
function pytorchReference(model: string): { examples: ReferenceExample[]; rows: Float32Array[] } {
  const base = path.join(repoRoot, 'test', 'fixtures', 'defaultModels', model);
  const { examples, vocabSize } = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { examples: ReferenceExample[]; vocabSize: number };
  const bytes = readFileSync(`${base}.logits.f32`);
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  assert.equal(all.length, examples.length * vocabSize, `${model}: one logits row per example`);
  return { examples, rows: examples.map((_, i) => all.subarray(i * vocabSize, (i + 1) * vocabSize)) };
}

function softmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  return Float64Array.from(logits, (v) => Math.exp(v - max) / sum);
}

/** The shipped file run with the extension's session options, unpatched: its logits row at a position. */
async function extensionLogits(model: string, masked: boolean, ids: number[], position: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(path.join(repoRoot, 'models', model, 'onnx', 'model.onnx'), sessionOptions('cpu'));
  try {
    const row = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
    const feeds: Record<string, ort.Tensor> = { input_ids: row(ids), attention_mask: row(ids.map(() => 1)) };
    if (masked) feeds.token_type_ids = row(ids.map(() => 0));
    else feeds.position_ids = row(ids.map((_, i) => i));
    const logits = (await session.run(feeds)).logits;
    const vocab = Number(logits.dims[2]);
    return (logits.data as Float32Array).slice(position * vocab, (position + 1) * vocab);
  } finally {
    await session.release();
  }
}

function assertLogitsClose(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: vocabulary size`);
  let worst = 0;
  let at = 0;
  for (let i = 0; i < want.length; i++) {
    const diff = Math.abs(got[i] - want[i]);
    if (!(diff <= worst)) [worst, at] = [diff, i];
  }
  assert.ok(worst <= LOGIT_TOLERANCE, `${what}: logit ${at} is ${got[at]}, PyTorch's ${want[at]} (|diff| ${worst})`);
}

/** The engine's top 5 are PyTorch's top 5, with PyTorch's probabilities. */
function assertTopMatchesReference(top: Prediction[], reference: Float32Array, what: string): void {
  const probabilities = softmax(reference);
  const order = [...probabilities.keys()].sort((a, b) => probabilities[b] - probabilities[a]).slice(0, top.length);
  assert.deepEqual(
    top.map((p) => p.id),
    order,
    `${what}: the top ${top.length} ids are PyTorch's`,
  );
  top.forEach((p, i) => {
    assert.ok(
      Math.abs(p.probability - probabilities[order[i]]) <= PROBABILITY_TOLERANCE,
      `${what}: ${p.token} ${p.probability} vs PyTorch's ${probabilities[order[i]]}`,
    );
  });
}

interface CardExample {
  input: string;
  top: { token: string; probability: number }[];
}

/** The "Example predictions" table of a model card: input, then the top 5 as `token` NN.N %. */
function cardExamples(model: string): CardExample[] {
  const card = readFileSync(path.join(repoRoot, 'models', model, 'README.md'), 'utf8');
  const section = card.split(/^## /m).find((s) => s.startsWith('Example predictions'));
  assert.ok(section, `${model}'s card has an Example predictions section`);
  // The cards write a quote, a backslash, a newline and a tab inside backticks as \" \\ \n \t.
  const unescape = (s: string) => s.replace(/\\(["\\nt])/g, (_, c: string) => ({ n: '\n', t: '\t' })[c] ?? c);
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [input, top] = line.split(' | ');
      return {
        input: unescape(input.slice(3, -1)),
        top: [...top.matchAll(/`((?:[^`\\]|\\.)*)` (\d+\.\d) %/g)].map((m) => ({ token: unescape(m[1]), probability: Number(m[2]) / 100 })),
      };
    });
}

const shown = (top: Prediction[]) => top.map((p) => `${p.token} ${(100 * p.probability).toFixed(1)}%`).join(', ');

function compareWithCard(example: CardExample, top: Prediction[]): void {
  assert.equal(example.top.length, 5, `the card lists 5 predictions for ${JSON.stringify(example.input)}`);
  example.top.forEach((want, i) => {
    const got = top[i];
    assert.equal(
      got.token,
      visibleWhitespace(want.token),
      `${JSON.stringify(example.input)}: prediction ${i + 1} (the model gives ${shown(top)})`,
    );
    assert.ok(
      Math.abs(got.probability - want.probability) <= CARD_TOLERANCE,
      `${JSON.stringify(example.input)}: ${got.token} ${got.probability} vs the card's ${want.probability}`,
    );
  });
}

/** One test per reference example: the shipped file's logits (the extension's options) and the engine's top 5. */
function referenceTests(engine: InferenceEngine, model: string, masked: boolean): void {
  const reference = pytorchReference(model);
  for (const [i, example] of reference.examples.entries()) {
    it(`${JSON.stringify(example.text)}: logits within ${LOGIT_TOLERANCE} of PyTorch's, and the engine's top 5 are PyTorch's`, async () => {
      assertLogitsClose(await extensionLogits(model, masked, example.ids, example.position), reference.rows[i], example.text);
      const result = await inspectText(engine, example.text, { attention: false, topK: 5 });
      assert.deepEqual(
        result.tokens.map((t) => t.id),
        example.ids,
        'the engine tokenizes as the reference did',
      );
      const p = result.predictions;
      // A fill-mask run's first mask; a next-token run's last position (the token after the text).
      const top = (masked ? p.ranked[0] : p.ranked.at(-1))?.top;
      assert.equal(p.task, masked ? 'fill-mask' : 'next-token');
      if (!masked) assert.equal(p.ranked.at(-1)?.position, result.tokens.length - 1);
      assert.ok(top, 'a prediction at the reference position');
      assertTopMatchesReference(top, reference.rows[i], example.text);
    });
  }
}

describe('embedded default models', () => {
  const engine = new InferenceEngine({ workerPath, environment: detectProviderEnvironment() });
  after(() => engine.dispose());

  async function load(alias: 'default-masked' | 'default-causal') {
    const resolved = await resolveModel(alias, where);
    assert.equal(resolved.source, 'embedded');
    return engine.load({ ...resolved, device: 'cpu' });
  }

  describe('lens-bert-mini (default-masked)', () => {
    before(() => load('default-masked'));

    const masked = async (text: string): Promise<Prediction[]> => {
      const result: WorkerInspectResult = await inspectText(engine, text, { attention: true, topK: 5 });
      assert.equal(result.predictions.task, 'fill-mask');
      assert.equal(result.predictions.ranked.length, 1, `one [MASK] in ${JSON.stringify(text)}`);
      return result.predictions.ranked[0].top;
    };

    it("loads from models/ as a 4 × 4 BERT masked LM with bert-base-uncased's WordPiece and exposed attention", async () => {
      const reply = await load('default-masked');
      assert.deepEqual(
        [
          reply.info.family,
          reply.info.task,
          reply.info.architecture,
          reply.info.tokenizerKind,
          reply.info.vocabSize,
          reply.info.layers,
          reply.info.heads,
          reply.info.maxPositions,
          reply.info.maskToken,
        ],
        ['bert', 'fill-mask', 'BertForMaskedLM', 'wordpiece', 30522, 4, 4, 512, '[MASK]'],
      );
      assert.deepEqual(reply.info.attention, { available: true });
    });

    it('fills the underscore of __main__, which Python sources spell out every time', async () => {
      const [first] = await masked('if __name__ == "__main__[MASK]":');
      assert.equal(first.token, '_');
      assert.ok(first.probability > 0.3, `p = ${first.probability}`);
    });

    it('proposes code tokens in code and words in prose', async () => {
      const code = (await masked('def [MASK](self):')).map((p) => p.token);
      assert.ok(code.includes('self') && code.includes('('), `code: ${code.join(' ')}`);
      const prose = (await masked('The [MASK] whale')).map((p) => p.token);
      assert.ok(prose.includes('the') && prose.includes('of'), `prose: ${prose.join(' ')}`);
    });

    referenceTests(engine, 'lens-bert-mini', true);

    for (const example of cardExamples('lens-bert-mini')) {
      it(`the card's example ${JSON.stringify(example.input)} is what the shipped file predicts`, async () => {
        compareWithCard(example, await masked(example.input));
      });
    }
  });

  describe('lens-gpt2-mini (default-causal)', () => {
    before(() => load('default-causal'));

    const next = async (text: string): Promise<Prediction[]> => {
      const result: WorkerInspectResult = await inspectText(engine, text, { attention: true, topK: 5 });
      assert.equal(result.predictions.task, 'next-token');
      const last = result.predictions.ranked.at(-1)!;
      assert.equal(last.position, result.tokens.length - 1, 'the last ranking is the token after the text');
      return last.top;
    };

    it("loads from models/ as a 4 × 4 GPT-2 causal LM with GPT-2's byte-level BPE and exposed attention", async () => {
      const reply = await load('default-causal');
      assert.deepEqual(
        [
          reply.info.family,
          reply.info.task,
          reply.info.architecture,
          reply.info.tokenizerKind,
          reply.info.vocabSize,
          reply.info.layers,
          reply.info.heads,
          reply.info.maxPositions,
        ],
        ['gpt2', 'next-token', 'GPT2LMHeadModel', 'byte-bpe', 50257, 4, 4, 512],
      );
      assert.deepEqual(reply.info.attention, { available: true });
    });

    it('closes "def __init__(self" with "):" or ", " as Python sources do', async () => {
      const [first, second] = await next('def __init__(self');
      assert.deepEqual([first.token, second.token], ['):', ',']);
      assert.ok(first.probability + second.probability > 0.8, `p = ${first.probability} + ${second.probability}`);
    });

    it('continues "return self" with an attribute access and "import os\\nimport" with a module', async () => {
      const [dot] = await next('return self');
      assert.equal(dot.token, '.');
      const modules = (await next('import os\nimport')).map((p) => p.token);
      assert.ok(modules.includes('␣sys'), `after "import os\\nimport": ${modules.join(' ')}`);
    });

    referenceTests(engine, 'lens-gpt2-mini', false);

    for (const example of cardExamples('lens-gpt2-mini')) {
      it(`the card's example ${JSON.stringify(example.input)} is what the shipped file predicts`, async () => {
        compareWithCard(example, await next(example.input));
      });
    }
  });
});
