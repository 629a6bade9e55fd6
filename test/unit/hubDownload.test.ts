// Hub downloads against the local fake Hub: progress, cancel, resume, server faults, corrupt files, disk full.
// After every failure the cache must hold no complete-looking entry, and the next attempt must succeed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { LensError } from '../../src/core/types';
import { ensureHubModel, isHubModelCached, type HubProgress } from '../../src/core/hub/hubModel';
import { FakeHub, closedPort } from '../support/fakeHub';
import { makeModelFiles, tempDir, listFiles } from '../support/hubFixtures';

const ID = 'tester/tiny-bert';

async function withHub(
  opts: { api?: boolean; files?: Record<string, Buffer> },
  body: (hub: FakeHub, cacheDir: string, files: Record<string, Buffer>) => Promise<void>,
): Promise<void> {
  const files = opts.files ?? makeModelFiles('base');
  const hub = await FakeHub.start({ models: { [ID]: files }, api: opts.api });
  const cacheDir = tempDir('hub');
  try {
    await body(hub, cacheDir, files);
  } finally {
    await hub.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<LensError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof LensError, `expected a LensError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return err;
  }
  assert.fail('expected a rejection');
}

function modelFolder(cacheDir: string): string {
  return path.join(cacheDir, 'models--tester--tiny-bert', 'main');
}

/** Nothing that looks complete: no marker and no final ONNX file. */
function assertNothingComplete(cacheDir: string): void {
  const all = listFiles(cacheDir);
  assert.ok(!all.some((f) => f.includes('.complete')), `unexpected marker in ${all.join(', ')}`);
  assert.ok(!all.some((f) => f.endsWith('onnx/model.onnx')), `unexpected final onnx in ${all.join(', ')}`);
}

async function assertCompleteAndEqual(cacheDir: string, files: Record<string, Buffer>): Promise<void> {
  const folder = await ensureHubModel({ modelId: ID, cacheDir, hubUrl: 'http://127.0.0.1:1' }); // cached: no request
  assert.deepEqual(fs.readFileSync(path.join(folder, 'onnx', 'model.onnx')), files['onnx/model.onnx']);
  assert.equal(await isHubModelCached({ modelId: ID, cacheDir }), true);
}

test('download shows progress that only rises and ends exactly at the total size', async () => {
  await withHub({}, async (hub, cacheDir, files) => {
    hub.setFault('cdn-lfs/tester/tiny-bert/onnx/model.onnx', { bytesPerSecond: 600_000 });
    const events: HubProgress[] = [];
    const times: number[] = [];
    const folder = await ensureHubModel({
      modelId: ID,
      hubUrl: hub.url,
      cacheDir,
      onProgress: (p) => {
        events.push(p);
        times.push(performance.now());
      },
    });
    const wanted = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model.onnx'];
    const total = wanted.reduce((a, f) => a + files[f].length, 0);
    assert.ok(events.length >= 3, `only ${events.length} progress events`);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].loaded >= events[i - 1].loaded, 'loaded went down');
    for (const e of events) assert.equal(e.total, total);
    // The throttle and this callback read the same clock (performance.now()) one synchronous call apart, so a
    // gap can fall short of 100 ms only by that call's time; 5 ms of slack covers it on any load. A slow or busy
    // machine only spreads the events further apart, which this lower bound allows.
    for (let i = 1; i < events.length - 1; i++) assert.ok(times[i] - times[i - 1] >= 95, 'events closer than 100 ms');
    assert.equal(events[events.length - 1].loaded, total);
    for (const f of wanted) assert.deepEqual(fs.readFileSync(path.join(folder, ...f.split('/'))), files[f]);
    assert.ok(!fs.existsSync(path.join(folder, 'README.md')), 'files outside the wanted list were fetched');
  });
});

test('cancelling mid-file rejects as cancelled, leaves no complete-looking file, and a retry succeeds', async () => {
  await withHub({}, async (hub, cacheDir, files) => {
    hub.setFault('cdn-lfs/tester/tiny-bert/onnx/model.onnx', { bytesPerSecond: 200_000, times: 1 });
    const ac = new AbortController();
    const p = ensureHubModel({
      modelId: ID,
      hubUrl: hub.url,
      cacheDir,
      signal: ac.signal,
      onProgress: (e) => {
        if (e.file === 'onnx/model.onnx' && e.fileLoaded > 0) ac.abort();
      },
    });
    await rejectsWith(p, 'cancelled', /cancelled/i);
    assertNothingComplete(cacheDir);
    assert.equal(await isHubModelCached({ modelId: ID, cacheDir }), false);
    await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    await assertCompleteAndEqual(cacheDir, files);
  });
});

test('a connection dropped at 50% fails with a "dropped" message, and the next attempt resumes with Range', async () => {
  await withHub({}, async (hub, cacheDir, files) => {
    const onnxPath = 'cdn-lfs/tester/tiny-bert/onnx/model.onnx';
    hub.setFault(onnxPath, { dropAtFraction: 0.5, times: 1 });
    await rejectsWith(ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir }), 'download-failed', /dropped|cut short/);
    assertNothingComplete(cacheDir);
    const partSize = fs.statSync(path.join(modelFolder(cacheDir), 'onnx', 'model.onnx.part')).size;
    assert.ok(partSize > 0, 'nothing of the first half was kept for resuming');
    const size = files['onnx/model.onnx'].length;
    const firstSent = hub.bytesSent.get(`/${onnxPath}`) ?? 0;
    assert.equal(firstSent, size / 2);
    await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    const ranged = hub.requests.filter((r) => r.path.endsWith(onnxPath) && r.range);
    assert.equal(ranged.length, 1, 'the retry did not ask for the rest with Range');
    assert.equal(ranged[0].range, `bytes=${partSize}-`);
    assert.equal(ranged[0].status, 206);
    assert.equal(hub.bytesSent.get(`/${onnxPath}`), firstSent + size - partSize, 'the retry downloaded more than the rest');
    await assertCompleteAndEqual(cacheDir, files);
  });
});

test('when the server ignores Range, the retry after a drop restarts cleanly and the file is intact', async () => {
  await withHub({}, async (hub, cacheDir, files) => {
    const onnxPath = 'cdn-lfs/tester/tiny-bert/onnx/model.onnx';
    hub.setFault(onnxPath, { dropAtFraction: 0.3, times: 1 });
    await rejectsWith(ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir }), 'download-failed', /dropped|cut short/);
    hub.setFault(onnxPath, { noRange: true });
    await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    const last = hub.requests.filter((r) => r.path.endsWith(onnxPath)).pop();
    assert.equal(last?.status, 200);
    await assertCompleteAndEqual(cacheDir, files);
  });
});

test('server down (port closed): the message says the server is down or not reachable', async () => {
  const cacheDir = tempDir('down');
  const port = await closedPort();
  await rejectsWith(
    ensureHubModel({ modelId: ID, hubUrl: `http://127.0.0.1:${port}`, cacheDir }),
    'download-failed',
    /server is down or not reachable/,
  );
  assertNothingComplete(cacheDir);
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

test('unknown model: the message says "model or file not found" (404)', async () => {
  await withHub({}, async (hub, cacheDir) => {
    await rejectsWith(
      ensureHubModel({ modelId: 'tester/no-such-model', hubUrl: hub.url, cacheDir }),
      'download-failed',
      /Model or file not found.*404/,
    );
    assertNothingComplete(cacheDir);
  });
});

test('a missing ONNX variant is reported with the variants the model has, before any file is fetched', async () => {
  await withHub({ files: makeModelFiles('v', { quantized: true }) }, async (hub, cacheDir) => {
    await rejectsWith(
      ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir, onnxVariant: 'model_fp16' }),
      'model-unsupported',
      /lacks onnx\/model_fp16\.onnx.*onnx\/model\.onnx, onnx\/model_quantized\.onnx/,
    );
    assert.equal(hub.count('/resolve/'), 0);
  });
});

test('HTTP 500 for the ONNX file: a server-error message, nothing marked complete, next attempt succeeds', async () => {
  await withHub({}, async (hub, cacheDir, files) => {
    hub.setFault('resolve/' + hub.commit + '/onnx/model.onnx', { status: 500, times: 1 });
    await rejectsWith(ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir }), 'download-failed', /failed \(HTTP 500\)/);
    assertNothingComplete(cacheDir);
    await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    await assertCompleteAndEqual(cacheDir, files);
  });
});

test('server dies mid-file (drop after 100 KB, then 500): clear messages each time, then a clean finish', async () => {
  await withHub({}, async (hub, cacheDir, files) => {
    hub.setFault('cdn-lfs/tester/tiny-bert/onnx/model.onnx', { dropAfterBytes: 100_000, times: 1 });
    await rejectsWith(ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir }), 'download-failed', /dropped|cut short/);
    hub.setFault('resolve/' + hub.commit + '/onnx/model.onnx', { status: 503, times: 1 });
    await rejectsWith(ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir }), 'download-failed', /HTTP 503/);
    assertNothingComplete(cacheDir);
    await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    await assertCompleteAndEqual(cacheDir, files);
  });
});

test('a truncated body (Content-Length larger than what arrives) is rejected and never marked complete', async () => {
  await withHub({}, async (hub, cacheDir, files) => {
    hub.setFault('cdn-lfs/tester/tiny-bert/onnx/model.onnx', { extraContentLength: 5000, times: 1 });
    // The announced length disagrees with the Hub's X-Linked-Size: refused before a byte is written.
    await rejectsWith(ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir }), 'download-failed', /wrong size/);
    assertNothingComplete(cacheDir);
    await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    await assertCompleteAndEqual(cacheDir, files);
  });
});

test('a truncated small file without a published size or hash fails as cut short, and the retry fetches it whole', async () => {
  await withHub({ api: false }, async (hub, cacheDir, files) => {
    hub.setFault('tokenizer.json', { extraContentLength: 100, times: 1 });
    await rejectsWith(ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir }), 'download-failed', /dropped|cut short/);
    assert.ok(!fs.existsSync(path.join(modelFolder(cacheDir), 'tokenizer.json')));
    assertNothingComplete(cacheDir);
    await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    // No published hash for this file, so its partial copy is not trusted: the retry fetches it whole.
    const last = hub.requests.filter((r) => r.path.endsWith('/tokenizer.json')).pop();
    assert.equal(last?.range, undefined);
    assert.equal(last?.status, 200);
    assert.deepEqual(fs.readFileSync(path.join(modelFolder(cacheDir), 'tokenizer.json')), files['tokenizer.json']);
    await assertCompleteAndEqual(cacheDir, files);
  });
});

test('a file whose sha256 differs from X-Linked-Etag is rejected as corrupt and nothing is kept', async () => {
  await withHub({ api: false }, async (hub, cacheDir, files) => {
    hub.setFault('onnx/model.onnx', { linkedEtag: '0'.repeat(64), times: 1 });
    await rejectsWith(ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir }), 'download-failed', /corrupt/);
    assertNothingComplete(cacheDir);
    assert.ok(!listFiles(cacheDir).some((f) => f.endsWith('.part')), 'a corrupt partial file was kept');
    await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    await assertCompleteAndEqual(cacheDir, files);
  });
});

test('bytes that differ from the sha256 the Hub API lists are rejected as corrupt', async () => {
  await withHub({}, async (hub, cacheDir, files) => {
    const flipped = Buffer.from(files['onnx/model.onnx']);
    flipped[1234] ^= 0xff;
    hub.setFault('cdn-lfs/tester/tiny-bert/onnx/model.onnx', { body: flipped, times: 1 });
    await rejectsWith(ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir }), 'download-failed', /corrupt/);
    assertNothingComplete(cacheDir);
    await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    await assertCompleteAndEqual(cacheDir, files);
  });
});

test('a wrong X-Linked-Size is rejected before anything is written', async () => {
  await withHub({ api: false }, async (hub, cacheDir) => {
    hub.setFault('onnx/model.onnx', { linkedSize: 12345 });
    await rejectsWith(ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir }), 'download-failed', /wrong size/);
    assertNothingComplete(cacheDir);
    assert.ok(!listFiles(cacheDir).some((f) => f.includes('model.onnx')), 'bytes of the wrong-sized file were written');
  });
});

test('disk full (ENOSPC while writing) becomes a "disk is full" message and nothing is marked complete', async () => {
  await withHub({}, async (hub, cacheDir, files) => {
    let written = 0;
    const openWriteStream = (file: string, flags: 'w' | 'a'): Writable => {
      if (!file.endsWith('model.onnx.part')) return fs.createWriteStream(file, { flags });
      const real = fs.createWriteStream(file, { flags });
      return new Writable({
        write(chunk: Buffer, _enc, done) {
          written += chunk.length;
          if (written > 100_000) return done(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
          real.write(chunk, done);
        },
        final(done) {
          real.end(done);
        },
        destroy(err, done) {
          real.destroy();
          done(err);
        },
      });
    };
    await rejectsWith(ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir, openWriteStream }), 'download-failed', /disk is full/);
    assertNothingComplete(cacheDir);
    assert.ok(!listFiles(cacheDir).some((f) => f.endsWith('.part')), 'the partial file was kept on a full disk');
    await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    await assertCompleteAndEqual(cacheDir, files);
  });
});

test('a stalled connection fails with a "stalled" message instead of hanging', async () => {
  await withHub({}, async (hub, cacheDir) => {
    hub.setFault('cdn-lfs/tester/tiny-bert/onnx/model.onnx', { stallAfterBytes: 1000 });
    const t0 = performance.now();
    await rejectsWith(ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir, idleTimeoutSeconds: 0.4 }), 'download-failed', /stalled/);
    // A hang detector, not a speed test: the stall is noticed 0.4 s after the last byte; 5 s is 12x that, room for
    // a loaded 2-core machine, and far below the hang (forever) it guards against.
    assert.ok(performance.now() - t0 < 5000);
    assertNothingComplete(cacheDir);
  });
});
