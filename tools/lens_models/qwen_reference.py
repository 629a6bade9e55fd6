"""Qwen2's forward pass in plain numpy over the same weights as qwen_graph.py builds, written from transformers'
modeling_qwen2.py rather than from the graph, so the two check each other: make_bench_models stores what this
computes at 16 tokens and tools/bench/checkQwen.ts compares onnxruntime's logits with it."""
from typing import Any

import numpy as np

from .qwen_graph import Weight


def _rms(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def _rotate_half(x: np.ndarray) -> np.ndarray:
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def forward(c: dict[str, Any], weight: Weight, ids: list[int], linear: Any = None) -> np.ndarray:
    """Logits [len(ids), vocab] of one sequence without past. `linear(w)` maps each Linear weight [out, in] to
    what is multiplied (the q4 file's dequantized rows; default itself)."""
    lin = linear or (lambda w: w)
    heads, kv, hd, eps = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"], c["rms_norm_eps"]
    s, inter = len(ids), c["intermediate_size"]
    embed = weight("model.embed_tokens.weight", (c["vocab_size"], c["hidden_size"]), "matrix")
    h = embed[ids].astype(np.float64)
    inv_freq = 1.0 / (c["rope_theta"] ** (np.arange(0, hd, 2, dtype=np.float64) / hd))
    freqs = np.arange(s)[:, None] * inv_freq[None, :]
    cos, sin = np.cos(np.concatenate([freqs, freqs], -1)), np.sin(np.concatenate([freqs, freqs], -1))
    causal = np.tril(np.ones((s, s), bool))
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}"

        def proj(name: str, out: int, x: np.ndarray, bias: bool) -> np.ndarray:
            w = lin(weight(f"{p}.{name}.weight", (out, x.shape[-1]), "matrix"))
            y = x @ w.T.astype(np.float64)
            return y + weight(f"{p}.{name}.bias", (out,), "bias") if bias else y

        x = _rms(h, weight(f"{p}.input_layernorm.weight", (c["hidden_size"],), "norm"), eps)
        q = proj("self_attn.q_proj", heads * hd, x, True).reshape(s, heads, hd).transpose(1, 0, 2)
        k = proj("self_attn.k_proj", kv * hd, x, True).reshape(s, kv, hd).transpose(1, 0, 2)
        v = proj("self_attn.v_proj", kv * hd, x, True).reshape(s, kv, hd).transpose(1, 0, 2)
        q, k = q * cos + _rotate_half(q) * sin, k * cos + _rotate_half(k) * sin
        k, v = np.repeat(k, heads // kv, axis=0), np.repeat(v, heads // kv, axis=0)
        scores = np.where(causal, q @ k.transpose(0, 2, 1) / np.sqrt(hd), -np.inf)
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        h = h + proj("self_attn.o_proj", c["hidden_size"], (probs @ v).transpose(1, 0, 2).reshape(s, heads * hd), False)
        x = _rms(h, weight(f"{p}.post_attention_layernorm.weight", (c["hidden_size"],), "norm"), eps)
        gate, up = proj("mlp.gate_proj", inter, x, False), proj("mlp.up_proj", inter, x, False)
        h = h + proj("mlp.down_proj", c["hidden_size"], gate / (1 + np.exp(-gate)) * up, False)
    x = _rms(h, weight("model.norm.weight", (c["hidden_size"],), "norm"), eps)
    return x @ lin(embed).T.astype(np.float64)
