// The CUDA provider installer against a local stand-in NuGet feed serving a small package with the real entry
// layout (stand-in .so files): install, status, undo, corrupt and truncated downloads, hash mismatches and
// hostile zip entries. Installs go to temp folders, never into the real node_modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LensError } from '../../src/core/types';
import {
  CUDA_MANIFEST,
  cudaProviderStatus,
  installCudaProvider,
  uninstallCudaProvider,
  type CudaInstallOptions,
} from '../../src/core/gpu/cudaProvider';
import { cudaLibraryDir, ortLocation } from '../../src/core/gpu/ortLocation';
import { detectNvidiaGpu } from '../../src/core/gpu/nvidiaGpu';
import { FakeHub } from '../support/fakeHub';
import { listFiles, pseudoRandomBytes, tempDir } from '../support/hubFixtures';
import { makeZip, type ZipInput } from '../support/zipWriter';

const ID = 'microsoft.ml.onnxruntime.gpu.linux';
const VERSION = '1.30.0';
const NATIVE = 'runtimes/linux-x64/native/';
const LIBS = {
  shared: pseudoRandomBytes(20_000, 'shared'),
  cuda: pseudoRandomBytes(250_000, 'cuda'),
  tensorrt: pseudoRandomBytes(30_000, 'trt'),
};

function standardEntries(): ZipInput[] {
  return [
    { name: '[Content_Types].xml', data: Buffer.from('<Types/>'), deflate: true },
    { name: 'Microsoft.ML.OnnxRuntime.Gpu.Linux.nuspec', data: Buffer.from('<package/>'), deflate: true },
    { name: `${NATIVE}libonnxruntime_providers_shared.so`, data: LIBS.shared, deflate: true },
    { name: `${NATIVE}libonnxruntime_providers_cuda.so`, data: LIBS.cuda, deflate: true },
    { name: `${NATIVE}libonnxruntime_providers_tensorrt.so`, data: LIBS.tensorrt },
    { name: `${NATIVE}libonnxruntime.so`, data: pseudoRandomBytes(5000, 'ort'), deflate: true },
  ];
}

const NUPKG_PATH = `/v3-flatcontainer/${ID}/${VERSION}/${ID}.${VERSION}.nupkg`;

/** Serves a NuGet v3 feed (service index, versions, package, registration leaf, catalog entry with hash). */
function serveFeed(hub: FakeHub, nupkg: Buffer, opts: { hash?: boolean } = {}): string {
  const json = 'application/json';
  hub.setRoute(
    '/v3/index.json',
    JSON.stringify({
      version: '3.0.0',
      resources: [
        { '@id': `${hub.url}/v3-flatcontainer/`, '@type': 'PackageBaseAddress/3.0.0' },
        { '@id': `${hub.url}/v3/registration/`, '@type': 'RegistrationsBaseUrl' },
      ],
    }),
    json,
  );
  hub.setRoute(`/v3-flatcontainer/${ID}/index.json`, JSON.stringify({ versions: ['1.29.0', VERSION] }), json);
  hub.setRoute(NUPKG_PATH, nupkg);
  hub.setRoute(
    `/v3/registration/${ID}/${VERSION}.json`,
    JSON.stringify({ catalogEntry: `${hub.url}/v3/catalog/${ID}.${VERSION}.json` }),
    json,
  );
  if (opts.hash !== false) {
    hub.setRoute(
      `/v3/catalog/${ID}.${VERSION}.json`,
      JSON.stringify({
        packageHash: createHash('sha512').update(nupkg).digest('base64'),
        packageHashAlgorithm: 'SHA512',
        packageSize: nupkg.length,
      }),
      json,
    );
  }
  return `${hub.url}/v3/index.json`;
}

interface Env {
  hub: FakeHub;
  root: string;
  targetDir: string;
  opts: CudaInstallOptions;
}

async function withFeed(nupkg: Buffer, body: (env: Env) => Promise<void>, feed: { hash?: boolean } = {}): Promise<void> {
  const hub = await FakeHub.start();
  const root = tempDir('cuda');
  const targetDir = path.join(root, 'bin', 'napi-v6', 'linux', 'x64');
  fs.mkdirSync(targetDir, { recursive: true });
  fs.writeFileSync(path.join(targetDir, 'libonnxruntime.so.1'), 'stand-in runtime');
  const opts: CudaInstallOptions = {
    feedUrl: serveFeed(hub, nupkg, feed),
    ortVersion: VERSION,
    targetDir,
    downloadDir: path.join(root, 'dl'),
  };
  try {
    await body({ hub, root, targetDir, opts });
  } finally {
    await hub.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof LensError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

const onlyRuntime = ['libonnxruntime.so.1'];

test('install fetches the matching package, checks its SHA-512, and installs exactly the provider libraries', async () => {
  await withFeed(makeZip(standardEntries()), async ({ targetDir, opts, root }) => {
    const phases = new Set<string>();
    const manifest = await installCudaProvider({ ...opts, onProgress: (p) => phases.add(p.phase) });
    assert.deepEqual(
      listFiles(targetDir),
      [
        CUDA_MANIFEST,
        'libonnxruntime.so.1',
        'libonnxruntime_providers_cuda.so',
        'libonnxruntime_providers_shared.so',
        'libonnxruntime_providers_tensorrt.so',
      ].sort(),
    );
    assert.deepEqual(fs.readFileSync(path.join(targetDir, 'libonnxruntime_providers_cuda.so')), LIBS.cuda);
    assert.deepEqual(fs.readFileSync(path.join(targetDir, 'libonnxruntime_providers_shared.so')), LIBS.shared);
    assert.deepEqual(fs.readFileSync(path.join(targetDir, 'libonnxruntime_providers_tensorrt.so')), LIBS.tensorrt);
    assert.ok(manifest.verifiedBy.includes('sha512 from the feed'));
    assert.equal(manifest.version, VERSION);
    assert.deepEqual([...phases].sort(), ['done', 'download', 'extract', 'resolve']);
    assert.deepEqual(listFiles(path.join(root, 'dl')), [], 'the package was left behind');
  });
});

test('status says not installed, then installed with its version, and undo removes exactly what was installed', async () => {
  await withFeed(makeZip(standardEntries()), async ({ targetDir, opts }) => {
    const before = await cudaProviderStatus({ targetDir, ortVersion: VERSION });
    assert.equal(before.installed, false);
    assert.equal(before.managed, false);
    await installCudaProvider(opts);
    const after = await cudaProviderStatus({ targetDir, ortVersion: VERSION });
    assert.equal(after.installed, true);
    assert.equal(after.managed, true);
    assert.equal(after.version, VERSION);
    assert.equal(after.versionMismatch, false);
    assert.equal((await cudaProviderStatus({ targetDir, ortVersion: '1.31.0' })).versionMismatch, true);
    const removed = await uninstallCudaProvider({ targetDir });
    assert.deepEqual(removed.sort(), [
      'libonnxruntime_providers_cuda.so',
      'libonnxruntime_providers_shared.so',
      'libonnxruntime_providers_tensorrt.so',
    ]);
    assert.deepEqual(listFiles(targetDir), onlyRuntime, 'undo touched other files or left some behind');
    assert.equal((await cudaProviderStatus({ targetDir, ortVersion: VERSION })).installed, false);
    assert.deepEqual(await uninstallCudaProvider({ targetDir }), [], 'a second undo found something to remove');
  });
});

test('a package that is not a zip is rejected as corrupt, deleted, and nothing is installed', async () => {
  await withFeed(
    pseudoRandomBytes(50_000, 'junk'),
    async ({ targetDir, opts, root }) => {
      await rejectsWith(installCudaProvider(opts), 'download-failed', /CUDA package is corrupt/);
      assert.deepEqual(listFiles(targetDir), onlyRuntime);
      assert.deepEqual(listFiles(path.join(root, 'dl')), []);
    },
    { hash: false },
  );
});

test('a library failing its CRC check is rejected and no library at all is installed', async () => {
  const entries = standardEntries().map((e) => (e.name.endsWith('providers_cuda.so') ? { ...e, badCrc: true } : e));
  await withFeed(makeZip(entries), async ({ targetDir, opts }) => {
    await rejectsWith(installCudaProvider(opts), 'download-failed', /corrupt.*CRC/);
    assert.deepEqual(listFiles(targetDir), onlyRuntime, 'a partial install was left');
  });
});

test('a truncated package download fails, installs nothing, and the next attempt resumes and installs', async () => {
  await withFeed(makeZip(standardEntries()), async ({ hub, targetDir, opts }) => {
    hub.setFault(NUPKG_PATH, { dropAtFraction: 0.5, times: 1 });
    await rejectsWith(installCudaProvider(opts), 'download-failed', /dropped|cut short/);
    assert.deepEqual(listFiles(targetDir), onlyRuntime);
    await installCudaProvider(opts);
    assert.ok(
      hub.requests.some((r) => r.path === NUPKG_PATH && r.range !== undefined && r.status === 206),
      'the retry did not resume',
    );
    assert.equal((await cudaProviderStatus({ targetDir, ortVersion: VERSION })).installed, true);
  });
});

test("a package whose bytes differ from the feed's SHA-512 is rejected as corrupt and nothing is installed", async () => {
  const nupkg = makeZip(standardEntries());
  await withFeed(nupkg, async ({ hub, targetDir, opts }) => {
    const tampered = Buffer.from(nupkg);
    tampered[100] ^= 0x01;
    hub.setFault(NUPKG_PATH, { body: tampered });
    await rejectsWith(installCudaProvider(opts), 'download-failed', /corrupt: its checksum does not match/);
    assert.deepEqual(listFiles(targetDir), onlyRuntime);
  });
});

test('a caller-given sha256 that does not match rejects the package', async () => {
  await withFeed(makeZip(standardEntries()), async ({ targetDir, opts }) => {
    await rejectsWith(installCudaProvider({ ...opts, expectedSha256: 'f'.repeat(64) }), 'download-failed', /checksum does not match/);
    assert.deepEqual(listFiles(targetDir), onlyRuntime);
  });
});

test('zip entries with "../" are ignored: nothing is written outside the target folder', async () => {
  const hostile: ZipInput[] = [
    { name: '../../evil.so', data: Buffer.from('evil') },
    { name: `${NATIVE}../../../../evil2.so`, data: Buffer.from('evil') },
    { name: '/tmp/evil3.so', data: Buffer.from('evil') },
    ...standardEntries(),
  ];
  await withFeed(makeZip(hostile), async ({ root, targetDir, opts }) => {
    await installCudaProvider(opts);
    assert.ok(!listFiles(root).some((f) => f.includes('evil')), 'a hostile entry was written');
    assert.ok(!fs.existsSync('/tmp/evil3.so'));
    assert.equal(listFiles(targetDir).length, 5);
  });
});

test('a package written with zip64 records (as archives over 4 GB are) installs the same libraries', async () => {
  await withFeed(makeZip(standardEntries(), { zip64: true }), async ({ targetDir, opts }) => {
    await installCudaProvider(opts);
    assert.deepEqual(fs.readFileSync(path.join(targetDir, 'libonnxruntime_providers_cuda.so')), LIBS.cuda);
    assert.deepEqual(fs.readFileSync(path.join(targetDir, 'libonnxruntime_providers_tensorrt.so')), LIBS.tensorrt);
  });
});

test('a package without the CUDA library is rejected and names what is missing', async () => {
  const entries = standardEntries().filter((e) => !e.name.endsWith('providers_cuda.so'));
  await withFeed(makeZip(entries), async ({ targetDir, opts }) => {
    await rejectsWith(installCudaProvider(opts), 'download-failed', /lacks runtimes\/linux-x64\/native\/libonnxruntime_providers_cuda\.so/);
    assert.deepEqual(listFiles(targetDir), onlyRuntime);
  });
});

test('a feed without the needed onnxruntime version says so', async () => {
  await withFeed(makeZip(standardEntries()), async ({ opts }) => {
    await rejectsWith(
      installCudaProvider({ ...opts, ortVersion: '9.9.9' }),
      'download-failed',
      /has no Microsoft\.ML\.OnnxRuntime\.Gpu\.Linux 9\.9\.9/,
    );
  });
});

test('cancelling the package download rejects as cancelled and installs nothing', async () => {
  await withFeed(makeZip(standardEntries()), async ({ hub, targetDir, opts }) => {
    hub.setFault(NUPKG_PATH, { bytesPerSecond: 100_000 });
    const ac = new AbortController();
    const p = installCudaProvider({ ...opts, signal: ac.signal, onProgress: (e) => e.phase === 'download' && e.loaded > 0 && ac.abort() });
    await rejectsWith(p, 'cancelled', /cancelled/i);
    assert.deepEqual(listFiles(targetDir), onlyRuntime);
  });
});

test('cudaLibraryDir is the onnxruntime-node folder that holds libonnxruntime.so.1, and the version is read from its package.json', () => {
  const loc = ortLocation();
  const pkg = JSON.parse(fs.readFileSync(path.join(loc.packageDir, 'package.json'), 'utf8')) as { version: string };
  assert.equal(loc.version, pkg.version);
  assert.ok(fs.existsSync(path.join(cudaLibraryDir(), 'libonnxruntime.so.1')), cudaLibraryDir());
});

test('GPU detection reads the driver version from /proc, and reports "no GPU" without throwing when there is none', async () => {
  const dir = tempDir('nv');
  try {
    const proc = path.join(dir, 'version');
    fs.writeFileSync(
      proc,
      'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:39 UTC 2024\nGCC version:  gcc version 12.2.0\n',
    );
    const yes = await detectNvidiaGpu({ procFile: proc, nvidiaSmi: path.join(dir, 'no-nvidia-smi') });
    assert.equal(yes.present, true);
    assert.equal(yes.driverVersion, '550.54.15');
    const no = await detectNvidiaGpu({ procFile: path.join(dir, 'missing'), nvidiaSmi: path.join(dir, 'no-nvidia-smi') });
    assert.equal(no.present, false);
    assert.match(no.detail, /no NVIDIA driver/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
