import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createWithFallback, providerPlan } from '../../src/core/engine/providers';

const linux = { platform: 'linux' as const, cudaInstalled: false, tensorrtInstalled: false };

test('auto on Linux without CUDA libraries runs on the CPU and names no failure', () => {
  const plan = providerPlan('auto', linux);
  assert.deepEqual(
    plan.candidates.map((c) => c.name),
    ['cpu'],
  );
  assert.deepEqual(plan.skipped, []);
});

test('auto on Linux with CUDA libraries tries CUDA first, then the CPU', () => {
  assert.deepEqual(
    providerPlan('auto', { ...linux, cudaInstalled: true }).candidates.map((c) => c.name),
    ['cuda', 'cpu'],
  );
});

test('asking for CUDA without its libraries falls back to the CPU and says how to enable it', () => {
  const plan = providerPlan('cuda', linux);
  assert.deepEqual(
    plan.candidates.map((c) => c.name),
    ['cpu'],
  );
  assert.match(plan.skipped[0], /Enable GPU \(CUDA\)/);
});

test('DirectML on Linux is not tried (onnxruntime would silently use the CPU) and the reason says Windows only', () => {
  const plan = providerPlan('dml', linux);
  assert.deepEqual(
    plan.candidates.map((c) => c.name),
    ['cpu'],
  );
  assert.match(plan.skipped[0], /DirectML is available on Windows only/);
});

test('auto on Windows tries DirectML, on macOS CoreML', () => {
  assert.equal(providerPlan('auto', { ...linux, platform: 'win32' }).candidates[0].name, 'dml');
  assert.equal(providerPlan('auto', { ...linux, platform: 'darwin' }).candidates[0].name, 'coreml');
});

test('a provider that throws at session creation falls back to the next and its error is reported', async () => {
  const tried: string[] = [];
  const result = await createWithFallback(
    [
      { name: 'cuda', label: 'CUDA' },
      { name: 'cpu', label: 'CPU' },
    ],
    async (p) => {
      tried.push(p);
      if (p === 'cuda') throw new Error('Failed to load shared library libonnxruntime_providers_cuda.so\nmore');
      return 'session';
    },
  );
  assert.deepEqual(tried, ['cuda', 'cpu']);
  assert.equal(result.provider.name, 'cpu');
  assert.deepEqual(result.failures, ['CUDA failed to start: Failed to load shared library libonnxruntime_providers_cuda.so']);
});
