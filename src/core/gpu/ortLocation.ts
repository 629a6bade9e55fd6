// Where the installed onnxruntime-node keeps its native files, and so where the CUDA provider libraries must go.
//
// onnxruntime-node loads `bin/napi-v<N>/<platform>/<arch>/onnxruntime_binding.node`, which links
// `libonnxruntime.so.1` from the same folder (RUNPATH $ORIGIN). When a session asks for the CUDA provider,
// onnxruntime dlopens `libonnxruntime_providers_shared.so` and `libonnxruntime_providers_cuda.so` from the
// folder that holds libonnxruntime.so.1 (its runtime path, found with dladdr). Seen on this machine, asking for
// 'cuda' without them: "Failed to load library …/bin/napi-v6/linux/x64/libonnxruntime_providers_shared.so".
// The library path cannot be pointed elsewhere from JavaScript, so the files are installed into that folder.
import fs from 'node:fs';
import path from 'node:path';

export interface OrtLocation {
  /** onnxruntime-node's version, e.g. "1.30.0"; the CUDA package must be the same version. */
  version: string;
  packageDir: string;
  /** The folder with onnxruntime_binding.node and libonnxruntime.so.1 for this platform. */
  bindingDir: string;
}

/** Reads onnxruntime-node's package.json (resolved from this module, or from `packageDir` when given). */
export function ortLocation(packageDir?: string, platform: string = process.platform, arch: string = process.arch): OrtLocation {
  const dir = packageDir ?? path.dirname(require.resolve('onnxruntime-node/package.json'));
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    version?: unknown;
    binary?: { napi_versions?: unknown };
  };
  if (typeof pkg.version !== 'string') throw new Error(`no version in ${dir}/package.json`);
  const napi =
    Array.isArray(pkg.binary?.napi_versions) && typeof pkg.binary?.napi_versions[0] === 'number' ? pkg.binary.napi_versions[0] : 6;
  return { version: pkg.version, packageDir: dir, bindingDir: path.join(dir, 'bin', `napi-v${napi}`, platform, arch) };
}

/**
 * The folder onnxruntime loads the CUDA provider libraries from (linux x64): install there, and check there
 * before offering 'cuda'. Throws only when onnxruntime-node itself cannot be found.
 */
export function cudaLibraryDir(packageDir?: string): string {
  return ortLocation(packageDir, 'linux', 'x64').bindingDir;
}
