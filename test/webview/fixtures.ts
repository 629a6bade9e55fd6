// Payloads the tests use: small generated ones (labels fit, fast) and any recorded under test/fixtures/payloads.
import { join } from 'node:path';
import { makePayload } from './makePayload';
import { listPayloads, loadPayload, type Payload } from './payload';
import { repoRoot } from './paths';

const cache = new Map<string, Payload>();

export function smallCausal(runId = 1): Payload {
  const key = `causal${runId}`;
  if (!cache.has(key))
    cache.set(key, makePayload({ name: 'small-causal', kind: 'causal', tokens: 40, layers: 4, heads: 4, side: 40, runId }));
  return cache.get(key)!;
}

export function smallMasked(runId = 1): Payload {
  const key = `masked${runId}`;
  if (!cache.has(key))
    cache.set(key, makePayload({ name: 'small-masked', kind: 'masked', tokens: 36, layers: 4, heads: 4, side: 36, runId }));
  return cache.get(key)!;
}

export function largeCausal(): Payload {
  if (!cache.has('large'))
    cache.set('large', makePayload({ name: 'large-causal', kind: 'causal', tokens: 512, layers: 12, heads: 12, side: 64, runId: 1 }));
  return cache.get('large')!;
}

export function recordedPayloads(): Payload[] {
  const dir = join(repoRoot(), 'test/fixtures/payloads');
  return listPayloads(dir).map((name) => loadPayload(dir, name));
}
