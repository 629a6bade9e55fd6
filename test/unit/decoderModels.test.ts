// The tiny modern decoders (test/fixtures/models/tiny-{llama,qwen3,gemma2,gemma3}, optimum's layout, and the
// -gqa ones with GroupQueryAttention) load through ModelRunner as the Llama family and predict what PyTorch
// computed from the same weights. Attention is not asked for here: reading it from these exports is graphPatch's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { readModelConfig } from '../../src/core/model/modelFolder';
import { fixtureModel } from '../support/paths';
import { request } from './reliability/support';

/** Log-probabilities of the top predictions against PyTorch's (logit − logsumexp), as the golden tests allow. */
const LOG_PROB_TOLERANCE = 1e-4;

interface ReferenceCase {
  text: string;
  input_ids: number[];
  top_ids: number[][];
  top_logits: number[][];
  logsumexp: number[];
}

const FIXTURES = [
  'tiny-llama',
  'tiny-qwen3',
  'tiny-gemma2',
  'tiny-gemma3',
  'tiny-llama-gqa',
  'tiny-qwen3-gqa',
  'tiny-gemma2-gqa',
  'tiny-gemma3-gqa',
];

describe('tiny modern decoders load and predict as PyTorch does', () => {
  const env = detectProviderEnvironment();
  for (const name of FIXTURES) {
    it(`${name}: the Llama family, its reference tokens and top-5 at every position`, async () => {
      const { cases } = JSON.parse(readFileSync(path.join(fixtureModel(name), 'reference.json'), 'utf8')) as { cases: ReferenceCase[] };
      const runner = await ModelRunner.load(request(name), env);
      try {
        const { family, familyLabel, task } = runner.info;
        assert.deepEqual({ family, familyLabel, task }, { family: 'llama', familyLabel: 'causal LM (Llama family)', task: 'next-token' });
        for (const ref of cases.slice(0, 2)) {
          const result = await runner.inspect(ref.text, { attention: false, topK: 5 });
          assert.deepEqual(
            result.tokens.map((t) => t.id),
            ref.input_ids,
          );
          assert.equal(result.predictions.ranked.length, ref.input_ids.length);
          result.predictions.ranked.forEach(({ position, top }) => {
            assert.deepEqual(
              top.map((p) => p.id),
              ref.top_ids[position].slice(0, 5),
              `${ref.text} @${position}`,
            );
            top.forEach((p, k) => {
              const expected = ref.top_logits[position][k] - ref.logsumexp[position];
              assert.ok(Math.abs(Math.log(p.probability) - expected) <= LOG_PROB_TOLERANCE, `${ref.text} @${position} #${k}`);
            });
          });
        }
      } finally {
        await runner.dispose();
      }
    });
  }

  it("their configs: grouped key/value heads, head_dim, Gemma's windows, soft-cap, query scale and Gemma 3's first position", async () => {
    const facts = async (name: string) => {
      const c = await readModelConfig(fixtureModel(name));
      return [c.heads, c.kvHeads, c.headDim, c.firstPosition, c.slidingWindow, c.attnSoftcap, c.queryPreAttnScalar];
    };
    assert.deepEqual(await facts('tiny-llama'), [4, 2, 16, 0, undefined, undefined, undefined], 'head_dim 16 ≠ hidden 16 / 4 heads');
    assert.deepEqual(await facts('tiny-qwen3'), [4, 1, 16, 0, undefined, undefined, undefined]);
    assert.deepEqual(await facts('tiny-gemma2'), [4, 2, 32, 0, { size: 4, layers: [0] }, 5, 24]);
    assert.deepEqual(await facts('tiny-gemma3'), [4, 1, 32, 1, { size: 4, layers: [0, 1] }, undefined, 32]);
  });
});
