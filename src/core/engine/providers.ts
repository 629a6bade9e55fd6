// Execution-provider choice. onnxruntime-node throws for a GPU provider it cannot load (no automatic
// fallback), and on the wrong platform silently runs DirectML/CoreML requests on the CPU — so the platform
// is checked here, each candidate is tried in order, and the result says which one really ran and why.
import type { DeviceRequest } from '../types';

export interface ProviderCandidate {
  /** onnxruntime's execution provider name. */
  name: string;
  label: string;
}

const LABELS: Record<string, string> = {
  cpu: 'CPU',
  cuda: 'CUDA',
  tensorrt: 'TensorRT',
  dml: 'DirectML',
  coreml: 'CoreML',
  webgpu: 'WebGPU',
};

export function providerLabel(name: string): string {
  return LABELS[name] ?? name;
}

const PLATFORM_OF: Record<string, NodeJS.Platform | undefined> = { dml: 'win32', coreml: 'darwin', cuda: 'linux', tensorrt: 'linux' };

export interface ProviderEnvironment {
  platform: NodeJS.Platform;
  /** Whether the CUDA provider libraries sit where onnxruntime-node loads them from. */
  cudaInstalled: boolean;
  tensorrtInstalled: boolean;
}

/**
 * The providers to try, most preferred first, always ending with the CPU; `skipped` says why a provider the
 * request implies is not tried (wrong platform, libraries not installed).
 */
export function providerPlan(request: DeviceRequest, env: ProviderEnvironment): { candidates: ProviderCandidate[]; skipped: string[] } {
  const wanted: string[] = [];
  if (request === 'auto') {
    if (env.platform === 'linux') wanted.push('cuda', 'tensorrt');
    else if (env.platform === 'win32') wanted.push('dml');
    else if (env.platform === 'darwin') wanted.push('coreml');
  } else if (request !== 'cpu') {
    wanted.push(request);
  }
  const candidates: ProviderCandidate[] = [];
  const skipped: string[] = [];
  for (const name of wanted) {
    const platform = PLATFORM_OF[name];
    if (platform && platform !== env.platform) {
      skipped.push(
        `${providerLabel(name)} is available on ${platform === 'win32' ? 'Windows' : platform === 'darwin' ? 'macOS' : 'Linux'} only`,
      );
    } else if (name === 'cuda' && !env.cudaInstalled) {
      if (request === 'cuda') skipped.push('the CUDA provider libraries are not installed (run "Attention Lens: Enable GPU (CUDA)")');
    } else if (name === 'tensorrt' && !env.tensorrtInstalled) {
      if (request !== 'auto') skipped.push('the TensorRT provider libraries are not installed');
    } else {
      candidates.push({ name, label: providerLabel(name) });
    }
  }
  candidates.push({ name: 'cpu', label: 'CPU' });
  return { candidates, skipped };
}

/** Tries each candidate with `create`; returns the first that works and the reasons the earlier ones failed. */
export async function createWithFallback<T>(
  candidates: ProviderCandidate[],
  create: (provider: string) => Promise<T>,
): Promise<{ value: T; provider: ProviderCandidate; failures: string[] }> {
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      return { value: await create(candidate.name), provider: candidate, failures };
    } catch (error) {
      if (candidate.name === 'cpu') throw error;
      failures.push(`${candidate.label} failed to start: ${firstLine((error as Error).message)}`);
    }
  }
  throw new Error('no execution provider could be started');
}

function firstLine(message: string): string {
  return message.split('\n')[0].slice(0, 300);
}
