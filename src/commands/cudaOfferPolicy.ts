// When to offer the CUDA download unasked: once per window, on Linux x64, after a model loaded on the CPU
// although the device setting allowed CUDA, unless the user declined for good. Pure, so it is unit-tested;
// whether an NVIDIA GPU is visible is checked after this says yes (it runs nvidia-smi).
import type { DeviceRequest } from '../core/types';

export interface CudaOfferFacts {
  platform: NodeJS.Platform;
  arch: string;
  requested: DeviceRequest;
  /** The provider the loaded model runs on. */
  provider: string;
  cudaInstalled: boolean;
  declined: boolean;
  offeredThisWindow: boolean;
}

export function mayOfferCuda(f: CudaOfferFacts): boolean {
  return (
    f.platform === 'linux' &&
    f.arch === 'x64' &&
    (f.requested === 'auto' || f.requested === 'cuda') &&
    f.provider === 'cpu' &&
    !f.cudaInstalled &&
    !f.declined &&
    !f.offeredThisWindow
  );
}
