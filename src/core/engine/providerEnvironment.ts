// What this machine offers onnxruntime-node: the platform and whether the optional GPU provider libraries
// sit beside its native binding (onnxruntime-node loads providers from the binding's own folder).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { ProviderEnvironment } from './providers';

/** The folder of onnxruntime-node's native binding for this platform and architecture. */
export function ortBindingDir(): string {
  const packageDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
  return path.join(packageDir, 'bin', 'napi-v6', process.platform, process.arch);
}

export function detectProviderEnvironment(bindingDir = ortBindingDir()): ProviderEnvironment {
  return {
    platform: process.platform,
    cudaInstalled: existsSync(path.join(bindingDir, 'libonnxruntime_providers_cuda.so')),
    tensorrtInstalled: existsSync(path.join(bindingDir, 'libonnxruntime_providers_tensorrt.so')),
  };
}
