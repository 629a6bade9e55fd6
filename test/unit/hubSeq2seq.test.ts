// Hub downloads of encoder–decoder exports (optimum's layout, as tiny-t5 and tiny-marian are): a variant fetches
// its encoder and a decoder of the same variant, the merged one first as transformers.js loads it, with progress,
// the cache marker, and no request once cached; the downloaded folder runs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ensureHubModel, isHubModelCached, type HubProgress } from '../../src/core/hub/hubModel';
import { listHubVariants } from '../../src/core/hub/hubVariants';
import { formatBytes } from '../../src/core/byteSize';
import { describeModel } from '../../src/models/modelCatalog';
import { LensError } from '../../src/core/types';
import { FakeHub } from '../support/fakeHub';
import { listFiles, tempDir } from '../support/hubFixtures';
import { fixtureModel, repoRoot } from '../support/paths';

const cli = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');

/** A fixture model's files in the Hub's layout (reference.json, the goldens, left out). */
function hubFiles(name: string): Record<string, Buffer> {
  const dir = fixtureModel(name);
  const names = listFiles(dir).filter((f) => f !== 'reference.json');
  return Object.fromEntries(names.map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}

/** `files` with each ONNX graph also under a variant's name (onnx/encoder_model.onnx → onnx/encoder_model_fp16.onnx). */
function withVariant(files: Record<string, Buffer>, suffix: string): Record<string, Buffer> {
  const graphs = Object.entries(files).filter(([f]) => f.endsWith('.onnx'));
  return { ...files, ...Object.fromEntries(graphs.map(([f, b]) => [f.replace(/\.onnx$/, `${suffix}.onnx`), b])) };
}

function without(files: Record<string, Buffer>, ...names: string[]): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(files).filter(([f]) => !names.includes(f)));
}

async function withHub(id: string, files: Record<string, Buffer>, api: boolean, body: (hub: FakeHub, cacheDir: string) => Promise<void>) {
  const hub = await FakeHub.start({ models: { [id]: files }, api });
  const cacheDir = tempDir('hub-seq2seq');
  try {
    await body(hub, cacheDir);
  } finally {
    await hub.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

const graphsIn = (folder: string) => listFiles(folder).filter((f) => f.endsWith('.onnx'));

test('an encoder–decoder repo downloads its encoder and merged decoder, with progress to the total, then runs from the cache', async () => {
  const id = 'tester/tiny-t5';
  const files = hubFiles('tiny-t5');
  assert.ok(files['onnx/decoder_model.onnx'] && files['onnx/decoder_model_merged.onnx'], 'the fixture has both decoders');
  await withHub(id, files, true, async (hub, cacheDir) => {
    const events: HubProgress[] = [];
    const folder = await ensureHubModel({ modelId: id, hubUrl: hub.url, cacheDir, onProgress: (p) => events.push(p) });
    assert.deepEqual(graphsIn(folder), ['onnx/decoder_model_merged.onnx', 'onnx/encoder_model.onnx']);
    for (const f of ['onnx/encoder_model.onnx', 'onnx/decoder_model_merged.onnx', 'tokenizer.json'])
      assert.deepEqual(fs.readFileSync(path.join(folder, f)), files[f], f);
    const fetched = listFiles(folder).filter((f) => !f.startsWith('.complete'));
    const total = fetched.reduce((a, f) => a + files[f].length, 0);
    assert.deepEqual(events.at(-1), { ...events.at(-1)!, loaded: total, total });
    for (let i = 1; i < events.length; i++) assert.ok(events[i].loaded >= events[i - 1].loaded, 'loaded went down');
    assert.equal(await isHubModelCached({ modelId: id, cacheDir }), true);
    // The model picker describes it from both graphs.
    const facts = await describeModel(id, { embeddedDir: path.join(cacheDir, 'no-embedded'), cacheDir, hubUrl: hub.url });
    assert.deepEqual(
      [facts.ok, facts.availability, facts.kind],
      [true, 'cached', 'sequence-to-sequence (encoder–decoder) · T5ForConditionalGeneration · 2×4'],
    );
    assert.equal(facts.size, formatBytes(files['onnx/encoder_model.onnx'].length + files['onnx/decoder_model_merged.onnx'].length));

    // Cached: the command line resolves the id with no request, and its run is the golden one.
    const before = hub.count();
    const { source, target, target_ids } = JSON.parse(fs.readFileSync(path.join(fixtureModel('tiny-t5'), 'reference.json'), 'utf8'))
      .cases[1] as { source: string; target: string; target_ids: number[] };
    const args = ['inspect', '--model', id, '--hub', hub.url, '--cache', cacheDir, '--text', source, '--target', target, '--device', 'cpu'];
    const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args], { timeout: 60_000 });
    const doc = JSON.parse(stdout);
    assert.equal(doc.model.kind, 'seq2seq');
    assert.deepEqual(
      doc.targetTokens.map((t: { id: number }) => t.id),
      target_ids,
    );
    assert.equal(hub.count(), before, 'a cached model costs no request');
  });
});

test('a variant fetches the encoder and the decoder of that variant only, and the picker lists it with both files', async () => {
  const id = 'tester/tiny-marian';
  const files = withVariant(hubFiles('tiny-marian'), '_fp16');
  await withHub(id, files, true, async (hub, cacheDir) => {
    const folder = await ensureHubModel({ modelId: id, hubUrl: hub.url, cacheDir, onnxVariant: 'model_fp16' });
    assert.deepEqual(graphsIn(folder), ['onnx/decoder_model_merged_fp16.onnx', 'onnx/encoder_model_fp16.onnx']);
    assert.equal(await isHubModelCached({ modelId: id, cacheDir, onnxVariant: 'model_fp16' }), true);
    assert.equal(await isHubModelCached({ modelId: id, cacheDir, onnxVariant: 'model' }), false);
    const size = (suffix: string) =>
      files[`onnx/encoder_model${suffix}.onnx`].length + files[`onnx/decoder_model_merged${suffix}.onnx`].length;
    assert.deepEqual(await listHubVariants(hub.url, id), [
      { variant: 'model', files: 2, bytes: size('') },
      { variant: 'model_fp16', files: 2, bytes: size('_fp16') },
    ]);
  });
});

test('without the model-info API the merged decoder is asked for first, and decoder_model when the Hub has none', async () => {
  const id = 'tester/tiny-t5';
  const all = hubFiles('tiny-t5');
  await withHub(id, all, false, async (hub, cacheDir) => {
    const folder = await ensureHubModel({ modelId: id, hubUrl: hub.url, cacheDir });
    assert.deepEqual(graphsIn(folder), ['onnx/decoder_model_merged.onnx', 'onnx/encoder_model.onnx']);
    assert.equal(hub.count('onnx/decoder_model.onnx'), 0);
  });
  await withHub(id, without(all, 'onnx/decoder_model_merged.onnx'), false, async (hub, cacheDir) => {
    const folder = await ensureHubModel({ modelId: id, hubUrl: hub.url, cacheDir });
    assert.deepEqual(graphsIn(folder), ['onnx/decoder_model.onnx', 'onnx/encoder_model.onnx']);
    assert.equal(await isHubModelCached({ modelId: id, cacheDir }), true);
  });
});

test('an encoder without a decoder of its variant is refused before any file is fetched, naming what is missing', async () => {
  const id = 'tester/tiny-marian';
  await withHub(id, without(hubFiles('tiny-marian'), 'onnx/decoder_model_merged.onnx'), true, async (hub, cacheDir) => {
    await assert.rejects(ensureHubModel({ modelId: id, hubUrl: hub.url, cacheDir }), (err: unknown) => {
      assert.ok(err instanceof LensError && err.code === 'model-unsupported', String(err));
      assert.match(err.message, /lacks onnx\/decoder_model_merged\.onnx\. It has: onnx\/encoder_model\.onnx\.$/);
      return true;
    });
    assert.equal(hub.count('/resolve/'), 0);
    assert.deepEqual(await listHubVariants(hub.url, id), []);
  });
});
