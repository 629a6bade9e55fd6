// What this machine offers onnxruntime-node: the platform and whether the optional GPU provider libraries
// sit where onnxruntime loads them from (beside its native binding; see gpu/ortLocation).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ortLocation } from '../gpu/ortLocation';
import type { ProviderEnvironment } from './providers';

export function detectProviderEnvironment(bindingDir = ortLocation().bindingDir): ProviderEnvironment {
  return {
    platform: process.platform,
    cudaInstalled: existsSync(path.join(bindingDir, 'libonnxruntime_providers_cuda.so')),
    tensorrtInstalled: existsSync(path.join(bindingDir, 'libonnxruntime_providers_tensorrt.so')),
  };
}
