// The ONNX file a model folder offers (transformers.js's variant names, the most exact first, or the one the user
// names) and external weights split over several files (model.onnx_data, model.onnx_data_1, …).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { checkExternalData, findOnnxFile, ONNX_CANDIDATES } from '../../src/core/model/modelFolder';
import { readModelGraph } from '../../src/core/onnx/modelGraph';
import { readModelSkeleton } from '../../src/core/onnx/modelSkeleton';
import { LensError } from '../../src/core/types';
import { copyFixture, rejectsWith, request, tempDir } from './reliability/support';

const SUFFIXES = ['', '_fp16', '_q4', '_q4f16', '_int8', '_uint8', '_quantized', '_bnb4'];

/** A folder holding empty files at `names` (findOnnxFile only looks for them). */
function folderWith(dir: string, names: string[]): string {
  const folder = fs.mkdtempSync(path.join(dir, 'variants-'));
  for (const name of names) {
    fs.mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    fs.writeFileSync(path.join(folder, name), '');
  }
  return folder;
}

describe('ONNX variants of a model folder', () => {
  const { dir, cleanup } = tempDir('variants');
  after(cleanup);

  it('every transformers.js decoder-only file name is a candidate, fp32 first and the merged decoder last', () => {
    for (const suffix of SUFFIXES) assert.ok(ONNX_CANDIDATES.includes(`onnx/model${suffix}.onnx`), `onnx/model${suffix}.onnx`);
    assert.equal(ONNX_CANDIDATES[0], 'onnx/model.onnx');
    assert.equal(ONNX_CANDIDATES.at(-1), 'onnx/decoder_model_merged.onnx');
  });

  it('picks the most exact variant present: fp32, fp16, 8-bit, then 4-bit', async () => {
    const all = SUFFIXES.map((s) => `onnx/model${s}.onnx`);
    const order = [];
    for (let left = [...all]; left.length > 0;) {
      const { relative } = await findOnnxFile(folderWith(dir, left));
      order.push(relative.replace(/^onnx\/model|\.onnx$/g, ''));
      left = left.filter((name) => name !== relative);
    }
    assert.deepEqual(order, ['', '_fp16', '_int8', '_uint8', '_quantized', '_q4', '_q4f16', '_bnb4']);
  });

  it('takes the file the user names even where a preferred one is present', async () => {
    const folder = folderWith(dir, ['onnx/model.onnx', 'onnx/model_q4f16.onnx']);
    assert.equal((await findOnnxFile(folder, 'onnx/model_q4f16.onnx')).relative, 'onnx/model_q4f16.onnx');
    await assert.rejects(findOnnxFile(folder, 'onnx/model_q4.onnx'), /the model folder has no onnx\/model_q4.onnx/);
  });
});

describe('external weights in several files', () => {
  const { dir, cleanup } = tempDir('external');
  after(cleanup);
  const onnxDir = path.join(dir, 'onnx');
  const graphAt = path.join(onnxDir, 'model.onnx');

  it('accepts model.onnx_data and model.onnx_data_1 beside the graph and names the one missing', async () => {
    fs.mkdirSync(onnxDir, { recursive: true });
    fs.writeFileSync(path.join(onnxDir, 'model.onnx_data'), '');
    await checkExternalData(graphAt, ['model.onnx_data']);
    const both = ['model.onnx_data', 'model.onnx_data_1'];
    await assert.rejects(
      checkExternalData(graphAt, both),
      (e: unknown) =>
        e instanceof LensError && e.message === "the model's external weights file model.onnx_data_1 is missing next to model.onnx",
    );
    fs.writeFileSync(path.join(onnxDir, 'model.onnx_data_1'), '');
    await checkExternalData(graphAt, both);
    await assert.rejects(checkExternalData(graphAt, [...both, '../model.onnx_data_2']), /outside the model folder; refusing to load it/);
  });
});

describe('a model whose weights lie in two external files runs as the one-file model', () => {
  const env = detectProviderEnvironment();
  const { dir, cleanup } = tempDir('split');
  let folder: string;
  // tiny-gpt2's skeleton references every large weight at its offset in the file it was read from; the same bytes
  // copied to two files of names of equal length let every other reference point at the second one.
  const [first, second] = ['model.onnx_data_1', 'model.onnx_data_2'];
  before(async () => {
    folder = copyFixture('tiny-gpt2', dir, 'split');
    const onnx = path.join(folder, 'onnx');
    fs.renameSync(path.join(onnx, 'model.onnx'), path.join(onnx, first));
    fs.copyFileSync(path.join(onnx, first), path.join(onnx, second));
    const skeleton = Buffer.from(await readModelSkeleton(path.join(onnx, first)));
    const name = Buffer.from(first);
    for (let at = skeleton.indexOf(name), n = 0; at >= 0; at = skeleton.indexOf(name, at + 1), n++) {
      if (n % 2 === 1) skeleton.write(second, at);
    }
    fs.writeFileSync(path.join(onnx, 'model.onnx'), skeleton);
  });
  after(cleanup);

  it('names both files, loads, and predicts exactly what the fixture predicts', async () => {
    const { graph } = await readModelGraph(path.join(folder, 'onnx', 'model.onnx'), 'onnx/model.onnx');
    assert.deepEqual([...graph.externalDataLocations].sort(), [first, second]);
    const text = 'The quick brown fox jumps over the lazy dog';
    const options = { attention: false, topK: 5 };
    const [split, whole] = await Promise.all([
      ModelRunner.load(request('split', folder), env),
      ModelRunner.load(request('tiny-gpt2'), env),
    ]);
    try {
      const [a, b] = [await split.inspect(text, options), await whole.inspect(text, options)];
      assert.deepEqual(a.predictions, b.predictions);
    } finally {
      await Promise.all([split.dispose(), whole.dispose()]);
    }
    fs.rmSync(path.join(folder, 'onnx', second));
    await rejectsWith(
      ModelRunner.load(request('split', folder), env),
      'model-invalid',
      `the model's external weights file ${second} is missing next to model.onnx`,
    );
  });
});
