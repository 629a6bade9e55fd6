// Modern decoders as data: which family each architecture and model_type goes to (the most specific first), and
// what their config.json files say about grouped key/value heads, head width, sliding windows, soft-capping and
// positions (Gemma 3 nests its facts under text_config).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { familyOf } from '../../src/core/families/index';
import { parseModelConfig } from '../../src/core/model/modelConfig';
import { LensError } from '../../src/core/types';

const LLAMA_ARCHITECTURES = [
  ['LlamaForCausalLM', 'llama'],
  ['MistralForCausalLM', 'mistral'],
  ['Qwen2ForCausalLM', 'qwen2'],
  ['Qwen3ForCausalLM', 'qwen3'],
  ['Phi3ForCausalLM', 'phi3'],
  ['GemmaForCausalLM', 'gemma'],
  ['Gemma2ForCausalLM', 'gemma2'],
  ['Gemma3ForCausalLM', 'gemma3_text'],
] as const;

describe('familyOf picks the most specific family', () => {
  it('every modern decoder architecture is the Llama family, whatever its model_type says', () => {
    for (const [architecture, modelType] of LLAMA_ARCHITECTURES) {
      assert.equal(familyOf([architecture], modelType)?.name, 'llama', architecture);
      assert.equal(familyOf([architecture], 'gpt2')?.name, 'llama', `${architecture} named beats a foreign model_type`);
    }
  });

  it('every modern decoder model_type is the Llama family where the config names no architecture', () => {
    for (const modelType of ['llama', 'mistral', 'qwen2', 'qwen3', 'phi3', 'gemma', 'gemma2', 'gemma3_text', 'gemma3']) {
      assert.equal(familyOf([], modelType)?.name, 'llama', modelType);
    }
  });

  it('GPT-NeoX and OPT are taken by name and by model_type, not by GPT-2', () => {
    assert.equal(familyOf(['GPTNeoXForCausalLM'], 'gpt_neox')?.name, 'gpt_neox');
    assert.equal(familyOf(['OPTForCausalLM'], 'opt')?.name, 'opt');
    assert.equal(familyOf([], 'gpt_neox')?.name, 'gpt_neox');
    assert.equal(familyOf([], 'opt')?.name, 'opt');
  });

  it('GPT-2 and BERT models still go where they went', () => {
    for (const architecture of ['GPT2LMHeadModel', 'GPTNeoForCausalLM', 'GPTJForCausalLM', 'BloomForCausalLM', 'CodeGenForCausalLM']) {
      assert.equal(familyOf([architecture], '')?.name, 'gpt2', architecture);
    }
    for (const modelType of ['gpt2', 'gpt_neo', 'gptj', 'gpt_bigcode', 'codegen', 'bloom'])
      assert.equal(familyOf([], modelType)?.name, 'gpt2');
    for (const architecture of ['BertForMaskedLM', 'DistilBertForMaskedLM', 'RobertaForMaskedLM', 'BertForPreTraining']) {
      assert.equal(familyOf([architecture], '')?.name, 'bert', architecture);
    }
    assert.equal(familyOf(['FalconForCausalLM'], 'falcon')?.name, 'gpt2', 'a causal LM head no family names falls to the catch-all');
    assert.equal(familyOf(['BertModel', 'LlamaForCausalLM'], 'llama')?.name, 'llama', 'a named architecture beats a pattern');
  });

  it('a vision-language Gemma 3 (its decoder takes image embeddings) is taken by no family', () => {
    assert.equal(familyOf(['Gemma3ForConditionalGeneration'], 'gemma3'), undefined);
  });
});

/** The attention shape keys of a grouped-query config. */
const gqa = (hidden: number, heads: number, kvHeads: number, headDim: number) => ({
  hidden_size: hidden,
  num_attention_heads: heads,
  num_key_value_heads: kvHeads,
  head_dim: headDim,
});

/** A decoder config with Llama's keys; `extra` adds or overrides. */
function decoder(architecture: string, modelType: string, extra: Record<string, unknown> = {}) {
  const base = { architectures: [architecture], model_type: modelType, vocab_size: 1000, max_position_embeddings: 2048 };
  return parseModelConfig({ ...base, hidden_size: 64, num_attention_heads: 8, num_hidden_layers: 4, ...extra }, 'config.json');
}

describe('config.json of modern decoders', () => {
  it('labels say what the model is', () => {
    assert.equal(decoder('LlamaForCausalLM', 'llama').family.label, 'causal LM (Llama family)');
    assert.equal(decoder('GPTNeoXForCausalLM', 'gpt_neox').family.label, 'causal LM (GPT-NeoX family)');
    assert.equal(decoder('OPTForCausalLM', 'opt').family.label, 'causal LM (OPT family)');
  });

  it('key/value heads default to the query heads, the head width to hidden ÷ heads', () => {
    const plain = decoder('LlamaForCausalLM', 'llama');
    assert.deepEqual([plain.heads, plain.kvHeads, plain.headDim, plain.firstPosition], [8, 8, 8, 0]);
    const grouped = decoder('LlamaForCausalLM', 'llama', { num_key_value_heads: 2 });
    assert.deepEqual([grouped.heads, grouped.kvHeads, grouped.headDim], [8, 2, 8]);
    assert.equal(grouped.slidingWindow, undefined);
  });

  it("head_dim from the config wins: Qwen3-0.6B's 128, not 1024 / 16", () => {
    const config = decoder('Qwen3ForCausalLM', 'qwen3', {
      ...gqa(1024, 16, 8, 128),
      num_hidden_layers: 28,
      sliding_window: null,
      use_sliding_window: false,
      max_window_layers: 28,
    });
    assert.deepEqual([config.kvHeads, config.headDim, config.slidingWindow], [8, 128, undefined]);
  });

  it('heads that are not a multiple of the key/value heads are refused', () => {
    assert.throws(
      () => decoder('LlamaForCausalLM', 'llama', { num_key_value_heads: 3 }),
      (e: unknown) => e instanceof LensError && e.code === 'model-invalid' && /8 attention heads, not a multiple of its 3/.test(e.message),
    );
  });

  it('sliding windows: Mistral and Phi-3 in every layer, none when the window is null', () => {
    assert.deepEqual(decoder('MistralForCausalLM', 'mistral', { sliding_window: 4096 }).slidingWindow, {
      size: 4096,
      layers: [0, 1, 2, 3],
    });
    assert.deepEqual(decoder('Phi3ForCausalLM', 'phi3', { sliding_window: 2047 }).slidingWindow, { size: 2047, layers: [0, 1, 2, 3] });
    assert.equal(decoder('MistralForCausalLM', 'mistral', { sliding_window: null }).slidingWindow, undefined);
    assert.equal(decoder('LlamaForCausalLM', 'llama', { sliding_window: 4096 }).slidingWindow, undefined, 'Llama has no sliding layers');
  });

  it('sliding windows: Qwen2 only with use_sliding_window, from layer max_window_layers on', () => {
    const qwen = (extra: Record<string, unknown>) => decoder('Qwen2ForCausalLM', 'qwen2', { sliding_window: 32, ...extra }).slidingWindow;
    assert.equal(qwen({ use_sliding_window: false, max_window_layers: 2 }), undefined);
    assert.deepEqual(qwen({ use_sliding_window: true, max_window_layers: 2 }), { size: 32, layers: [2, 3] });
  });

  it('Gemma 2: even layers slide, scores soft-capped, queries scaled by query_pre_attn_scalar', () => {
    const config = decoder('Gemma2ForCausalLM', 'gemma2', {
      ...gqa(2304, 8, 4, 256),
      sliding_window: 4096,
      attn_logit_softcapping: 50.0,
      final_logit_softcapping: 30.0,
      query_pre_attn_scalar: 256,
    });
    assert.deepEqual(config.slidingWindow, { size: 4096, layers: [0, 2] });
    assert.deepEqual([config.attnSoftcap, config.queryPreAttnScalar, config.kvHeads, config.headDim], [50, 256, 4, 256]);
    assert.equal(config.firstPosition, 0);
  });

  it('Gemma 3: five local layers to one global, positions from 1, no soft-cap when it is null', () => {
    const config = decoder('Gemma3ForCausalLM', 'gemma3_text', {
      num_hidden_layers: 12,
      sliding_window: 512,
      sliding_window_pattern: 6,
      attn_logit_softcapping: null,
      query_pre_attn_scalar: 256,
    });
    assert.deepEqual(config.slidingWindow, { size: 512, layers: [0, 1, 2, 3, 4, 6, 7, 8, 9, 10] });
    assert.deepEqual([config.firstPosition, config.attnSoftcap, config.queryPreAttnScalar], [1, undefined, 256]);
  });

  it('Gemma 3 nested under text_config reads its facts there (model_type gemma3)', () => {
    const text = {
      model_type: 'gemma3_text',
      ...gqa(2560, 8, 4, 256),
      num_hidden_layers: 6,
      sliding_window: 1024,
      vocab_size: 262208,
      max_position_embeddings: 131072,
      query_pre_attn_scalar: 256,
    };
    const config = parseModelConfig({ architectures: ['Gemma3ForCausalLM'], model_type: 'gemma3', text_config: text }, 'config.json');
    const facts = [config.modelType, config.layers, config.heads, config.kvHeads, config.headDim, config.vocabSize, config.maxPositions];
    assert.deepEqual(facts, ['gemma3', 6, 8, 4, 256, 262208, 131072]);
    assert.deepEqual([config.slidingWindow, config.firstPosition], [{ size: 1024, layers: [0, 1, 2, 3, 4] }, 1]);
  });

  it('an explicit layer_types list decides which layers slide', () => {
    const layerTypes = ['full_attention', 'sliding_attention', 'sliding_attention', 'full_attention'];
    const config = decoder('Gemma2ForCausalLM', 'gemma2', { sliding_window: 16, layer_types: layerTypes });
    assert.deepEqual(config.slidingWindow, { size: 16, layers: [1, 2] });
  });

  it('a config without architectures is read by its model_type with the Llama keys', () => {
    const raw = { model_type: 'qwen2', hidden_size: 64, num_attention_heads: 8, num_key_value_heads: 4, num_hidden_layers: 2 };
    const config = parseModelConfig({ ...raw, vocab_size: 10, max_position_embeddings: 8 }, 'config.json');
    assert.deepEqual([config.family.name, config.architecture, config.kvHeads, config.headDim], ['llama', 'qwen2', 4, 8]);
  });

  it('GPT-NeoX and OPT configs read with their own keys', () => {
    const neox = decoder('GPTNeoXForCausalLM', 'gpt_neox', { hidden_size: 512, num_attention_heads: 8, num_hidden_layers: 6 });
    assert.deepEqual([neox.layers, neox.heads, neox.kvHeads, neox.headDim, neox.maxPositions], [6, 8, 8, 64, 2048]);
    const opt = decoder('OPTForCausalLM', 'opt', { hidden_size: 768, num_attention_heads: 12, num_hidden_layers: 12 });
    assert.deepEqual([opt.layers, opt.heads, opt.headDim], [12, 12, 64]);
  });
});
