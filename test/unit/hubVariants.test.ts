// Hub downloads of every ONNX variant transformers.js names, and of weights split over several external-data
// files (model.onnx_data, model.onnx_data_1, …), against the local fake Hub. A variant is only ever one of the
// known names; a graph's weights are fetched as config.json counts them, as the Hub lists them and as the graph
// names them, and a file that is missing is named in the message.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseArgs, UsageError } from '../../src/cli/args';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { ensureHubModel, isHubModelCached, type HubProgress } from '../../src/core/hub/hubModel';
import { listHubVariants } from '../../src/core/hub/hubVariants';
import { ONNX_VARIANTS } from '../../src/core/hub/onnxVariants';
import { classifyModelSpec } from '../../src/core/model/resolveModel';
import { LensError } from '../../src/core/types';
import { readModelGraph } from '../../src/core/onnx/modelGraph';
import { readModelSkeleton } from '../../src/core/onnx/modelSkeleton';
import { FakeHub } from '../support/fakeHub';
import { fakeOnnx, listFiles, makeModelFiles, tempDir } from '../support/hubFixtures';
import { fixtureModel } from '../support/paths';
import { relocateWeights } from '../support/splitWeights';
import { rejectsWith, request } from './reliability/support';

const ID = 'tester/tiny-gpt2-split';
const DATA = ['model.onnx_data', 'model.onnx_data_1'];

async function withHub(
  files: Record<string, Buffer>,
  api: boolean,
  body: (hub: FakeHub, cacheDir: string) => Promise<void>,
): Promise<void> {
  const hub = await FakeHub.start({ models: { [ID]: files }, api });
  const cacheDir = tempDir('variants');
  try {
    await body(hub, cacheDir);
  } finally {
    await hub.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

/** tiny-gpt2 in the Hub layout with its weights in model.onnx_data and model.onnx_data_1; config.json says so when `count`. */
async function splitGpt2(count?: unknown): Promise<Record<string, Buffer>> {
  const dir = fixtureModel('tiny-gpt2');
  const files: Record<string, Buffer> = {};
  for (const name of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'])
    files[name] = fs.readFileSync(path.join(dir, name));
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  if (count !== undefined) config['transformers.js_config'] = { use_external_data_format: count };
  files['config.json'] = Buffer.from(JSON.stringify(config));
  const original = path.join(dir, 'onnx', 'model.onnx');
  files['onnx/model.onnx'] = relocateWeights(await readModelSkeleton(original), DATA);
  for (const name of DATA) files[`onnx/${name}`] = fs.readFileSync(original);
  return files;
}

describe('ONNX variants from the Hub', () => {
  const files = makeModelFiles('variants');
  for (const v of ONNX_VARIANTS) files[`onnx/${v}.onnx`] = fakeOnnx(4000, v);

  it('downloads only the graph asked for, and every variant into the same folder with a marker of its own', async () => {
    await withHub(files, true, async (hub, cacheDir) => {
      const folder = await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir, onnxVariant: 'model_q4' });
      const graphs = hub.requests.filter((r) => /\.onnx$/.test(r.path) && r.path.includes('/resolve/')).map((r) => path.basename(r.path));
      assert.deepEqual(graphs, ['model_q4.onnx']);
      assert.equal(await isHubModelCached({ modelId: ID, cacheDir, onnxVariant: 'model_q4' }), true);
      assert.equal(await isHubModelCached({ modelId: ID, cacheDir, onnxVariant: 'model' }), false);
      for (const v of ONNX_VARIANTS) {
        assert.equal(await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir, onnxVariant: v }), folder);
        assert.deepEqual(fs.readFileSync(path.join(folder, 'onnx', `${v}.onnx`)), files[`onnx/${v}.onnx`]);
        assert.ok(fs.existsSync(path.join(folder, `.complete.${v}.json`)), v);
      }
      assert.equal(hub.count('tokenizer.json'), 1, 'the text files are shared by the variants');
    });
  });

  it('lists the variants the Hub has, each with the bytes of its graph and of the data files listed beside it', async () => {
    const some = makeModelFiles('listed', { externalDataBytes: 5000 });
    some['onnx/model_q4.onnx'] = fakeOnnx(2000, 'q4', ['model_q4.onnx_data', 'model_q4.onnx_data_1']);
    some['onnx/model_q4.onnx_data'] = Buffer.alloc(700);
    some['onnx/model_q4.onnx_data_1'] = Buffer.alloc(300);
    some['onnx/decoder_model_merged.onnx'] = fakeOnnx(1000, 'merged');
    await withHub(some, true, async (hub) => {
      const bytes = (...names: string[]) => names.reduce((a, n) => a + some[`onnx/${n}`].length, 0);
      assert.deepEqual(await listHubVariants(hub.url, ID), [
        { variant: 'model', files: 2, bytes: bytes('model.onnx', 'model.onnx_data') },
        { variant: 'model_q4', files: 3, bytes: bytes('model_q4.onnx', 'model_q4.onnx_data', 'model_q4.onnx_data_1') },
      ]);
    });
    await withHub(some, false, async (hub) => assert.deepEqual(await listHubVariants(hub.url, ID), [], 'no API: nothing to list'));
  });

  it('refuses a variant that is not one of the names before any request, wherever it is given', async () => {
    await withHub(files, true, async (hub, cacheDir) => {
      for (const bad of ['../../../etc/passwd', 'model.onnx', 'onnx/model', 'model_q4/../model', '..', 'MODEL', 'model_q4 ', '']) {
        const spec = `${ID}:${bad}`;
        await rejectsWith(
          ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir, onnxVariant: bad }),
          'model-invalid',
          /^Unknown ONNX variant/,
        );
        // A name with "/" is no Hub id at all; either way it is refused.
        if (!/\s/.test(spec))
          assert.throws(() => classifyModelSpec(spec, '/nowhere'), bad.includes('/') ? LensError : /^LensError: Unknown ONNX variant/);
        assert.throws(() => parseArgs(['inspect', '--model', ID, '--onnx', bad]), UsageError);
      }
      assert.equal(hub.count(), 0);
      assert.deepEqual(listFiles(cacheDir), []);
      assert.deepEqual(classifyModelSpec(`${ID}:model_q4f16`, '/nowhere'), { source: 'hub', id: ID, variant: 'model_q4f16' });
      assert.equal(parseArgs(['inspect', '--model', ID, '--onnx', 'model_bnb4']).onnx, 'model_bnb4');
    });
  });
});

describe('weights in two external files', () => {
  const env = detectProviderEnvironment();
  let whole: ModelRunner;
  before(async () => {
    whole = await ModelRunner.load(request('tiny-gpt2'), env);
  });
  after(() => whole.dispose());

  async function predictsAsTheFixture(folder: string): Promise<void> {
    const { graph } = await readModelGraph(path.join(folder, 'onnx', 'model.onnx'), 'onnx/model.onnx');
    assert.deepEqual([...graph.externalDataLocations].sort(), DATA);
    const split = await ModelRunner.load(request('split', folder), env);
    try {
      const text = 'The quick brown fox jumps over the lazy dog';
      const options = { attention: false, topK: 5 };
      assert.deepEqual((await split.inspect(text, options)).predictions, (await whole.inspect(text, options)).predictions);
    } finally {
      await split.dispose();
    }
  }

  for (const [how, count, api] of [
    ['counted by config.json, without the Hub API', { 'model.onnx': 2 }, false],
    ['listed by the Hub API', undefined, true],
  ] as const) {
    it(`${how}: both are fetched, progress covers them, and the model predicts as the one-file fixture`, async () => {
      const files = await splitGpt2(count);
      await withHub(files, api, async (hub, cacheDir) => {
        const events: HubProgress[] = [];
        const folder = await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir, onProgress: (p) => events.push(p) });
        const total = Object.entries(files).reduce((a, [, b]) => a + b.length, 0);
        assert.deepEqual(events.at(-1) && [events.at(-1)?.loaded, events.at(-1)?.total], [total, total]);
        for (const name of DATA) assert.deepEqual(fs.readFileSync(path.join(folder, 'onnx', name)), files[`onnx/${name}`]);
        await predictsAsTheFixture(folder);
      });
    });
  }

  it('a second file the Hub lacks is named, before any download when config.json counts it', async () => {
    const files = await splitGpt2(2);
    delete files['onnx/model.onnx_data_1'];
    await withHub(files, true, async (hub, cacheDir) => {
      await rejectsWith(
        ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir }),
        'model-unsupported',
        /lacks onnx\/model\.onnx_data_1: config\.json's transformers\.js_config says onnx\/model\.onnx keeps its weights in 2 files/,
      );
      assert.equal(hub.count('/cdn-lfs/'), 0, 'nothing large was fetched');
    });
  });

  it('a second file only the graph names is fetched, and when absent named; the first is kept for the retry', async () => {
    const files = await splitGpt2();
    const second = files['onnx/model.onnx_data_1'];
    delete files['onnx/model.onnx_data_1'];
    await withHub(files, false, async (hub, cacheDir) => {
      await rejectsWith(
        ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir }),
        'download-failed',
        /has no "onnx\/model\.onnx_data_1" \(HTTP 404\)/,
      );
      assert.equal(await isHubModelCached({ modelId: ID, cacheDir }), false);
      files['onnx/model.onnx_data_1'] = second; // the Hub has it now
      const sentBefore = hub.bytesSent.get('/cdn-lfs/tester/tiny-gpt2-split/onnx/model.onnx_data');
      const folder = await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
      assert.equal(
        hub.bytesSent.get('/cdn-lfs/tester/tiny-gpt2-split/onnx/model.onnx_data'),
        sentBefore,
        'the first file was fetched again',
      );
      await predictsAsTheFixture(folder);
    });
  });

  it('a graph that points its weights outside the model folder is refused and never marked complete', async () => {
    const files = makeModelFiles('hostile');
    files['onnx/model.onnx'] = fakeOnnx(3000, 'hostile', ['../../../escape.bin']);
    await withHub(files, true, async (hub, cacheDir) => {
      await rejectsWith(
        ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir }),
        'model-invalid',
        /outside the model folder; refusing to load it/,
      );
      assert.equal(hub.count('escape'), 0);
      assert.ok(!listFiles(cacheDir).some((f) => f.includes('.complete') || f.includes('escape')));
    });
  });
});
