"""T5ForConditionalGeneration in plain PyTorch, mirroring Hugging Face transformers' modeling_t5 operation for
operation, with its parameter names: RMS layer norm without bias or mean, attention without 1/sqrt(d) scaling, a
relative position bias computed by the first layer of each stack and shared by the others (bidirectional buckets
in the encoder, causal ones in the decoder), softmax(scores.float()).type_as(scores), ReLU or gated-GELU
feed-forward, and, with tied embeddings, the decoder output scaled by d_model^-0.5 before the vocabulary
projection. The Softmax's output is each layer's attention map. Eval only (no dropout)."""
import math
from typing import Any

import torch
from torch import Tensor, nn

Config = dict[str, Any]
MIN = torch.finfo(torch.float32).min


class T5LayerNorm(nn.Module):
    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        variance = x.to(torch.float32).pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.eps))


def relative_position_bucket(relative: Tensor, bidirectional: bool, num_buckets: int, max_distance: int) -> Tensor:
    """T5Attention._relative_position_bucket: exact buckets for small distances, logarithmic ones up to max_distance."""
    buckets = torch.zeros_like(relative)
    if bidirectional:
        num_buckets //= 2
        buckets = buckets + (relative > 0).to(torch.long) * num_buckets
        relative = torch.abs(relative)
    else:
        relative = -torch.min(relative, torch.zeros_like(relative))
    max_exact = num_buckets // 2
    is_small = relative < max_exact
    large = max_exact + (torch.log(relative.float() / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(is_small, relative, large)


class T5Attention(nn.Module):
    def __init__(self, c: Config, is_decoder: bool, has_bias: bool) -> None:
        super().__init__()
        self.heads, self.d_kv = c["num_heads"], c["d_kv"]
        inner = self.heads * self.d_kv
        self.is_decoder, self.has_relative_attention_bias = is_decoder, has_bias
        self.buckets, self.max_distance = c["relative_attention_num_buckets"], c["relative_attention_max_distance"]
        self.q = nn.Linear(c["d_model"], inner, bias=False)
        self.k = nn.Linear(c["d_model"], inner, bias=False)
        self.v = nn.Linear(c["d_model"], inner, bias=False)
        self.o = nn.Linear(inner, c["d_model"], bias=False)
        if has_bias:
            self.relative_attention_bias = nn.Embedding(self.buckets, self.heads)

    def compute_bias(self, query_length: int, key_length: int, past: int) -> Tensor:
        """[1, heads, query_length, key_length]; the queries are positions past .. past + query_length - 1."""
        context = torch.arange(past, past + query_length, dtype=torch.long)[:, None]
        memory = torch.arange(key_length, dtype=torch.long)[None, :]
        bucket = relative_position_bucket(memory - context, not self.is_decoder, self.buckets, self.max_distance)
        return self.relative_attention_bias(bucket).permute([2, 0, 1]).unsqueeze(0)

    def shape(self, x: Tensor) -> Tensor:
        return x.view(x.shape[0], -1, self.heads, self.d_kv).transpose(1, 2)

    def forward(self, hidden: Tensor, mask: Tensor, position_bias: Tensor | None, key_value: Tensor | None = None,
                past: tuple[Tensor, Tensor] | None = None, cross_past: bool = False):
        """Returns (output, position_bias, (key, value), probabilities). `past`: the cached keys and values; with
        cross_past they are the encoder's, used as they are."""
        q = self.shape(self.q(hidden))
        if cross_past:
            k, v = past
        else:
            source = hidden if key_value is None else key_value
            k, v = self.shape(self.k(source)), self.shape(self.v(source))
            if past is not None:
                k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        scores = torch.matmul(q, k.transpose(3, 2))
        if position_bias is None:
            past_len = k.shape[2] - q.shape[2] if key_value is None else 0
            if self.has_relative_attention_bias:
                position_bias = self.compute_bias(q.shape[2], k.shape[2], past_len)
            else:
                position_bias = torch.zeros((1, self.heads, q.shape[2], k.shape[2]))
            position_bias = position_bias + mask
        scores = scores + position_bias
        probs = nn.functional.softmax(scores.float(), dim=-1).type_as(scores)
        out = torch.matmul(probs, v).transpose(1, 2).contiguous().view(hidden.shape[0], -1, self.heads * self.d_kv)
        return self.o(out), position_bias, (k, v), probs


class T5SubLayer(nn.Module):
    """T5LayerSelfAttention / T5LayerCrossAttention: x + Attention(LayerNorm(x))."""

    def __init__(self, c: Config, is_decoder: bool, has_bias: bool, cross: bool) -> None:
        super().__init__()
        self.attention_name = "EncDecAttention" if cross else "SelfAttention"
        setattr(self, self.attention_name, T5Attention(c, is_decoder, has_bias))
        self.layer_norm = T5LayerNorm(c["d_model"], c["layer_norm_epsilon"])

    def forward(self, hidden: Tensor, mask: Tensor, bias: Tensor | None, **kw):
        attention = getattr(self, self.attention_name)
        out, bias, kv, probs = attention(self.layer_norm(hidden), mask, bias, **kw)
        return hidden + out, bias, kv, probs


class T5LayerFF(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.gated = c["feed_forward_proj"].startswith("gated")
        d, ff = c["d_model"], c["d_ff"]
        dense = nn.Module()
        if self.gated:
            dense.wi_0, dense.wi_1 = nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False)
        else:
            dense.wi = nn.Linear(d, ff, bias=False)
        dense.wo = nn.Linear(ff, d, bias=False)
        self.DenseReluDense = dense
        self.layer_norm = T5LayerNorm(d, c["layer_norm_epsilon"])

    def forward(self, hidden: Tensor) -> Tensor:
        x, dense = self.layer_norm(hidden), self.DenseReluDense
        if self.gated:  # gelu_new (tanh approximation), as transformers' "gated-gelu"
            x = nn.functional.gelu(dense.wi_0(x), approximate="tanh") * dense.wi_1(x)
        else:
            x = torch.relu(dense.wi(x))
        return hidden + dense.wo(x)


class T5Block(nn.Module):
    def __init__(self, c: Config, is_decoder: bool, has_bias: bool) -> None:
        super().__init__()
        layers = [T5SubLayer(c, is_decoder, has_bias, cross=False)]
        if is_decoder:
            layers.append(T5SubLayer(c, is_decoder, False, cross=True))
        layers.append(T5LayerFF(c))
        self.layer = nn.ModuleList(layers)


class T5Stack(nn.Module):
    def __init__(self, c: Config, embed: nn.Embedding, is_decoder: bool) -> None:
        super().__init__()
        self.embed_tokens, self.is_decoder = embed, is_decoder
        n = c["num_decoder_layers"] if is_decoder else c["num_layers"]
        self.block = nn.ModuleList([T5Block(c, is_decoder, i == 0) for i in range(n)])
        self.final_layer_norm = T5LayerNorm(c["d_model"], c["layer_norm_epsilon"])

    def forward(self, ids: Tensor, mask: Tensor, encoder_hidden: Tensor | None = None, encoder_mask: Tensor | None = None,
                past: list[Tensor] | None = None):
        """Returns (hidden, self-attention maps, cross-attention maps, presents: per layer self k, v, cross k, v)."""
        hidden = self.embed_tokens(ids)
        past_len = past[0].shape[2] if past else 0
        extended = (1.0 - mask[:, None, None, :].to(torch.float32)) * MIN
        if self.is_decoder:
            total = past_len + ids.shape[1]
            causal = (torch.arange(total)[None, :] <= torch.arange(past_len, total)[:, None]).to(torch.float32)
            extended = (1.0 - causal[None, None] * torch.ones(1, 1, 1, total)) * MIN
            cross_mask = (1.0 - encoder_mask[:, None, None, :].to(torch.float32)) * MIN
        bias, cross_bias = None, None
        selfs, crosses, presents = [], [], []
        for i, block in enumerate(self.block):
            layer_past = past[4 * i: 4 * i + 4] if past else None
            hidden, bias, kv, probs = block.layer[0](hidden, extended, bias,
                                                     past=tuple(layer_past[:2]) if layer_past else None)
            selfs.append(probs)
            presents += kv
            if self.is_decoder:
                kw = {"past": tuple(layer_past[2:]), "cross_past": True} if layer_past else {"key_value": encoder_hidden}
                hidden, cross_bias, cross_kv, cross_probs = block.layer[1](hidden, cross_mask, cross_bias, **kw)
                crosses.append(cross_probs)
                presents += cross_kv
            hidden = block.layer[-1](hidden)
        return self.final_layer_norm(hidden), selfs, crosses, presents


class T5ForConditionalGeneration(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.config = c
        self.shared = nn.Embedding(c["vocab_size"], c["d_model"])
        self.encoder = T5Stack(c, self.shared, is_decoder=False)
        self.decoder = T5Stack(c, self.shared, is_decoder=True)
        self.lm_head = nn.Linear(c["d_model"], c["vocab_size"], bias=False)
        if c.get("tie_word_embeddings", True):
            self.lm_head.weight = self.shared.weight

    def encode(self, ids: Tensor, mask: Tensor) -> tuple[Tensor, list[Tensor]]:
        hidden, selfs, _, _ = self.encoder(ids, mask)
        return hidden, selfs

    def decode(self, ids: Tensor, encoder_mask: Tensor, encoder_hidden: Tensor, past: list[Tensor] | None = None):
        """(logits, decoder self-attention maps, cross-attention maps, presents)."""
        hidden, selfs, crosses, presents = self.decoder(ids, torch.ones_like(ids), encoder_hidden, encoder_mask, past)
        if self.config.get("tie_word_embeddings", True):
            hidden = hidden * (self.config["d_model"] ** -0.5)
        return self.lm_head(hidden), selfs, crosses, presents
