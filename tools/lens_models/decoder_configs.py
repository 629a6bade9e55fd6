"""The config.json of each tiny decoder test model: the real models' keys (Llama 3.2, Qwen3, Gemma 2, Gemma 3 1B,
Pythia, OPT-350m) shrunk to a few layers, with the vocabulary of the fixture tokenizer each uses. Values chosen so the
tests see every feature: head_dim ≠ hidden / heads, fewer key/value heads than query heads, a sliding window of 4
tokens, soft-caps small enough that tanh bends the scores. head_dim is a multiple of 16, which onnxruntime's
GroupQueryAttention needs to rotate (do_rotary=1). Llama and Qwen3 are 16 wide because their vocabulary is GPT-2's
50,259 ids: the tied embedding table is most of each file."""
from typing import Any

Config = dict[str, Any]
MAX_POSITIONS = 128

_COMMON = {
    "attention_bias": False, "attention_dropout": 0.0, "initializer_range": 0.02, "max_position_embeddings": MAX_POSITIONS,
    "rms_norm_eps": 1e-6, "torch_dtype": "float32", "transformers_version": "4.53.0", "use_cache": True,
}

_FAMILIES: dict[str, Config] = {
    "llama": {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu", "hidden_size": 16,
        "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
        "head_dim": 16, "rope_theta": 500000.0, "rope_scaling": None, "tie_word_embeddings": True,
        "mlp_bias": False, "pretraining_tp": 1, "rms_norm_eps": 1e-5,
    },
    "qwen3": {
        "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_act": "silu", "hidden_size": 16,
        "intermediate_size": 48, "num_hidden_layers": 3, "num_attention_heads": 4, "num_key_value_heads": 1,
        "head_dim": 16, "rope_theta": 1000000.0, "rope_scaling": None, "tie_word_embeddings": True,
        "sliding_window": None, "use_sliding_window": False, "max_window_layers": 3,
    },
    "gemma2": {
        "architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2", "hidden_activation": "gelu_pytorch_tanh",
        "hidden_act": "gelu_pytorch_tanh", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32, "query_pre_attn_scalar": 24,
        "rope_theta": 10000.0, "attn_logit_softcapping": 5.0, "final_logit_softcapping": 8.0, "sliding_window": 4,
        "layer_types": ["sliding_attention", "full_attention"], "cache_implementation": "hybrid",
        "tie_word_embeddings": True,
    },
    "gemma3_text": {
        "architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "hidden_activation": "gelu_pytorch_tanh",
        "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 3, "num_attention_heads": 4,
        "num_key_value_heads": 1, "head_dim": 32, "query_pre_attn_scalar": 32, "rope_theta": 1000000.0,
        "rope_local_base_freq": 10000.0, "rope_scaling": None, "attn_logit_softcapping": None,
        "final_logit_softcapping": None, "sliding_window": 4, "sliding_window_pattern": 3,
        "layer_types": ["sliding_attention", "sliding_attention", "full_attention"], "cache_implementation": "hybrid",
        "tie_word_embeddings": True,
    },
}


# GPT-NeoX and OPT name their keys otherwise (no num_key_value_heads, head_dim or rms_norm_eps), so they share
# nothing of _COMMON. GPT-NeoX as Pythia's configs: partial rotary (half of each 8-wide head here, a quarter in
# Pythia), parallel residual, an untied output projection. OPT as OPT-350m's: LayerNorm after each block and
# tokens embedded 16 wide, projected in and out of the 32-wide blocks.
_LAYER_NORM_DECODERS: dict[str, Config] = {
    "gpt_neox": {
        "architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "hidden_act": "gelu", "hidden_size": 16,
        "intermediate_size": 64, "num_hidden_layers": 3, "num_attention_heads": 2, "rotary_pct": 0.5,
        "rotary_emb_base": 10000, "use_parallel_residual": True, "attention_bias": True, "attention_dropout": 0.0,
        "hidden_dropout": 0.0, "layer_norm_eps": 1e-5, "initializer_range": 0.02, "max_position_embeddings": MAX_POSITIONS,
        "tie_word_embeddings": False, "torch_dtype": "float32", "transformers_version": "4.53.0", "use_cache": True,
    },
    "opt": {
        "architectures": ["OPTForCausalLM"], "model_type": "opt", "activation_function": "relu", "hidden_size": 32,
        "word_embed_proj_dim": 16, "ffn_dim": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "do_layer_norm_before": False, "enable_bias": True, "layer_norm_elementwise_affine": True, "dropout": 0.0,
        "attention_dropout": 0.0, "activation_dropout": 0.0, "layerdrop": 0.0, "init_std": 0.02,
        "max_position_embeddings": MAX_POSITIONS, "prefix": "</s>", "torch_dtype": "float32",
        "transformers_version": "4.53.0", "use_cache": True,
    },
}


def decoder_config(model_type: str, vocab_size: int, special: dict[str, int]) -> Config:
    """The config of one family; `special` gives bos/eos/pad ids from the tokenizer."""
    base = _LAYER_NORM_DECODERS.get(model_type) or {**_COMMON, **_FAMILIES[model_type]}
    return {**base, "vocab_size": vocab_size, **special}
