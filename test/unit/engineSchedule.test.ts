// The request table's scheduling (WORKER_REQUESTS in src/core/worker/workerRequests.ts), through the real
// InferenceEngine and a stand-in worker that answers each request after a pause with what it was sent: which
// waiting requests a new one cancels, and which go ahead of waiting runs.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { LensError } from '../../src/core/types';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { tempDir } from './reliability/support';

/** Answers one request at a time (the engine posts the next on a reply) with its op and payload, after 20 ms. */
const ECHO_WORKER = `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.op === 'exit') process.exit(0);
  setTimeout(() => parentPort.postMessage({ id: m.id, ok: true, value: { op: m.op, payload: m.payload } }), 20);
});
`;

const OPTIONS = { attention: true, topK: 5 };
const superseded = (e: unknown) => e instanceof LensError && e.code === 'cancelled' && e.message === 'superseded by a newer request';

describe("the worker request table's scheduling", () => {
  let tmp: ReturnType<typeof tempDir>;
  let engine: InferenceEngine;
  /** Labels of the requests in the order their replies arrived. */
  let order: string[];
  /** Sends a request and records its label when its reply arrives; the promise rejects as the request does. */
  const track = <T>(label: string, reply: Promise<T>) => reply.then((value) => (order.push(label), value));

  before(() => {
    tmp = tempDir('schedule');
    const workerPath = path.join(tmp.dir, 'echoWorker.js');
    fs.writeFileSync(workerPath, ECHO_WORKER);
    engine = new InferenceEngine({ workerPath, environment: detectProviderEnvironment() });
  });
  after(async () => {
    await engine.dispose();
    tmp.cleanup();
  });

  it("carries each request's payload to the worker as the table names it", async () => {
    order = [];
    const payload = { run: 7, text: 'some text', options: OPTIONS };
    assert.deepEqual(await engine.request('inspect', payload), { op: 'inspect', payload });
    const layer = { run: 7, set: 'self', layer: 2 };
    assert.deepEqual(await engine.request('layer', layer), { op: 'layer', payload: layer });
  });

  it('an inspect cancels every waiting run request (maskedAt, unmasked, logits, inspect), not the running one nor controls', async () => {
    order = [];
    const running = track('running logits', engine.request('logits', { run: 1, position: 0 }));
    const cancelled = [
      engine.request('inspect', { run: 2, text: 'older', options: OPTIONS }),
      engine.request('maskedAt', { run: 1, positions: [1], topK: 5 }),
      engine.request('unmasked', { run: 1, topK: 5 }),
      engine.request('logits', { run: 1, position: 1 }),
    ].map((p) => assert.rejects(p, superseded));
    const health = track('health', engine.request('health', { settle: false }));
    const inspect = track('inspect', engine.request('inspect', { run: 3, text: 'newest', options: OPTIONS }));
    await Promise.all([running, ...cancelled, health, inspect]);
    assert.deepEqual(order, ['running logits', 'health', 'inspect']);
  });

  it('a maskedAt cancels only waiting maskedAt requests; an unmasked only waiting unmasked ones', async () => {
    order = [];
    const running = track('running inspect', engine.request('inspect', { run: 1, text: 'shown', options: OPTIONS }));
    const oldMasked = assert.rejects(engine.request('maskedAt', { run: 1, positions: [1], topK: 5 }), superseded);
    const oldUnmasked = assert.rejects(engine.request('unmasked', { run: 1, topK: 5 }), superseded);
    const logits = track('logits', engine.request('logits', { run: 1, position: 2 }));
    const unmasked = track('unmasked', engine.request('unmasked', { run: 1, topK: 3 }));
    const masked = track('maskedAt', engine.request('maskedAt', { run: 1, positions: [2], topK: 5 }));
    await Promise.all([running, oldMasked, oldUnmasked, logits, unmasked, masked]);
    assert.deepEqual(order, ['running inspect', 'logits', 'unmasked', 'maskedAt']);
    const echoed: unknown = await engine.request('maskedAt', { run: 1, positions: [4], topK: 2 });
    assert.deepEqual(echoed, { op: 'maskedAt', payload: { run: 1, positions: [4], topK: 2 } }, 'the queue is empty again: it runs');
  });

  it('attention requests (layer, overview, maps) go ahead of waiting runs and controls, in their order, cancelling nothing', async () => {
    order = [];
    const running = track('running inspect', engine.request('inspect', { run: 1, text: 'shown', options: OPTIONS }));
    const waiting = [
      track('maskedAt', engine.request('maskedAt', { run: 1, positions: [1], topK: 5 })),
      track('health', engine.request('health', { settle: false })),
      track('next inspect', engine.request('inspect', { run: 2, text: 'next', options: OPTIONS })),
    ];
    const attention = [
      track('layer', engine.request('layer', { run: 1, set: 'self', layer: 0 })),
      track('overview', engine.request('overview', { run: 1, set: 'self' })),
      track('maps', engine.request('maps', { run: 1 })),
    ];
    const results = await Promise.allSettled([running, ...waiting, ...attention]);
    // The next inspect cancelled the waiting maskedAt when it came, before the attention requests.
    assert.deepEqual(
      results.map((r) => r.status === 'fulfilled'),
      [true, false, true, true, true, true, true],
    );
    assert.deepEqual(order, ['running inspect', 'layer', 'overview', 'maps', 'health', 'next inspect']);
  });
});
