// How many external-data files config.json says a graph has, by transformers.js's rule, and their names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { externalDataCount, externalDataNames, isExternalDataName } from '../../src/core/hub/externalData';

const config = (value: unknown) => ({ model_type: 'llama', 'transformers.js_config': { use_external_data_format: value } });

test('a boolean is one file or none, a number that many, a map by file name first and then base name', () => {
  assert.equal(externalDataCount({ model_type: 'gpt2' }, 'model.onnx'), 0);
  assert.equal(externalDataCount(config(true), 'model_q4.onnx'), 1);
  assert.equal(externalDataCount(config(false), 'model.onnx'), 0);
  assert.equal(externalDataCount(config(3), 'model_fp16.onnx'), 3);
  const map = config({ 'model_q4.onnx': 2, model: 1 });
  assert.equal(externalDataCount(map, 'model_q4.onnx'), 2);
  assert.equal(externalDataCount(map, 'model_fp16.onnx'), 1, 'the base name covers every variant');
  assert.equal(externalDataCount(config({ 'model_q4.onnx': 2 }), 'model.onnx'), 0);
});

test('a count that is not a whole number from 0 to 100 is refused with what config.json says', () => {
  for (const bad of [-1, 1.5, 101, '2', [2], { 'model.onnx': 'many' }]) {
    assert.throws(() => externalDataCount(config(bad), 'model.onnx'), /config\.json's transformers\.js_config\.use_external_data_format/);
  }
});

test('names follow transformers.js: x.onnx_data, x.onnx_data_1, …; nothing else is taken for one', () => {
  assert.deepEqual(externalDataNames('onnx/model_q4.onnx', 3), [
    'onnx/model_q4.onnx_data',
    'onnx/model_q4.onnx_data_1',
    'onnx/model_q4.onnx_data_2',
  ]);
  assert.ok(isExternalDataName('onnx/model.onnx', 'onnx/model.onnx_data_12'));
  for (const other of [
    'onnx/model.onnx_data_0',
    'onnx/model.onnx_data_x',
    'onnx/model.onnx_data/../x',
    'onnx/model_q4.onnx_data',
    'onnx/model.onnx',
  ]) {
    assert.ok(!isExternalDataName('onnx/model.onnx', other), other);
  }
});
