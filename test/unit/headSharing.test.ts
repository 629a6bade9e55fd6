// What the views say about grouped-query attention, sliding windows and soft-caps (src/protocol/headSharing.ts),
// and that the run summary carries the model's facts for them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  attentionFactParts,
  headName,
  headSuffix,
  kvHeadOf,
  layerSuffix,
  queryHeadsOf,
  type AttentionModelFacts,
} from '../../src/protocol';

const qwenShaped: AttentionModelFacts = { layers: 24, heads: 14, kvHeads: 2 };

test('head sharing: query head h reads KV head floor(h / (heads / kvHeads)), as repeat_kv lays them out', () => {
  assert.deepEqual(
    Array.from({ length: 14 }, (_, h) => kvHeadOf(qwenShaped, h)),
    [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1],
  );
  const small: AttentionModelFacts = { layers: 2, heads: 4, kvHeads: 2 };
  assert.deepEqual(
    [0, 1, 2, 3].map((h) => headSuffix(small, h)),
    [' · KV 0', ' · KV 0', ' · KV 1', ' · KV 1'],
  );
  assert.deepEqual(queryHeadsOf(qwenShaped, 1), [7, 13]);
  assert.equal(headName(qwenShaped, 5), 'head 5 · KV 0');
  assert.equal(headName(qwenShaped, 'mean'), 'mean of heads');
});

test('head sharing: a multi-head model (no kvHeads, or as many as heads) reads as before', () => {
  for (const m of [
    { layers: 4, heads: 12 },
    { layers: 4, heads: 12, kvHeads: 12 },
  ]) {
    assert.equal(kvHeadOf(m, 5), undefined);
    assert.equal(headSuffix(m, 5), '');
    assert.equal(headName(m, 5), 'head 5');
    assert.equal(layerSuffix(m, 1), '');
    assert.deepEqual(attentionFactParts(m), []);
  }
  // Heads not a multiple of the KV heads: inconsistent, so no sharing is claimed (the core refuses such a model).
  assert.equal(kvHeadOf({ layers: 1, heads: 6, kvHeads: 4 }, 5), undefined);
});

test('head sharing: sliding-window layers and the soft-cap in the model info', () => {
  const gemma2Shaped: AttentionModelFacts = {
    layers: 4,
    heads: 4,
    kvHeads: 2,
    slidingWindow: { size: 4, layers: [0, 2] },
    attnSoftcap: 50,
  };
  assert.deepEqual(
    [0, 1, 2, 3].map((l) => layerSuffix(gemma2Shaped, l)),
    [' · sliding window 4', '', ' · sliding window 4', ''],
  );
  assert.deepEqual(attentionFactParts(gemma2Shaped), [
    '4 query heads share 2 key/value heads',
    'sliding window 4 in layers 0 and 2',
    'attention soft-cap 50',
  ]);
  assert.deepEqual(attentionFactParts(qwenShaped), ['14 query heads share 2 key/value heads']);
  const every = { layers: 3, heads: 8, kvHeads: 1, slidingWindow: { size: 4096, layers: [0, 1, 2] } };
  assert.deepEqual(attentionFactParts(every), ['8 query heads share 1 key/value head', 'sliding window 4096 in every layer']);
  const many = {
    layers: 26,
    heads: 4,
    slidingWindow: { size: 512, layers: Array.from({ length: 26 }, (_, i) => i).filter((i) => i % 6 !== 5) },
  };
  assert.deepEqual(attentionFactParts(many), ['sliding window 512 in 22 of 26 layers']);
});
