// Reliability catalogue, models: broken, foreign or hostile model folders are refused with a message that
// says what is wrong, and a hostile one is refused before onnxruntime is handed anything.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it, mock } from 'node:test';
import * as ort from 'onnxruntime-node';
import { ModelRunner } from '../../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../../src/core/engine/providerEnvironment';
import { classifyModelSpec, resolveModel } from '../../../src/core/model/resolveModel';
import { GRAPH_FIELDS, MODEL_FIELDS, NODE_FIELDS, TENSOR_FIELDS } from '../../../src/core/onnx/graphScan';
import { MessageWriter } from '../../../src/core/onnx/protobuf';
import { FakeHub } from '../../support/fakeHub';
import { pseudoRandomBytes } from '../../support/hubFixtures';
import { copyFixture, rejectsWith, request, tempDir } from './support';

const env = detectProviderEnvironment();
const ONNX = path.join('onnx', 'model.onnx');

/** A TensorProto whose 4 bytes live in an external file at `location` (ONNX data_location = EXTERNAL). */
function externalTensor(name: string, location: string): MessageWriter {
  const entry = (key: string, value: string) => new MessageWriter().string(1, key).string(2, value);
  return new MessageWriter()
    .varint(TENSOR_FIELDS.dims, 4)
    .varint(TENSOR_FIELDS.dataType, 2) // uint8
    .string(TENSOR_FIELDS.name, name)
    .message(TENSOR_FIELDS.externalData, entry('location', location))
    .message(TENSOR_FIELDS.externalData, entry('length', '4'))
    .varint(14, 1); // data_location: EXTERNAL
}

/**
 * Appends a second GraphProto to a model file: protobuf merges repeated fields, so its initializers and nodes
 * join the first graph's, exactly as an exporter writing them would.
 */
function appendToGraph(file: string, graph: MessageWriter): void {
  const bytes = new MessageWriter().message(MODEL_FIELDS.graph, graph).finish();
  fs.appendFileSync(file, bytes);
}

const initializerAt = (location: string) =>
  new MessageWriter().message(GRAPH_FIELDS.initializer, externalTensor('lens_external', location));
/** A Constant node whose value tensor is external (attribute "value", type TENSOR = 4, field t = 5). */
const constantAt = (location: string) =>
  new MessageWriter().message(
    GRAPH_FIELDS.node,
    new MessageWriter()
      .string(NODE_FIELDS.output, 'lens_constant')
      .string(NODE_FIELDS.opType, 'Constant')
      .message(
        NODE_FIELDS.attribute,
        new MessageWriter().string(1, 'value').varint(20, 4).message(5, externalTensor('lens_constant_value', location)),
      ),
  );
/** An If node whose branches hold an external initializer (attribute type GRAPH = 5, field g = 6). */
const subgraphAt = (location: string) => {
  const branch = (name: string) =>
    new MessageWriter()
      .message(
        GRAPH_FIELDS.node,
        new MessageWriter()
          .string(NODE_FIELDS.input, `${name}_w`)
          .string(NODE_FIELDS.output, `${name}_y`)
          .string(NODE_FIELDS.opType, 'Identity'),
      )
      .string(2, name)
      .message(GRAPH_FIELDS.initializer, externalTensor(`${name}_w`, location))
      .message(GRAPH_FIELDS.output, new MessageWriter().string(1, `${name}_y`));
  return new MessageWriter().message(
    GRAPH_FIELDS.node,
    new MessageWriter()
      .string(NODE_FIELDS.input, 'lens_condition')
      .string(NODE_FIELDS.output, 'lens_branch_out')
      .string(NODE_FIELDS.opType, 'If')
      .message(NODE_FIELDS.attribute, new MessageWriter().string(1, 'then_branch').varint(20, 5).message(6, branch('then')))
      .message(NODE_FIELDS.attribute, new MessageWriter().string(1, 'else_branch').varint(20, 5).message(6, branch('else'))),
  );
};

describe('reliability: models', () => {
  let tmp: ReturnType<typeof tempDir>;
  let sessionCreate: ReturnType<typeof mock.method>;
  beforeEach(() => {
    tmp = tempDir('models');
    // Counts what reaches onnxruntime: hostile folders must be refused before a session is created.
    sessionCreate = mock.method(ort.InferenceSession, 'create');
  });
  afterEach(() => {
    sessionCreate.mock.restore();
    tmp.cleanup();
  });
  const load = (folder: string, onnxFile?: string) => ModelRunner.load({ ...request(path.basename(folder), folder), onnxFile }, env);

  it('a missing folder is refused with "model folder not found: <folder>"', async () => {
    const folder = path.join(tmp.dir, 'does-not-exist');
    await rejectsWith(load(folder), 'model-not-found', `model folder not found: ${folder}`);
  });

  it('a folder without tokenizer.json is refused with "tokenizer.json is missing in <folder>"', async () => {
    const folder = copyFixture('tiny-bert', tmp.dir);
    fs.rmSync(path.join(folder, 'tokenizer.json'));
    await rejectsWith(load(folder), 'model-not-found', `tokenizer.json is missing in ${folder}`);
    assert.equal(sessionCreate.mock.callCount(), 0);
  });

  it(
    'config.json of an unsupported architecture (BertForSequenceClassification, Whisper) ' + 'is refused, naming it and what is supported',
    async () => {
      const folder = copyFixture('tiny-bert', tmp.dir);
      const configFile = path.join(folder, 'config.json');
      const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
      for (const [architectures, modelType] of [
        [['BertForSequenceClassification'], 'bert'],
        [['WhisperForConditionalGeneration'], 'whisper'],
      ] as const) {
        fs.writeFileSync(configFile, JSON.stringify({ ...config, architectures, model_type: modelType }));
        await rejectsWith(
          load(folder),
          'model-unsupported',
          `config.json describes ${architectures[0]}: Attention Lens runs masked language models (…ForMaskedLM), causal language ` +
            `models (…LMHeadModel / …ForCausalLM), and encoder–decoder models (T5, BART, Marian)`,
        );
      }
      assert.equal(sessionCreate.mock.callCount(), 0);
    },
  );

  it('a truncated ONNX file (cut in half) is refused as "not a valid ONNX file … may be truncated or corrupt"', async () => {
    const folder = copyFixture('tiny-bert', tmp.dir);
    const file = path.join(folder, ONNX);
    fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
    await rejectsWith(
      load(folder),
      'model-invalid',
      'cannot read onnx/model.onnx: it is not a valid ONNX file (length-delimited field runs past its message); the file may be ' +
        'truncated or corrupt',
    );
    assert.equal(sessionCreate.mock.callCount(), 0);
  });

  it('an ONNX file missing only its last 3 bytes is refused the same way', async () => {
    const folder = copyFixture('tiny-gpt2', tmp.dir);
    const file = path.join(folder, ONNX);
    fs.truncateSync(file, fs.statSync(file).size - 3);
    await rejectsWith(
      load(folder),
      'model-invalid',
      /^cannot read onnx\/model\.onnx: it is not a valid ONNX file \(.+\); the file may be truncated or corrupt$/,
    );
    assert.equal(sessionCreate.mock.callCount(), 0);
  });

  it('random bytes named model.onnx are refused as not a valid ONNX file', async () => {
    const folder = copyFixture('tiny-bert', tmp.dir);
    fs.writeFileSync(path.join(folder, ONNX), pseudoRandomBytes(64 * 1024, 'reliability-random-onnx'));
    await rejectsWith(
      load(folder),
      'model-invalid',
      /^cannot read onnx\/model\.onnx: it is not a valid ONNX file \(.+\); the file may be truncated or corrupt$/,
    );
    assert.equal(sessionCreate.mock.callCount(), 0);
  });

  it('an HTML error page saved as model.onnx is refused ("unsupported wire type 4"), an empty file as "holds no ONNX graph"', async () => {
    const folder = copyFixture('tiny-bert', tmp.dir);
    const file = path.join(folder, ONNX);
    fs.writeFileSync(file, '<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>\n');
    await rejectsWith(
      load(folder),
      'model-invalid',
      'cannot read onnx/model.onnx: it is not a valid ONNX file (unsupported wire type 4); the file may be truncated or corrupt',
    );
    fs.writeFileSync(file, '');
    await rejectsWith(load(folder), 'model-invalid', 'cannot read onnx/model.onnx: the file holds no ONNX graph');
    assert.equal(sessionCreate.mock.callCount(), 0);
  });

  it('a graph with no Softmax (tiny-bert-nosoftmax) loads and predicts; attention is unavailable with the reason', async () => {
    const runner = await ModelRunner.load(request('tiny-bert-nosoftmax'), env);
    try {
      assert.deepEqual(runner.info.attention, {
        available: false,
        reason: 'the graph has no Softmax feeding a MatMul, so attention probabilities cannot be read from it',
      });
      assert.equal(sessionCreate.mock.callCount(), 1, 'a good model reaches onnxruntime once (the spy sees it)');
      const result = await runner.inspect('Hello [MASK] world', { attention: true, topK: 3 });
      assert.equal(result.attention, undefined);
      assert.equal(result.predictions.task, 'fill-mask');
      assert.deepEqual(
        result.predictions.ranked.map((x) => [x.position, x.top.length]),
        [[2, 3]],
      );
    } finally {
      await runner.dispose();
    }
  });

  it('external data that is missing is refused with "the model\'s external weights file … is missing next to model.onnx"', async () => {
    const folder = copyFixture('tiny-bert', tmp.dir);
    appendToGraph(path.join(folder, ONNX), initializerAt('model.onnx_data'));
    await rejectsWith(load(folder), 'model-invalid', "the model's external weights file model.onnx_data is missing next to model.onnx");
    assert.equal(sessionCreate.mock.callCount(), 0);
  });

  for (const location of ['../../etc/passwd', '/etc/passwd', '../config.json']) {
    it(`external data at "${location}" (outside onnx/) is refused before onnxruntime gets the model, naming the location`, async () => {
      const folder = copyFixture('tiny-bert', tmp.dir);
      appendToGraph(path.join(folder, ONNX), initializerAt(location));
      await rejectsWith(
        load(folder),
        'model-invalid',
        `the ONNX graph points its weights at "${location}", outside the model folder; refusing to load it`,
      );
      assert.equal(sessionCreate.mock.callCount(), 0, 'onnxruntime was handed the model');
    });
  }

  it("external data escaping from a Constant node's value or an If branch's initializer is refused the same way", async () => {
    for (const [what, graph] of [
      ['Constant', constantAt('../../etc/passwd')],
      ['If branch', subgraphAt('../../etc/shadow')],
    ] as const) {
      const folder = copyFixture('tiny-bert', tmp.dir, `escape-${what.replace(' ', '-')}`);
      appendToGraph(path.join(folder, ONNX), graph);
      const location = what === 'Constant' ? '../../etc/passwd' : '../../etc/shadow';
      await rejectsWith(
        load(folder),
        'model-invalid',
        `the ONNX graph points its weights at "${location}", outside the model folder; refusing to load it`,
      );
    }
    assert.equal(sessionCreate.mock.callCount(), 0, 'onnxruntime was handed a model');
  });

  it('an ONNX file named outside the model folder ("../../etc/passwd") is refused', async () => {
    const folder = copyFixture('tiny-bert', tmp.dir);
    await rejectsWith(load(folder, '../../etc/passwd'), 'model-invalid', 'the ONNX file ../../etc/passwd is outside the model folder');
    assert.equal(sessionCreate.mock.callCount(), 0);
  });

  it(
    'a tokenizer whose vocabulary does not fit the embedding ' +
      '(tiny-bert + GPT-2 tokenizer) is refused: "…does not belong to this model"',
    async () => {
      const folder = copyFixture('tiny-bert', tmp.dir);
      for (const file of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) {
        fs.copyFileSync(path.join(copyFixture('tiny-gpt2', tmp.dir, 'gpt2-source'), file), path.join(folder, file));
      }
      await rejectsWith(
        load(folder),
        'model-invalid',
        "the tokenizer has 50257 tokens but the model's embedding has only 30522: tokenizer.json does not belong to this model",
      );
      assert.equal(sessionCreate.mock.callCount(), 0);
    },
  );
});

describe('reliability: model names', () => {
  let hub: FakeHub;
  let tmp: ReturnType<typeof tempDir>;
  before(async () => {
    hub = await FakeHub.start({ models: {} });
    tmp = tempDir('names');
  });
  after(async () => {
    await hub.close();
    tmp.cleanup();
  });
  const where = () => ({ embeddedDir: path.join(tmp.dir, 'embedded'), cacheDir: path.join(tmp.dir, 'cache'), hubUrl: hub.url });

  it(
    'a Hub id with ".." is refused: "owner/.." as not a valid model id, ' +
      '"a/b/../c" as no kind of model name; no request, no cache folder',
    async () => {
      await rejectsWith(
        resolveModel('owner/..', where()),
        'model-invalid',
        '"owner/.." is not a valid Hugging Face model id (owner/name): ".." is not allowed.',
      );
      await rejectsWith(
        resolveModel('a/b/../c', where()),
        'model-not-found',
        '"a/b/../c" is neither an embedded model (default-masked, default-causal), ' +
          'a folder path (absolute or starting with ./), nor a Hub id (owner/name)',
      );
      assert.equal(hub.count(), 0);
      assert.equal(fs.existsSync(where().cacheDir), false);
    },
  );

  it('an absolute path is a local folder, never a Hub id: a missing one is "model folder not found: <path>"', async () => {
    const missing = path.join(tmp.dir, 'nowhere');
    assert.deepEqual(classifyModelSpec(missing, where().embeddedDir), { source: 'local', folder: missing });
    await rejectsWith(resolveModel(missing, where()), 'model-not-found', `model folder not found: ${missing}`);
    assert.equal(hub.count(), 0);
  });

  it('a relative path with ".." names a local folder (resolved against the working directory), never a download', () => {
    assert.deepEqual(classifyModelSpec('../models/x', where().embeddedDir), { source: 'local', folder: path.resolve('../models/x') });
  });
});
