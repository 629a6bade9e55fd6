// The embedded default models, loaded the way the extension loads them (alias → models/<name> → the worker
// engine): their facts, predictions that their training text makes unambiguous, and the example tables of
// their model cards recomputed from the shipped files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { resolveModel } from '../../src/core/model/resolveModel';
import { visibleWhitespace } from '../../src/core/tokenize/display';
import type { Prediction } from '../../src/core/types';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import type { WorkerInspectResult } from '../../src/core/worker/workerMessages';
import { repoRoot } from '../support/paths';

const workerPath = path.join(repoRoot, 'out', 'src', 'core', 'worker', 'inferenceWorker.js');
const where = { embeddedDir: path.join(repoRoot, 'models'), cacheDir: path.join(os.tmpdir(), 'attention-lens-no-cache'), hubUrl: 'http://127.0.0.1:9' };
/** The cards print probabilities to 0.1 %; the shipped int8 file must give the same to that rounding. */
const CARD_TOLERANCE = 0.0006;

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
    assert.equal(got.token, visibleWhitespace(want.token), `${JSON.stringify(example.input)}: prediction ${i + 1} (the model gives ${shown(top)})`);
    assert.ok(Math.abs(got.probability - want.probability) <= CARD_TOLERANCE, `${JSON.stringify(example.input)}: ${got.token} ${got.probability} vs the card's ${want.probability}`);
  });
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
      const result: WorkerInspectResult = await engine.inspect(text, { attention: true, topK: 5 });
      assert.ok(result.predictions.kind === 'masked');
      assert.equal(result.predictions.masks.length, 1, `one [MASK] in ${JSON.stringify(text)}`);
      return result.predictions.masks[0].top;
    };

    it('loads from models/ as a 4 × 4 BERT masked LM with bert-base-uncased\'s WordPiece and exposed attention', async () => {
      const reply = await load('default-masked');
      assert.deepEqual(
        [reply.info.kind, reply.info.architecture, reply.info.tokenizerKind, reply.info.vocabSize, reply.info.layers, reply.info.heads, reply.info.maxPositions, reply.info.maskToken],
        ['masked', 'BertForMaskedLM', 'wordpiece', 30522, 4, 4, 512, '[MASK]'],
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

    for (const example of cardExamples('lens-bert-mini')) {
      it(`the card's example ${JSON.stringify(example.input)} is what the shipped file predicts`, async () => {
        compareWithCard(example, await masked(example.input));
      });
    }
  });

  describe('lens-gpt2-mini (default-causal)', () => {
    before(() => load('default-causal'));

    const next = async (text: string): Promise<Prediction[]> => {
      const result: WorkerInspectResult = await engine.inspect(text, { attention: true, topK: 5 });
      assert.ok(result.predictions.kind === 'causal');
      return result.predictions.next.at(-1)!;
    };

    it('loads from models/ as a 4 × 4 GPT-2 causal LM with GPT-2\'s byte-level BPE and exposed attention', async () => {
      const reply = await load('default-causal');
      assert.deepEqual(
        [reply.info.kind, reply.info.architecture, reply.info.tokenizerKind, reply.info.vocabSize, reply.info.layers, reply.info.heads, reply.info.maxPositions],
        ['causal', 'GPT2LMHeadModel', 'byte-bpe', 50257, 4, 4, 512],
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

    for (const example of cardExamples('lens-gpt2-mini')) {
      it(`the card's example ${JSON.stringify(example.input)} is what the shipped file predicts`, async () => {
        compareWithCard(example, await next(example.input));
      });
    }
  });
});
