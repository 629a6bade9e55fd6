// One name per model (picker, status bar, panel), and what text typed into the model picker offers.
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { canonicalSpec, modelName, typedModel } from '../../src/models/modelNames';
import { fixtureModel, repoRoot } from '../support/paths';

const where = { embeddedDir: path.join(repoRoot, 'models'), hubUrl: 'https://huggingface.co', workspaceFolder: repoRoot };

test('model names: an embedded model is called by its own name under either spec, a folder by its last segment', () => {
  assert.equal(modelName('default-masked'), 'lens-bert-mini');
  assert.equal(modelName('lens-bert-mini'), 'lens-bert-mini');
  assert.equal(modelName('default-causal'), 'lens-gpt2-mini');
  assert.equal(modelName('/models/my-bert'), 'my-bert');
  assert.equal(modelName('Xenova/gpt2'), 'Xenova/gpt2');
  assert.equal(canonicalSpec('lens-bert-mini'), 'default-masked');
  assert.equal(canonicalSpec('default-masked'), 'default-masked');
  assert.equal(canonicalSpec('Xenova/gpt2'), 'Xenova/gpt2');
});

test('typed model: a Hub id becomes "Use Hub model …", a path "Use folder …", nonsense a hint', () => {
  assert.deepEqual(typedModel('  Xenova/bert-base-uncased ', where), {
    kind: 'hub',
    spec: 'Xenova/bert-base-uncased',
    label: 'Use Hub model Xenova/bert-base-uncased',
    detail: 'downloads from https://huggingface.co into the cache, once',
  });
  const folder = fixtureModel('tiny-bert');
  assert.deepEqual(typedModel(folder, where), {
    kind: 'folder',
    spec: folder,
    label: `Use folder ${folder}`,
    detail: 'a local model folder (config.json, tokenizer.json and an ONNX model)',
  });
  const relative = typedModel('./test/fixtures/models/tiny-gpt2', where);
  assert.equal(
    relative?.kind === 'folder' && relative.spec,
    fixtureModel('tiny-gpt2'),
    'a relative path is taken from the workspace folder',
  );
  const home = typedModel('~/no-such-model-here', where);
  assert.equal(home?.kind === 'folder' && home.spec, path.join(os.homedir(), 'no-such-model-here'));
  assert.equal(home?.detail, 'no such folder');
  assert.equal(typedModel('bert base', where)?.kind, 'hint');
  assert.equal(typedModel('', where), undefined);
  assert.equal(typedModel('lens-bert-mini', where), undefined, 'an embedded model is listed already');
});

test('typed owner/name:variant offers that ONNX file of the Hub model; an unknown variant gets a hint naming the variants', () => {
  assert.deepEqual(typedModel('onnx-community/Qwen2.5-0.5B:model_q4', where), {
    kind: 'hub',
    spec: 'onnx-community/Qwen2.5-0.5B:model_q4',
    label: 'Use Hub model onnx-community/Qwen2.5-0.5B:model_q4',
    detail: 'downloads from https://huggingface.co into the cache, once',
  });
  assert.equal(typedModel('Xenova/gpt2:model', where)?.label, 'Use Hub model Xenova/gpt2', 'the default variant is the plain id');
  const hint = typedModel('Xenova/gpt2:q4', where);
  assert.equal(hint?.kind, 'hint');
  assert.match(hint?.label ?? '', /^Unknown ONNX variant "q4": use one of model, model_fp16, .*model_bnb4\.$/);
});
