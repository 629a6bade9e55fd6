// `npm run package`: a production build, then a VSIX for one platform with @vscode/vsce.
//   node tools/package.mjs [--target linux-x64] [--out path.vsix] [--no-build]
// The target defaults to this machine's platform. onnxruntime-node (a native addon, external to the bundle)
// ships inside the VSIX with only that platform's binaries: .vscodeignore names what ships, and this script
// narrows its onnxruntime binary line to bin/napi-v6/<platform>/<arch>. Prints the VSIX path and size.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ALL_BINARIES = '!node_modules/onnxruntime-node/bin/**';

function option(name) {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) fail(`${[command, ...args].join(' ')} exited with ${result.status ?? result.signal}`);
}

const target = option('--target') ?? `${process.platform}-${process.arch}`;
const [platform, arch] = target.split('-');
// onnxruntime-node's prebuilt binaries are glibc/macOS/Windows builds: alpine (musl) and web cannot load them.
const binaries = `node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}`;
if (!existsSync(join(root, binaries))) {
  fail(
    `onnxruntime-node 1.30 ships no binary for ${target} (looked in ${binaries}); targets with one: linux-x64, linux-arm64, ` +
      `darwin-arm64, win32-x64, win32-arm64`,
  );
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = resolve(option('--out') ?? join(root, `${manifest.name}-${manifest.version}-${target}.vsix`));

if (!process.argv.includes('--no-build')) run(process.execPath, ['esbuild.mjs', '--production']);
for (const bundle of ['dist/extension.js', 'dist/inferenceWorker.js']) {
  if (!existsSync(join(root, bundle))) fail(`${bundle} is missing after the build`);
}

const ignore = readFileSync(join(root, '.vscodeignore'), 'utf8');
if (!ignore.split('\n').some((line) => line.trim() === ALL_BINARIES)) fail(`.vscodeignore lost its line ${ALL_BINARIES}`);
const temp = mkdtempSync(join(tmpdir(), 'attention-lens-package-'));
const ignoreFile = join(temp, 'vscodeignore');
writeFileSync(
  ignoreFile,
  ignore
    .split('\n')
    .map((line) => (line.trim() === ALL_BINARIES ? `!${binaries}/*` : line))
    .join('\n'),
);

try {
  run(process.execPath, [
    join(root, 'node_modules', '@vscode', 'vsce', 'vsce'),
    'package',
    '--target',
    target,
    '--ignoreFile',
    ignoreFile,
    '--out',
    out,
    '--allow-missing-repository',
    '--no-rewrite-relative-links',
  ]);
} finally {
  rmSync(temp, { recursive: true, force: true });
}

const bytes = statSync(out).size;
const shown = relative(process.cwd(), out).startsWith('..') ? out : relative(process.cwd(), out);
console.log(`VSIX: ${shown} (${(bytes / 1024 / 1024).toFixed(1)} MB, ${bytes} bytes, target ${target})`);
