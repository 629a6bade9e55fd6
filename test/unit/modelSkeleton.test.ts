// The skeleton a session is created from: the model's structure, its weights referenced in the file itself.
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { sessionOptions } from '../../src/core/engine/modelSession';
import { GRAPH_FIELDS, MODEL_FIELDS, TENSOR_FIELDS, scanModel } from '../../src/core/onnx/graphScan';
import { readModelSkeleton } from '../../src/core/onnx/modelSkeleton';
import { MessageWriter, ProtobufError, fields, readString } from '../../src/core/onnx/protobuf';
import { fixtureModel } from '../support/paths';

const TINY_BERT = path.join(fixtureModel('tiny-bert'), 'onnx', 'model.onnx');

interface StoredTensor {
  name: string;
  raw?: Uint8Array;
  external: Map<string, string>;
}

/** Every top-level initializer of a serialized model: its name, inline bytes and external-data entries. */
function initializers(model: Uint8Array): StoredTensor[] {
  const out: StoredTensor[] = [];
  for (const m of fields(model)) {
    if (m.field !== MODEL_FIELDS.graph) continue;
    for (const g of fields(model, m.start, m.end)) {
      if (g.field !== GRAPH_FIELDS.initializer) continue;
      const tensor: StoredTensor = { name: '', external: new Map() };
      for (const t of fields(model, g.start, g.end)) {
        if (t.field === TENSOR_FIELDS.name) tensor.name = readString(model, t);
        else if (t.field === TENSOR_FIELDS.rawData) tensor.raw = model.subarray(t.start, t.end);
        else if (t.field === TENSOR_FIELDS.externalData) {
          const [key, value] = [...fields(model, t.start, t.end)].map((e) => readString(model, e));
          tensor.external.set(key, value);
        }
      }
      out.push(tensor);
    }
  }
  return out;
}

test('the skeleton has the graph of the file and references every large weight at its own bytes in the file', async () => {
  const file = new Uint8Array(readFileSync(TINY_BERT));
  const skeleton = await readModelSkeleton(TINY_BERT);
  assert.ok(skeleton.length < file.length / 20, `skeleton ${skeleton.length} B of a ${file.length} B model`);

  const [fromFile, fromSkeleton] = [scanModel(file), scanModel(skeleton)];
  // The same nodes; where each lies in the bytes differs, since the weights before them are gone.
  const structure = (nodes: typeof fromFile.nodes) => nodes.map(({ field: _field, ...node }) => node);
  assert.deepEqual(structure(fromSkeleton.nodes), structure(fromFile.nodes));
  assert.deepEqual([fromSkeleton.inputs, fromSkeleton.outputs, fromSkeleton.opsets], [fromFile.inputs, fromFile.outputs, fromFile.opsets]);
  assert.deepEqual(fromSkeleton.externalDataLocations, ['model.onnx']);

  const original = initializers(file);
  const rewritten = new Map(initializers(skeleton).map((t) => [t.name, t]));
  assert.equal(rewritten.size, original.length);
  let referenced = 0;
  for (const tensor of original) {
    const now = rewritten.get(tensor.name)!;
    if (tensor.raw && tensor.raw.length >= 1024) {
      referenced++;
      assert.equal(now.raw, undefined, `${tensor.name} keeps no bytes`);
      assert.equal(now.external.get('location'), 'model.onnx');
      const offset = Number(now.external.get('offset'));
      const length = Number(now.external.get('length'));
      assert.deepEqual(file.subarray(offset, offset + length), tensor.raw, `${tensor.name} points at its own bytes`);
    } else {
      assert.deepEqual(now.raw, tensor.raw, `${tensor.name} stays inline`);
    }
  }
  assert.ok(referenced > 10, `${referenced} weights referenced`);
});

test('a session from the skeleton computes exactly what a session from the file computes', async () => {
  const fromFile = await ort.InferenceSession.create(TINY_BERT, sessionOptions('cpu'));
  const fromSkeleton = await ort.InferenceSession.create(
    await readModelSkeleton(TINY_BERT),
    sessionOptions('cpu', path.dirname(TINY_BERT)),
  );
  const n = 9;
  const feeds = Object.fromEntries(
    fromFile.inputNames.map((name) => {
      const values = new BigInt64Array(n).map((_, i) => (name === 'input_ids' ? BigInt(5 + 7 * i) : name === 'attention_mask' ? 1n : 0n));
      return [name, new ort.Tensor('int64', values, [1, n])];
    }),
  );
  const [a, b] = [await fromFile.run(feeds), await fromSkeleton.run(feeds)];
  assert.deepEqual(b.logits.data, a.logits.data);
  await Promise.all([fromFile.release(), fromSkeleton.release()]);
});

test('a truncated model file is a ProtobufError, wherever it is cut', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'skeleton-'));
  const file = new Uint8Array(readFileSync(TINY_BERT));
  try {
    for (const keep of [3, 1000, Math.floor(file.length / 2), file.length - 5]) {
      const cut = path.join(dir, 'model.onnx');
      await fs.writeFile(cut, file.subarray(0, keep));
      await assert.rejects(readModelSkeleton(cut), ProtobufError, `cut at ${keep}`);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('weights already stored outside the file and small inline ones are kept as they are', async () => {
  const external = new MessageWriter()
    .string(TENSOR_FIELDS.name, 'w')
    .message(13, new MessageWriter().string(1, 'location').string(2, 'model.onnx_data'))
    .varint(14, 1);
  const small = new MessageWriter()
    .varint(TENSOR_FIELDS.dims, 2)
    .varint(TENSOR_FIELDS.dataType, 1)
    .string(TENSOR_FIELDS.name, 'b')
    .bytes(TENSOR_FIELDS.rawData, new Uint8Array(8).fill(7));
  const graph = new MessageWriter()
    .message(GRAPH_FIELDS.initializer, external)
    .message(GRAPH_FIELDS.initializer, small)
    .message(GRAPH_FIELDS.output, new MessageWriter().string(1, 'y'));
  const model = new MessageWriter().varint(1, 8).message(MODEL_FIELDS.graph, graph).finish();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'skeleton-'));
  try {
    const file = path.join(dir, 'model.onnx');
    await fs.writeFile(file, model);
    assert.deepEqual(await readModelSkeleton(file), model);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
