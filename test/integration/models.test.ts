// Select Model in a real VS Code: a local folder, a missing folder, and a Hub id served by the local fake Hub
// (progress reported in bytes, cancel keeps the previous model, the next attempt resumes and succeeds, a cached
// model costs no request).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LensTestApi } from '../../src/testApi';
import { useFakeHub } from './fakeHubSetting';
import { fixtureModel, inspectNow, lensApi, openSample, selectLine, selectModel, useModel, waitFor } from './surfaceHelpers';

const HUB_ID = 'lens-test/tiny-bert';

/** The tiny BERT fixture's files, as the Hub would serve them. */
function fixtureFiles(): Record<string, Buffer> {
  const dir = fixtureModel('tiny-bert');
  const files: Record<string, Buffer> = {};
  for (const name of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model.onnx']) {
    files[name] = fs.readFileSync(path.join(dir, name));
  }
  return files;
}

describe('Attention Lens: Select Model', () => {
  let api: LensTestApi;
  const suite = useFakeHub(() => ({ [HUB_ID]: fixtureFiles() }));

  before(async () => {
    api = await lensApi();
  });

  it('loads a local model folder and the status bar shows it', async () => {
    await useModel(fixtureModel('tiny-gpt2'));
    const loaded = api.loadedModel();
    assert.equal(loaded?.family, 'gpt2');
    assert.equal(loaded?.id, fixtureModel('tiny-gpt2'));
    assert.equal(api.statusBar().text, '$(telescope) tiny-gpt2 · CPU');
  });

  it('refuses a missing folder with a readable message and keeps the model it had', async () => {
    const before = api.loadedModel();
    const outcome = await selectModel('/nonexistent/lens-model');
    assert.equal(outcome?.ok, false);
    assert.equal(outcome?.error, 'model folder not found: /nonexistent/lens-model');
    assert.deepEqual(api.status(), { state: 'error', message: 'model folder not found: /nonexistent/lens-model' });
    assert.equal(api.loadedModel()?.generation, before?.generation, 'the loaded model is untouched');
  });

  it('cancelling a Hub download keeps the previous model; the next attempt resumes and loads it', async () => {
    await useModel(fixtureModel('tiny-gpt2'));
    const before = api.loadedModel();
    const onnxSize = fixtureFiles()['onnx/model.onnx'].length;
    suite.hub.setFault('onnx/model.onnx', { bytesPerSecond: 400_000, times: 1 });
    const progressBefore = api.downloadProgress().length;
    const pending = selectModel(HUB_ID);
    await waitFor('download progress on the ONNX file', () =>
      api
        .downloadProgress()
        .slice(progressBefore)
        .some((p) => p.file === 'onnx/model.onnx' && p.fileLoaded > 0),
    );
    api.cancelDownloads();
    const outcome = await pending;
    assert.deepEqual(outcome, { ok: false, cancelled: true });
    assert.equal(api.loadedModel()?.generation, before?.generation, 'the previous model is still loaded');
    assert.notEqual(api.status().state, 'error', 'a cancel shows no error');

    const resumed = await selectModel(HUB_ID);
    assert.equal(resumed?.ok, true, JSON.stringify(resumed));
    const loaded = api.loadedModel();
    assert.equal(loaded?.id, HUB_ID);
    assert.equal(loaded?.family, 'bert');
    const seen = api
      .downloadProgress()
      .slice(progressBefore)
      .filter((p) => p.file === 'onnx/model.onnx');
    assert.ok(seen.length >= 2, 'progress was reported while downloading');
    assert.equal(seen[seen.length - 1].fileLoaded, onnxSize, 'progress reaches the full size in bytes');
    const ranged = suite.hub.requests.filter((r) => r.path.endsWith('onnx/model.onnx') && r.range);
    assert.ok(ranged.length >= 1, 'the second attempt resumed with a Range request');
    assert.equal(api.statusBar().text, `$(telescope) ${HUB_ID} · CPU`);

    const editor = await openSample();
    selectLine(editor, 2);
    const summary = await inspectNow(api);
    assert.equal(summary.model.id, HUB_ID);
    assert.ok(summary.predictions.task === 'fill-mask' && summary.predictions.ranked.length === 1);
  });

  it('a cached Hub model loads again without a single request', async () => {
    await useModel(fixtureModel('tiny-gpt2'));
    const requests = suite.hub.requests.length;
    await useModel(HUB_ID);
    assert.equal(suite.hub.requests.length, requests);
    assert.equal(api.loadedModel()?.id, HUB_ID);
  });
});
