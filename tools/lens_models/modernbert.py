"""ModernBertForMaskedLM in plain PyTorch, mirroring Hugging Face transformers' modeling_modernbert (v4.48+, eager
attention) operation for operation, with its parameter names: token embeddings → LayerNorm (no position table),
pre-norm layers (layer 0 without attn_norm) with one fused Wqkv, rotary positions (global_rope_theta, or
local_rope_theta on local layers), GeGLU MLP (Wi → gelu(input) · gate → Wo), bias-free norms and linears, final
norm, head (dense → gelu → norm) and a decoder tied to the embeddings. Every global_attn_every_n_layers-th layer
(from layer 0) attends globally; the others add the sliding-window mask, which hides keys further than
local_attention // 2 from the query on either side. Attention is scores · scale + mask → Softmax → MatMul with V;
the Softmax's output [batch, heads, q, k] is the attention map, zero outside a local layer's window."""
from typing import Any

import torch
from torch import Tensor, nn

from .activations import ACTIVATIONS
from .llama import apply_rotary, inverse_frequencies, rotary_cos_sin

Config = dict[str, Any]


class LayerNorm(nn.Module):
    """nn.LayerNorm(bias=config.norm_bias) for PyTorch 1.13, whose LayerNorm always has a bias."""

    def __init__(self, dim: int, eps: float, bias: bool) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim)) if bias else None
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        return nn.functional.layer_norm(x, self.weight.shape, self.weight, self.bias, self.eps)


def norm(c: Config) -> LayerNorm:
    return LayerNorm(c["hidden_size"], c["norm_eps"], c["norm_bias"])


def is_local(c: Config, layer: int) -> bool:
    """ModernBertAttention: a layer slides unless its index is a multiple of global_attn_every_n_layers."""
    return layer % c["global_attn_every_n_layers"] != 0


class ModernBertEmbeddings(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.tok_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"], padding_idx=c["pad_token_id"])
        self.norm = norm(c)

    def forward(self, input_ids: Tensor) -> Tensor:
        return self.norm(self.tok_embeddings(input_ids))


class ModernBertMLP(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.Wi = nn.Linear(c["hidden_size"], 2 * c["intermediate_size"], bias=c["mlp_bias"])
        self.act = ACTIVATIONS[c["hidden_activation"]]
        self.Wo = nn.Linear(c["intermediate_size"], c["hidden_size"], bias=c["mlp_bias"])

    def forward(self, hidden_states: Tensor) -> Tensor:
        input, gate = self.Wi(hidden_states).chunk(2, dim=-1)
        return self.Wo(self.act(input) * gate)


class ModernBertAttention(nn.Module):
    def __init__(self, c: Config, layer: int) -> None:
        super().__init__()
        self.num_heads = c["num_attention_heads"]
        self.head_dim = c["hidden_size"] // self.num_heads
        self.all_head_size = self.head_dim * self.num_heads
        self.Wqkv = nn.Linear(c["hidden_size"], 3 * self.all_head_size, bias=c["attention_bias"])
        self.local = is_local(c, layer)
        base = c["local_rope_theta"] if self.local and c.get("local_rope_theta") is not None else c["global_rope_theta"]
        self.register_buffer("inv_freq", inverse_frequencies(self.head_dim, base), persistent=False)
        self.Wo = nn.Linear(c["hidden_size"], c["hidden_size"], bias=c["attention_bias"])

    def forward(self, hidden_states: Tensor, global_mask: Tensor, sliding_mask: Tensor,
                position_ids: Tensor) -> tuple[Tensor, Tensor]:
        bs = hidden_states.shape[0]
        qkv = self.Wqkv(hidden_states).view(bs, -1, 3, self.num_heads, self.head_dim)
        cos, sin = rotary_cos_sin(self.inv_freq, position_ids)
        query, key, value = qkv.transpose(3, 1).unbind(dim=2)
        query, key = apply_rotary(query, key, cos, sin)
        attn_weights = torch.matmul(query, key.transpose(2, 3)) * self.head_dim ** -0.5
        attn_weights = attn_weights + (sliding_mask if self.local else global_mask)
        attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32)
        attn_output = torch.matmul(attn_weights, value).transpose(1, 2).contiguous().view(bs, -1, self.all_head_size)
        return self.Wo(attn_output), attn_weights


class ModernBertEncoderLayer(nn.Module):
    def __init__(self, c: Config, layer: int) -> None:
        super().__init__()
        self.attn_norm = nn.Identity() if layer == 0 else norm(c)
        self.attn = ModernBertAttention(c, layer)
        self.mlp_norm = norm(c)
        self.mlp = ModernBertMLP(c)

    def forward(self, hidden_states: Tensor, global_mask: Tensor, sliding_mask: Tensor,
                position_ids: Tensor) -> tuple[Tensor, Tensor]:
        attn_output, probs = self.attn(self.attn_norm(hidden_states), global_mask, sliding_mask, position_ids)
        hidden_states = hidden_states + attn_output
        return hidden_states + self.mlp(self.mlp_norm(hidden_states)), probs


class ModernBertModel(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.config = c
        self.embeddings = ModernBertEmbeddings(c)
        self.layers = nn.ModuleList([ModernBertEncoderLayer(c, i) for i in range(c["num_hidden_layers"])])
        self.final_norm = norm(c)

    def masks(self, attention_mask: Tensor) -> tuple[Tensor, Tensor]:
        """_update_attention_mask: the padding mask [batch, 1, q, k] (0 kept, finfo.min hidden, as
        _prepare_4d_attention_mask expands it) and the same with keys beyond local_attention // 2 hidden too."""
        bsz, n = attention_mask.shape
        expanded = attention_mask[:, None, None, :].expand(bsz, 1, n, n).to(torch.float32)
        inverted = 1.0 - expanded
        global_mask = inverted.masked_fill(inverted.to(torch.bool), torch.finfo(torch.float32).min)
        rows = torch.arange(global_mask.shape[2]).unsqueeze(0)
        distance = torch.abs(rows - rows.T)
        window_mask = (distance <= self.config["local_attention"] // 2).unsqueeze(0).unsqueeze(0)
        # ~ is transformers' logical_not() on a bool tensor, which PyTorch 1.13's ONNX exporter lacks.
        sliding_mask = global_mask.masked_fill(~window_mask, torch.finfo(torch.float32).min)
        return global_mask, sliding_mask

    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> tuple[Tensor, list[Tensor]]:
        global_mask, sliding_mask = self.masks(attention_mask)
        position_ids = torch.arange(input_ids.shape[1]).unsqueeze(0)
        hidden_states = self.embeddings(input_ids)
        attentions = []
        for layer in self.layers:
            hidden_states, probs = layer(hidden_states, global_mask, sliding_mask, position_ids)
            attentions.append(probs)
        return self.final_norm(hidden_states), attentions


class ModernBertPredictionHead(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"], bias=c["classifier_bias"])
        self.act = ACTIVATIONS[c["classifier_activation"]]
        self.norm = norm(c)

    def forward(self, hidden_states: Tensor) -> Tensor:
        return self.norm(self.act(self.dense(hidden_states)))


class ModernBertForMaskedLM(nn.Module):
    """forward(input_ids, attention_mask) -> logits, or (logits, attentions) when return_attentions."""

    def __init__(self, c: Config) -> None:
        super().__init__()
        self.model = ModernBertModel(c)
        self.head = ModernBertPredictionHead(c)
        self.decoder = nn.Linear(c["hidden_size"], c["vocab_size"], bias=c["decoder_bias"])
        self.decoder.weight = self.model.embeddings.tok_embeddings.weight  # tied
        self.return_attentions = False

    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor | tuple[Tensor, list[Tensor]]:
        hidden_states, attentions = self.model(input_ids, attention_mask)
        logits = self.decoder(self.head(hidden_states))
        return (logits, attentions) if self.return_attentions else logits
