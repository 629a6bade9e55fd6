// Families as data (src/core/families): which family a config.json describes, what a loaded model says about
// its family, and the inputs each family feeds (feeds.ts refuses any other with a message that names them).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildFeeds, type FeedShape, type InputSpec } from '../../src/core/engine/feeds';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { bert } from '../../src/core/families/bert';
import { gpt2 } from '../../src/core/families/gpt2';
import { encoderDecoder } from '../../src/core/families/encoderDecoder';
import { FAMILIES, familyOf } from '../../src/core/families/index';
import { parseModelConfig } from '../../src/core/model/modelConfig';
import { LensError } from '../../src/core/types';
import { fixtureModel } from '../support/paths';

const TAKES =
  'Attention Lens runs masked language models (…ForMaskedLM), causal language models (…LMHeadModel / …ForCausalLM), and ' +
  'encoder–decoder models (T5, BART, Marian)';
const refusedAs = (message: string) => (e: unknown) => e instanceof LensError && e.code === 'model-unsupported' && e.message === message;

describe('familyOf', () => {
  it('goes by the architecture first: a task head decides even against the model_type', () => {
    assert.equal(familyOf(['BertForMaskedLM'], 'bert'), bert);
    assert.equal(familyOf(['RobertaForMaskedLM'], 'gpt2'), bert);
    assert.equal(familyOf(['GPT2LMHeadModel'], 'bert'), gpt2);
    assert.equal(familyOf(['FalconForCausalLM'], 'falcon'), gpt2, 'a …ForCausalLM head no family names is a next-token model');
    assert.equal(familyOf(['BertModel', 'BertForMaskedLM'], 'bert'), bert, 'any of the architectures named');
  });

  it('falls back to the model_type only where the config names no architecture', () => {
    assert.equal(familyOf([], 'distilbert'), bert);
    assert.equal(familyOf([], 'gpt_neo'), gpt2);
    assert.equal(familyOf([], 't5'), encoderDecoder);
    assert.equal(familyOf([], 'whisper'), undefined);
    assert.equal(familyOf(['BertModel'], 'bert'), undefined, 'a named architecture without a task head is not taken by its model_type');
  });

  it('every model_type and named architecture belongs to one family; each declares one causal or bidirectional self-attention set', () => {
    const types = FAMILIES.flatMap((f) => [...f.modelTypes]);
    assert.equal(new Set(types).size, types.length);
    const named = FAMILIES.flatMap((f) => [...f.architectures]);
    assert.equal(new Set(named).size, named.length);
    assert.deepEqual(
      FAMILIES.map((f) => f.attentionSets.map((s) => `${s.name}:${s.causal}`)),
      [['self:false'], ['self:true'], ['self:true'], ['self:true'], ['self:true'], ['encoder:false', 'decoder:true', 'cross:false']],
    );
    assert.deepEqual(
      FAMILIES.map((f) => [f.name, f.task, f.scoresActualTokens, f.needsMaskToken]),
      [
        ['bert', 'fill-mask', false, true],
        ['gpt2', 'next-token', true, false],
        ['llama', 'next-token', true, false],
        ['gpt_neox', 'next-token', true, false],
        ['opt', 'next-token', true, false],
        ['encoder-decoder', 'next-token', true, false],
      ],
    );
  });

  it('a config no family takes is refused naming what it describes and what both families run', () => {
    const encoderOnly = { architectures: ['BertModel'], model_type: 'bert' };
    assert.throws(() => parseModelConfig(encoderOnly, 'config.json'), refusedAs(`config.json describes BertModel: ${TAKES}`));
    assert.throws(() => parseModelConfig({ model_type: 'whisper' }, 'config.json'), refusedAs(`config.json describes whisper: ${TAKES}`));
    assert.throws(() => parseModelConfig({}, 'config.json'), refusedAs(`config.json describes an unnamed architecture: ${TAKES}`));
  });

  it("reads a config without architectures by its model_type, with that family's keys", () => {
    const raw = { model_type: 'gpt2', n_layer: 2, n_head: 4, n_embd: 32, vocab_size: 100, n_positions: 64 };
    const config = parseModelConfig(raw, 'config.json');
    assert.deepEqual([config.family, config.architecture, config.layers, config.heads, config.maxPositions], [gpt2, 'gpt2', 2, 4, 64]);
  });
});

describe('a loaded model says what its family is', () => {
  const env = detectProviderEnvironment();
  const all = { maskPosition: true, unmasked: true, logits: true };
  const logitsOnly = { maskPosition: false, unmasked: false, logits: true };
  for (const [name, expected] of [
    ['tiny-bert', { family: 'bert', familyLabel: 'masked LM', task: 'fill-mask', capabilities: all }],
    ['tiny-gpt2', { family: 'gpt2', familyLabel: 'causal LM', task: 'next-token', capabilities: logitsOnly }],
  ] as const) {
    it(`${name}: ${expected.family}, ${expected.task}, and refuses what its family cannot do`, async () => {
      const runner = await ModelRunner.load({ id: name, source: 'local', folder: fixtureModel(name), device: 'cpu' }, env);
      try {
        const { family, familyLabel, task, capabilities } = runner.info;
        assert.deepEqual({ family, familyLabel, task, capabilities }, expected);
        if (!capabilities.maskPosition) {
          await assert.rejects(runner.maskedAt('a b c', [1], 5), refusedAs('masking a position needs a masked language model'));
          await assert.rejects(runner.unmasked('a b c', 5), refusedAs("unmasked predictions are a masked language model's"));
        }
      } finally {
        await runner.dispose();
      }
    });
  }
});

describe('feeds declared by the family', () => {
  const spec = (name: string, type = 'int64', shape: (number | string)[] = ['batch', 'sequence']): InputSpec => ({ name, type, shape });
  const shapeOf = (family: typeof bert): FeedShape => ({ inputs: family.inputs, heads: 4, headDim: 8 });
  const decoderInputs =
    'input_ids, attention_mask, token_type_ids, position_ids, past_key_values.*, past.*, use_cache_branch, ' +
    'num_logits_to_keep, logits_to_keep';
  const text = [spec('input_ids'), spec('attention_mask'), spec('token_type_ids'), spec('position_ids')];

  it('feeds the text inputs to both families: ids, a mask of ones, segment 0 and positions 0…n-1 per row', () => {
    for (const family of [bert, gpt2]) {
      const feeds = buildFeeds(text, [5, 6, 7, 8, 9, 10], 2, 3, shapeOf(family));
      assert.deepEqual(Object.keys(feeds), ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids']);
      assert.deepEqual(Array.from(feeds.input_ids.data as BigInt64Array, Number), [5, 6, 7, 8, 9, 10]);
      assert.deepEqual(Array.from(feeds.attention_mask.data as BigInt64Array, Number), [1, 1, 1, 1, 1, 1]);
      assert.deepEqual(Array.from(feeds.token_type_ids.data as BigInt64Array, Number), [0, 0, 0, 0, 0, 0]);
      assert.deepEqual(Array.from(feeds.position_ids.data as BigInt64Array, Number), [0, 1, 2, 0, 1, 2]);
    }
  });

  it("feeds a decoder's cache inputs empty (a first pass) where its family declares them (GPT-2)", () => {
    const past = [
      spec('past_key_values.0.key', 'float32', ['batch', 4, 'past', 8]),
      spec('past.1', 'float16', ['batch', 'heads', 'past', 'dim']),
      spec('use_cache_branch', 'bool', [1]),
    ];
    const feeds = buildFeeds([spec('input_ids'), ...past], [1, 2, 3], 1, 3, { inputs: gpt2.inputs, heads: 4, headDim: 8 });
    assert.deepEqual([feeds['past_key_values.0.key'].dims, feeds['past_key_values.0.key'].type], [[1, 4, 0, 8], 'float32']);
    assert.deepEqual([feeds['past.1'].dims, feeds['past.1'].type], [[1, 4, 0, 8], 'float16']);
    assert.deepEqual([feeds.use_cache_branch.type, Array.from(feeds.use_cache_branch.data as Uint8Array)], ['bool', [0]]);
  });

  it('refuses an input its family does not feed, naming it and what the family provides', () => {
    const provides = 'input_ids, attention_mask, token_type_ids, position_ids';
    assert.throws(
      () => buildFeeds([spec('input_ids'), spec('past_key_values.0.key', 'float32')], [1], 1, 1, shapeOf(bert)),
      refusedAs(`the model needs an input named "past_key_values.0.key", which Attention Lens cannot provide (it provides ${provides})`),
      "a cache input is a decoder's: the BERT family does not feed one",
    );
    assert.throws(
      () => buildFeeds([spec('input_ids'), spec('pixel_values', 'float32')], [1], 1, 1, shapeOf(gpt2)),
      refusedAs(`the model needs an input named "pixel_values", which Attention Lens cannot provide (it provides ${decoderInputs})`),
    );
  });

  it('refuses a graph without input_ids', () => {
    assert.throws(() => buildFeeds([spec('attention_mask')], [1], 1, 1, shapeOf(bert)), refusedAs('the model has no input_ids input'));
  });
});
