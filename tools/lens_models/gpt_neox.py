"""GPTNeoXForCausalLM (Pythia, GPT-NeoX-20B) in plain PyTorch, mirroring Hugging Face transformers'
modeling_gpt_neox (v4.53+) operation for operation, with its parameter names:
- one fused query_key_value projection laid out per head ([q | k | v] of head_size each, head after head);
- rotary positions on the first rotary_pct × head_size dims of each head, the rest passed through;
- scores scaled by 1 / √head_size; LayerNorms; GELU feed-forward (dense_h_to_4h, dense_4h_to_h);
- with use_parallel_residual, x + attn(ln1(x)) + mlp(ln2(x)), else x + attn(ln1(x)) then + mlp(ln2(·));
- an output projection embed_out of its own unless tie_word_embeddings.
Attention is eager as llama.probabilities writes it (Softmax → Where(IsNaN) → MatMul with V)."""
from typing import Any

import torch
from torch import Tensor, nn

from .llama import attention_bias, causal_lm_outputs, inverse_frequencies, probabilities, rotary_cos_sin, \
    rotate_half, split_positions

Config = dict[str, Any]


def apply_partial_rotary(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """GPT-NeoX's apply_rotary_pos_emb for one of q, k: rotate the first cos.shape[-1] dims, pass the rest."""
    cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
    rotary_dim = cos.shape[-1]
    x_rot, x_pass = x[..., :rotary_dim], x[..., rotary_dim:]
    return torch.cat([(x_rot * cos) + (rotate_half(x_rot) * sin), x_pass], dim=-1)


class GPTNeoXAttention(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.head_size = c["hidden_size"] // c["num_attention_heads"]
        self.scaling = self.head_size ** -0.5
        bias = c.get("attention_bias", True)
        self.query_key_value = nn.Linear(c["hidden_size"], 3 * c["hidden_size"], bias=bias)
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"], bias=bias)

    def forward(self, h: Tensor, cos_sin: tuple[Tensor, Tensor], mask: Tensor,
                past: tuple[Tensor, Tensor] | None) -> tuple[Tensor, tuple[Tensor, Tensor], Tensor]:
        qkv = self.query_key_value(h).view(*h.shape[:-1], -1, 3 * self.head_size).transpose(1, 2)
        q, k, v = qkv.chunk(3, dim=-1)
        q, k = apply_partial_rotary(q, *cos_sin), apply_partial_rotary(k, *cos_sin)
        if past is not None:
            k, v = torch.cat((past[0], k), dim=-2), torch.cat((past[1], v), dim=-2)
        probs = probabilities(torch.matmul(q, k.transpose(2, 3)) * self.scaling, mask)
        out = torch.matmul(probs, v).transpose(1, 2).contiguous()
        return self.dense(out.reshape(*h.shape[:-1], -1)), (k, v), probs


class GPTNeoXMLP(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.dense_h_to_4h = nn.Linear(c["hidden_size"], c["intermediate_size"])
        self.dense_4h_to_h = nn.Linear(c["intermediate_size"], c["hidden_size"])
        if c["hidden_act"] != "gelu":
            raise ValueError(f"hidden_act {c['hidden_act']}: only Pythia's exact GELU is written here")

    def forward(self, x: Tensor) -> Tensor:
        return self.dense_4h_to_h(nn.functional.gelu(self.dense_h_to_4h(x)))


class GPTNeoXLayer(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.use_parallel_residual = c["use_parallel_residual"]
        self.input_layernorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.post_attention_layernorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.attention = GPTNeoXAttention(c)
        self.mlp = GPTNeoXMLP(c)

    def forward(self, h: Tensor, cos_sin: tuple[Tensor, Tensor], mask: Tensor,
                past: tuple[Tensor, Tensor] | None) -> tuple[Tensor, tuple[Tensor, Tensor], Tensor]:
        attn, present, probs = self.attention(self.input_layernorm(h), cos_sin, mask, past)
        if self.use_parallel_residual:  # x = x + attn(ln1(x)) + mlp(ln2(x))
            return self.mlp(self.post_attention_layernorm(h)) + attn + h, present, probs
        attn = attn + h  # x = x + attn(ln1(x)); x = x + mlp(ln2(x))
        return self.mlp(self.post_attention_layernorm(attn)) + attn, present, probs


class GPTNeoXModel(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.embed_in = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList([GPTNeoXLayer(c) for _ in range(c["num_hidden_layers"])])
        self.final_layer_norm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.config = c
        rotary_ndims = int(c["hidden_size"] // c["num_attention_heads"] * c["rotary_pct"])
        self.register_buffer("inv_freq", inverse_frequencies(rotary_ndims, c["rotary_emb_base"]), persistent=False)

    def forward(self, input_ids: Tensor, attention_mask: Tensor, position_ids: Tensor | None,
                past: tuple[Tensor, ...]) -> tuple[Tensor, list[Tensor], list[Tensor]]:
        q_len = input_ids.shape[1]
        if position_ids is None:  # cache_position: past length + 0..n-1
            position_ids = (torch.arange(q_len) + (attention_mask.shape[1] - q_len))[None, :]
        cos_sin = rotary_cos_sin(self.inv_freq, position_ids)
        mask = attention_bias(attention_mask, q_len, None)
        h, presents, attentions = self.embed_in(input_ids), [], []
        for i, layer in enumerate(self.layers):
            h, present, probs = layer(h, cos_sin, mask, (past[2 * i], past[2 * i + 1]) if past else None)
            presents.extend(present)
            attentions.append(probs)
        return self.final_layer_norm(h), presents, attentions


class GPTNeoXForCausalLM(nn.Module):
    """forward(input_ids, attention_mask, position_ids=None, *past), past k0, v0, k1, v1, … [b, heads, past,
    head_size]; outputs as llama.DecoderForCausalLM's (causal_lm_outputs)."""

    def __init__(self, c: Config) -> None:
        super().__init__()
        self.gpt_neox = GPTNeoXModel(c)
        self.embed_out = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        if c.get("tie_word_embeddings", False):
            self.embed_out.weight = self.gpt_neox.embed_in.weight
        self.with_past, self.return_attentions, self.position_ids_input = False, False, True

    def forward(self, input_ids: Tensor, attention_mask: Tensor, *rest: Tensor | None) -> Tensor | tuple[Any, ...]:
        position_ids, past = split_positions(self, rest)
        h, presents, attentions = self.gpt_neox(input_ids, attention_mask, position_ids, past)
        return causal_lm_outputs(self, self.embed_out(h), presents, attentions)
