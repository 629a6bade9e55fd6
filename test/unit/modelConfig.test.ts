import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { gpt2 } from '../../src/core/families/gpt2';
import { parseModelConfig } from '../../src/core/model/modelConfig';
import { LensError } from '../../src/core/types';
import { sharedReferenceDir } from '../support/paths';

test('GPT-2 config.json from the Hub reads as a 12-layer causal LM with 1024 positions', (t) => {
  const file = path.join(sharedReferenceDir, 'gpt2', 'config.json');
  if (!existsSync(file)) return t.skip('../shared/reference is not beside this checkout');
  const config = parseModelConfig(JSON.parse(readFileSync(file, 'utf8')), 'config.json');
  const facts = {
    vocabSize: 50257,
    layers: 12,
    heads: 12,
    hiddenSize: 768,
    maxPositions: 1024,
    firstPosition: 0,
    kvHeads: 12,
    headDim: 64,
  };
  assert.deepEqual(config, { architecture: 'GPT2LMHeadModel', modelType: 'gpt2', family: gpt2, ...facts });
});

test('a sentence-embedding BertModel config is refused with a message naming what is supported', (t) => {
  const file = path.join(sharedReferenceDir, 'bert-base-uncased-wordpiece', 'minilm-config.json');
  if (!existsSync(file)) return t.skip('../shared/reference is not beside this checkout');
  assert.throws(
    () => parseModelConfig(JSON.parse(readFileSync(file, 'utf8')), 'config.json'),
    (e: LensError) => e.code === 'model-unsupported' && /BertModel.*ForMaskedLM/.test(e.message),
  );
});

test('DistilBERT keys (dim, n_layers, n_heads) read as a masked LM', () => {
  const config = parseModelConfig(
    {
      architectures: ['DistilBertForMaskedLM'],
      model_type: 'distilbert',
      dim: 768,
      n_layers: 6,
      n_heads: 12,
      vocab_size: 30522,
      max_position_embeddings: 512,
    },
    'config.json',
  );
  assert.equal(config.family.name, 'bert');
  assert.equal(config.layers, 6);
  assert.equal(config.hiddenSize, 768);
});

test('RoBERTa loses the two padding-offset positions (514 → 512 usable)', () => {
  const config = parseModelConfig(
    {
      architectures: ['RobertaForMaskedLM'],
      model_type: 'roberta',
      hidden_size: 768,
      num_hidden_layers: 12,
      num_attention_heads: 12,
      vocab_size: 50265,
      max_position_embeddings: 514,
      pad_token_id: 1,
    },
    'config.json',
  );
  assert.equal(config.maxPositions, 512);
});

test('a config without a layer count says which facts are missing', () => {
  assert.throws(
    () => parseModelConfig({ architectures: ['BertForMaskedLM'], hidden_size: 8, vocab_size: 10 }, 'config.json'),
    /number of layers, number of attention heads, maximum positions/,
  );
});

test('a config that is not an object is refused as invalid', () => {
  assert.throws(
    () => parseModelConfig([1, 2], 'config.json'),
    (e: LensError) => e.code === 'model-invalid',
  );
});
