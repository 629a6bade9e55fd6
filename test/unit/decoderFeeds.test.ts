// Feeds of modern decoder exports (optimum's and onnx-community's layouts): empty pasts sized by the key/value heads
// and head width (the graph's own dims win), float16 pasts where declared, num_logits_to_keep as an int64 scalar 0,
// positions from the family's first position, no position_ids where the graph takes none.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildFeeds, feedShape, type InputSpec } from '../../src/core/engine/feeds';
import { parseModelConfig } from '../../src/core/model/modelConfig';
import { LensError } from '../../src/core/types';

const spec = (name: string, type = 'int64', shape: (number | string)[] = ['batch_size', 'sequence_length']): InputSpec => ({
  name,
  type,
  shape,
});
const pasts = (layers: number, type: string, shape: (number | string)[]) =>
  Array.from({ length: layers }, (_, i) => [
    spec(`past_key_values.${i}.key`, type, shape),
    spec(`past_key_values.${i}.value`, type, shape),
  ]).flat();

/** A Qwen3-0.6B-shaped config: 16 query heads, 8 key/value heads, head_dim 128 (not 1024 / 16). */
const qwen3 = parseModelConfig(
  {
    architectures: ['Qwen3ForCausalLM'],
    model_type: 'qwen3',
    hidden_size: 1024,
    num_attention_heads: 16,
    num_key_value_heads: 8,
    head_dim: 128,
    num_hidden_layers: 2,
    vocab_size: 1000,
    max_position_embeddings: 4096,
  },
  'config.json',
);
const gemma3 = parseModelConfig(
  {
    architectures: ['Gemma3ForCausalLM'],
    model_type: 'gemma3_text',
    hidden_size: 64,
    num_attention_heads: 4,
    num_key_value_heads: 1,
    head_dim: 32,
    num_hidden_layers: 2,
    vocab_size: 1000,
    max_position_embeddings: 4096,
  },
  'config.json',
);
const ints = (t: { data: unknown }) => Array.from(t.data as BigInt64Array, Number);

describe('feeds of modern decoders', () => {
  const text = [spec('input_ids'), spec('attention_mask'), spec('position_ids')];

  it('empty pasts are [batch, kv heads, 0, head_dim] from the config where the graph leaves them symbolic', () => {
    const symbolic = pasts(2, 'float32', ['batch_size', 'num_key_value_heads', 'past_sequence_length', 'head_dim']);
    const feeds = buildFeeds([...text, ...symbolic], [1, 2, 3, 4, 5, 6], 2, 3, feedShape(qwen3));
    for (const past of symbolic) assert.deepEqual([feeds[past.name].type, feeds[past.name].dims], ['float32', [2, 8, 0, 128]], past.name);
    assert.equal(Object.keys(feeds).length, 3 + 4);
  });

  it("the graph's own past dims win over the config's (optimum fixes all but batch and past length)", () => {
    const declared = pasts(1, 'float32', ['batch_size', 2, 'past_sequence_length', 64]);
    const feeds = buildFeeds([spec('input_ids'), ...declared], [1, 2], 1, 2, feedShape(qwen3));
    assert.deepEqual(feeds['past_key_values.0.key'].dims, [1, 2, 0, 64]);
  });

  it('float16 pasts where the graph declares them (fp16 and q4f16 files), float32 elsewhere; other types refused', () => {
    const half = pasts(1, 'float16', ['batch_size', 8, 'past_sequence_length', 128]);
    const feeds = buildFeeds([spec('input_ids'), ...half], [1], 1, 1, feedShape(qwen3));
    const key = feeds['past_key_values.0.key'];
    assert.deepEqual(
      [key.type, key.dims, key.data instanceof Uint16Array, (key.data as Uint16Array).length],
      ['float16', [1, 8, 0, 128], true, 0],
    );
    assert.throws(
      () => buildFeeds([spec('input_ids'), ...pasts(1, 'bfloat16', ['b', 8, 'p', 128])], [1], 1, 1, feedShape(qwen3)),
      (e: unknown) =>
        e instanceof LensError &&
        e.code === 'model-unsupported' &&
        e.message === `the model's cache input "past_key_values.0.key" is bfloat16; Attention Lens feeds float32 or float16`,
    );
  });

  it('num_logits_to_keep / logits_to_keep: an int64 scalar 0 (every position), [1] where the graph declares one dim', () => {
    const feeds = buildFeeds([spec('input_ids'), spec('num_logits_to_keep', 'int64', [])], [1, 2], 1, 2, feedShape(qwen3));
    const keep = feeds.num_logits_to_keep;
    assert.deepEqual([keep.type, keep.dims, ints(keep)], ['int64', [], [0]]);
    const one = buildFeeds([spec('input_ids'), spec('logits_to_keep', 'int64', [1])], [1, 2], 1, 2, feedShape(qwen3)).logits_to_keep;
    assert.deepEqual([one.type, one.dims, ints(one)], ['int64', [1], [0]]);
  });

  it('positions run from the first position: 0 for Qwen3, 1 for Gemma 3 (as transformers.js feeds it), per row', () => {
    assert.deepEqual(ints(buildFeeds(text, [1, 2, 3, 4, 5, 6], 2, 3, feedShape(qwen3)).position_ids), [0, 1, 2, 0, 1, 2]);
    const gemma = buildFeeds(text, [1, 2, 3, 4, 5, 6], 2, 3, feedShape(gemma3));
    assert.deepEqual(
      [ints(gemma.position_ids), gemma.position_ids.dims],
      [
        [1, 2, 3, 1, 2, 3],
        [2, 3],
      ],
    );
    const int32 = buildFeeds([spec('input_ids'), spec('position_ids', 'int32')], [1, 2], 1, 2, feedShape(gemma3)).position_ids;
    assert.deepEqual([int32.type, Array.from(int32.data as Int32Array)], ['int32', [1, 2]]);
  });

  it('a graph without position_ids (Gemma in optimum, rotary inside the operator) is fed none', () => {
    const gqa = [spec('input_ids'), spec('attention_mask'), ...pasts(1, 'float32', ['batch_size', 1, 'past_sequence_length', 32])];
    const feeds = buildFeeds(gqa, [1, 2, 3], 1, 3, feedShape(gemma3));
    assert.deepEqual(Object.keys(feeds).sort(), ['attention_mask', 'input_ids', 'past_key_values.0.key', 'past_key_values.0.value']);
    assert.deepEqual(feeds['past_key_values.0.value'].dims, [1, 1, 0, 32]);
  });

  it('an input the family does not feed is refused by name (a multimodal decoder wants inputs_embeds)', () => {
    assert.throws(
      () => buildFeeds([spec('input_ids'), spec('inputs_embeds', 'float32', ['b', 's', 64])], [1], 1, 1, feedShape(gemma3)),
      (e: unknown) =>
        e instanceof LensError && e.code === 'model-unsupported' && e.message.startsWith('the model needs an input named "inputs_embeds"'),
    );
  });
});
