// The Hub model cache: zero requests when complete, external data, one download for concurrent callers (same
// process and another process), stale locks, and ids, revisions and hosts refused before any request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LensError } from '../../src/core/types';
import { ensureHubModel, hubModelFolder, isHubModelCached } from '../../src/core/hub/hubModel';
import { parseModelId, validateRevision } from '../../src/core/hub/modelId';
import { checkDownloadUrl, isLoopbackHost, joinUrl } from '../../src/core/hub/urlPolicy';
import { FakeHub } from '../support/fakeHub';
import { makeModelFiles, tempDir } from '../support/hubFixtures';

const ID = 'tester/tiny-bert';

async function setup(
  opts: { api?: boolean; files?: Record<string, Buffer> } = {},
): Promise<{ hub: FakeHub; cacheDir: string; files: Record<string, Buffer>; done: () => Promise<void> }> {
  const files = opts.files ?? makeModelFiles('cache');
  const hub = await FakeHub.start({ models: { [ID]: files }, api: opts.api });
  const cacheDir = tempDir('cache');
  return {
    hub,
    cacheDir,
    files,
    done: async () => {
      await hub.close();
      fs.rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

function code(err: unknown): string {
  return err instanceof LensError ? err.code : `not a LensError: ${String(err)}`;
}

test('a second call for a fully cached model returns the same folder and sends zero requests', async () => {
  const { hub, cacheDir, done } = await setup();
  try {
    const first = await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    const before = hub.count();
    assert.ok(before > 0);
    const second = await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    assert.equal(second, first);
    assert.equal(hub.count(), before, 'a cached model caused requests');
    assert.equal(first, hubModelFolder({ modelId: ID, cacheDir }));
  } finally {
    await done();
  }
});

test('external data (onnx/model.onnx_data) listed by the Hub API is downloaded next to the model', async () => {
  const { hub, cacheDir, files, done } = await setup({ files: makeModelFiles('ext', { externalDataBytes: 200_000 }) });
  try {
    const folder = await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    assert.deepEqual(fs.readFileSync(path.join(folder, 'onnx', 'model.onnx_data')), files['onnx/model.onnx_data']);
  } finally {
    await done();
  }
});

test('without the Hub API, optional files are probed: external data is fetched when present, 404 means none', async () => {
  const withData = await setup({ api: false, files: makeModelFiles('probe', { externalDataBytes: 50_000, withSpecialTokensMap: false }) });
  try {
    const folder = await ensureHubModel({ modelId: ID, hubUrl: withData.hub.url, cacheDir: withData.cacheDir });
    assert.ok(fs.existsSync(path.join(folder, 'onnx', 'model.onnx_data')));
    assert.ok(!fs.existsSync(path.join(folder, 'special_tokens_map.json')));
    assert.equal(await isHubModelCached({ modelId: ID, cacheDir: withData.cacheDir }), true);
  } finally {
    await withData.done();
  }
  const noData = await setup({ api: false });
  try {
    const folder = await ensureHubModel({ modelId: ID, hubUrl: noData.hub.url, cacheDir: noData.cacheDir });
    assert.ok(!fs.existsSync(path.join(folder, 'onnx', 'model.onnx_data')));
    assert.ok(fs.existsSync(path.join(folder, 'onnx', 'model.onnx')));
  } finally {
    await noData.done();
  }
});

test('a cache entry whose file was changed after completion is no longer reported as cached', async () => {
  const { hub, cacheDir, done } = await setup();
  try {
    const folder = await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    fs.truncateSync(path.join(folder, 'onnx', 'model.onnx'), 10);
    assert.equal(await isHubModelCached({ modelId: ID, cacheDir }), false);
  } finally {
    await done();
  }
});

test('two concurrent downloads of the same model in one process fetch the bytes once and both succeed', async () => {
  const { hub, cacheDir, files, done } = await setup();
  try {
    hub.setFault('cdn-lfs/tester/tiny-bert/onnx/model.onnx', { bytesPerSecond: 1_000_000 });
    const [a, b] = await Promise.all([
      ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir, lockPollMs: 20 }),
      ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir, lockPollMs: 20 }),
    ]);
    assert.equal(a, b);
    assert.equal(hub.bytesSent.get('/cdn-lfs/tester/tiny-bert/onnx/model.onnx'), files['onnx/model.onnx'].length);
    assert.equal(hub.count('/api/models/'), 1);
    assert.deepEqual(fs.readFileSync(path.join(a, 'onnx', 'model.onnx')), files['onnx/model.onnx']);
  } finally {
    await done();
  }
});

test('two processes downloading the same model at once (two windows): one set of bytes fetched, both succeed', async () => {
  const { hub, cacheDir, files, done } = await setup();
  try {
    hub.setFault('cdn-lfs/tester/tiny-bert/onnx/model.onnx', { bytesPerSecond: 600_000 });
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'support', 'hubChild.js'), hub.url, cacheDir, ID], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const childDone = new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    // Let the child take the lock first half the time; either order must work.
    await new Promise((r) => setTimeout(r, 150));
    const mine = await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir, lockPollMs: 50 });
    assert.equal(await childDone, 0, out);
    const theirs = JSON.parse(out.trim()) as { ok: boolean; folder: string };
    assert.equal(theirs.ok, true);
    assert.equal(theirs.folder, mine);
    assert.equal(hub.bytesSent.get('/cdn-lfs/tester/tiny-bert/onnx/model.onnx'), files['onnx/model.onnx'].length);
    assert.deepEqual(fs.readFileSync(path.join(mine, 'onnx', 'model.onnx')), files['onnx/model.onnx']);
  } finally {
    await done();
  }
});

test('a lock left by a process that died is broken and the download goes ahead', async () => {
  const { hub, cacheDir, done } = await setup();
  try {
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = await new Promise<number>((resolve) => dead.on('close', () => resolve(dead.pid ?? 999_999)));
    const folder = hubModelFolder({ modelId: ID, cacheDir });
    fs.mkdirSync(folder, { recursive: true });
    const lockInfo = { pid: deadPid, host: os.hostname(), time: Date.now(), token: 'dead' };
    fs.writeFileSync(`${folder}.lock`, JSON.stringify(lockInfo));
    const t0 = performance.now();
    await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    // A hang detector: a live-looking lock would make the download wait for the lock's staleness timeout
    // (60 s); a 4 MB download from loopback takes well under a second even on a loaded machine.
    assert.ok(performance.now() - t0 < 5000);
    assert.ok(!fs.existsSync(`${folder}.lock`), 'the lock was not released');
  } finally {
    await done();
  }
});

test("a cancelled wait for another window's download rejects as cancelled", async () => {
  const { hub, cacheDir, done } = await setup();
  try {
    const folder = hubModelFolder({ modelId: ID, cacheDir });
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(`${folder}.lock`, JSON.stringify({ pid: process.pid, host: os.hostname(), time: Date.now(), token: 'live' }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    await assert.rejects(
      ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir, signal: ac.signal, lockPollMs: 20 }),
      (e) => code(e) === 'cancelled',
    );
    assert.equal(hub.count(), 0);
  } finally {
    await done();
  }
});

const BAD_IDS = [
  '../etc',
  'a/../b',
  'owner/..',
  '/etc/passwd',
  'C:\\models\\x',
  'owner\\name',
  'owner/name/extra',
  'justname',
  '',
  ' / ',
  '.hidden/x',
  'owner/-x',
  'owner/x.',
  'own--er/x',
  'owner/na me',
  'owner/x\u0000',
];

test('invalid model ids (.., absolute paths, backslashes, extra segments) are refused before any request', async () => {
  const { hub, cacheDir, done } = await setup();
  try {
    for (const id of BAD_IDS) {
      await assert.rejects(
        ensureHubModel({ modelId: id, hubUrl: hub.url, cacheDir }),
        (e) => code(e) === 'model-invalid',
        `accepted ${JSON.stringify(id)}`,
      );
    }
    for (const revision of ['../main', 'a/../../b', '..', '/abs', 'x\\y', 'a//b', '.git']) {
      await assert.rejects(
        ensureHubModel({ modelId: ID, revision, hubUrl: hub.url, cacheDir }),
        (e) => code(e) === 'model-invalid',
        `accepted revision ${revision}`,
      );
    }
    assert.equal(hub.count(), 0, 'a request was sent for an invalid id');
    assert.deepEqual(fs.readdirSync(cacheDir), []);
  } finally {
    await done();
  }
});

test('valid ids and revisions are accepted, and a branch with "/" gets one safe folder name', () => {
  assert.deepEqual(parseModelId('Xenova/bert-base-uncased'), {
    owner: 'Xenova',
    name: 'bert-base-uncased',
    id: 'Xenova/bert-base-uncased',
  });
  assert.equal(parseModelId('onnx-community/gpt2.v1_small').name, 'gpt2.v1_small');
  assert.equal(validateRevision('refs/pr/1'), 'refs/pr/1');
  assert.equal(validateRevision('0123456789abcdef0123456789abcdef01234567').length, 40);
  const folder = hubModelFolder({ modelId: ID, revision: 'refs/pr/1', cacheDir: '/tmp/c' });
  assert.equal(folder, path.join('/tmp/c', 'models--tester--tiny-bert', 'refs--pr--1'));
});

test('plain HTTP to a non-loopback host, other schemes and credentials in URLs are refused before any request', async () => {
  const cacheDir = tempDir('policy');
  try {
    for (const hubUrl of [
      'http://example.com',
      'http://10.0.0.1:8080',
      'ftp://127.0.0.1/',
      'file:///etc',
      'https://user:pw@huggingface.co',
    ]) {
      await assert.rejects(
        ensureHubModel({ modelId: ID, hubUrl, cacheDir }),
        (e) => code(e) === 'download-failed' && /Refusing|only HTTPS/.test((e as Error).message),
        hubUrl,
      );
    }
    assert.deepEqual(fs.readdirSync(cacheDir), []);
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('a redirect from the Hub to plain HTTP on another host is refused, and nothing is kept', async () => {
  const { hub, cacheDir, done } = await setup();
  try {
    hub.setFault('/config.json', { redirect: 'http://example.invalid/config.json' });
    await assert.rejects(
      ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir }),
      (e) => code(e) === 'download-failed' && /plain HTTP/.test((e as Error).message),
    );
    assert.equal(await isHubModelCached({ modelId: ID, cacheDir }), false);
  } finally {
    await done();
  }
});

test('a redirect to another loopback path is followed and the file arrives intact', async () => {
  const { hub, cacheDir, files, done } = await setup();
  try {
    hub.setRoute('/elsewhere/config.json', files['config.json'], 'application/json');
    hub.setFault(`/${hub.commit}/config.json`, { redirect: '/elsewhere/config.json' });
    const folder = await ensureHubModel({ modelId: ID, hubUrl: hub.url, cacheDir });
    assert.deepEqual(fs.readFileSync(path.join(folder, 'config.json')), files['config.json']);
    assert.equal(hub.count('/elsewhere/config.json'), 1);
  } finally {
    await done();
  }
});

test('only loopback hosts may be reached over plain HTTP; look-alike host names are not loopback', () => {
  for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['128.0.0.1', '10.0.0.1', 'localhost.example.com', '127.0.0.1.nip.io', '[::2]', 'example.com', '0.0.0.0']) {
    assert.equal(isLoopbackHost(h), false, h);
  }
  assert.equal(checkDownloadUrl('http://[::1]:8080/x').hostname, '[::1]');
  assert.throws(() => checkDownloadUrl('http://localhost.example.com/x'), /only HTTPS/);
});

test('Hub URLs keep a mirror\'s path prefix and encode a revision with "/" as one segment', () => {
  assert.equal(
    joinUrl('https://mirror.example/hf/', 'o', 'n', 'resolve', 'refs/pr/1', 'onnx', 'model.onnx').toString(),
    'https://mirror.example/hf/o/n/resolve/refs%2Fpr%2F1/onnx/model.onnx',
  );
  assert.equal(joinUrl('https://huggingface.co', 'api', 'models', 'o', 'n').toString(), 'https://huggingface.co/api/models/o/n');
});
