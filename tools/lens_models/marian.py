"""MarianMTModel in plain PyTorch, mirroring Hugging Face transformers' modeling_marian (the form older BART and
Marian exports carry) with its parameter names: sinusoidal positions (sin in the first half of each row, cos in
the second), embeddings scaled by sqrt(d_model), queries scaled by head_dim^-0.5, scores as a batched MatMul over
[batch * heads, T, S] with the Softmax over that 3-D tensor, post-norm layers (residual, then LayerNorm), the
config's activation_function in the feed-forward (Marian's swish, BART's GELU), the vocabulary projection tied to
the shared embedding plus final_logits_bias. The Softmax's output is each layer's attention map. Eval only."""
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .activations import ACTIVATIONS

Config = dict[str, Any]
MIN = torch.finfo(torch.float32).min


def sinusoidal_table(n_pos: int, dim: int) -> Tensor:
    """MarianSinusoidalPositionalEmbedding._init_weight."""
    position_enc = np.array([[pos / np.power(10000, 2 * (j // 2) / dim) for j in range(dim)] for pos in range(n_pos)])
    out = torch.zeros(n_pos, dim)
    sentinel = dim // 2 if dim % 2 == 0 else (dim // 2) + 1
    out[:, 0:sentinel] = torch.FloatTensor(np.sin(position_enc[:, 0::2]))
    out[:, sentinel:] = torch.FloatTensor(np.cos(position_enc[:, 1::2]))
    return out


class MarianSinusoidalPositionalEmbedding(nn.Embedding):
    def __init__(self, num_positions: int, dim: int) -> None:
        super().__init__(num_positions, dim)
        self.weight = nn.Parameter(sinusoidal_table(num_positions, dim), requires_grad=False)

    def forward(self, length: int, past: int = 0) -> Tensor:
        return super().forward(torch.arange(past, past + length, dtype=torch.long))


class MarianAttention(nn.Module):
    def __init__(self, d_model: int, heads: int) -> None:
        super().__init__()
        self.heads, self.head_dim = heads, d_model // heads
        self.scaling = self.head_dim ** -0.5
        self.k_proj, self.v_proj = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)
        self.q_proj, self.out_proj = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)

    def _shape(self, x: Tensor, bsz: int) -> Tensor:
        return x.view(bsz, -1, self.heads, self.head_dim).transpose(1, 2).contiguous()

    def forward(self, hidden: Tensor, mask: Tensor, key_value: Tensor | None = None,
                past: tuple[Tensor, Tensor] | None = None, cross_past: bool = False):
        """Returns (output, (key, value) as [batch, heads, S, head_dim], probabilities [batch * heads, T, S])."""
        bsz, tgt_len, _ = hidden.shape
        q = self.q_proj(hidden) * self.scaling
        if cross_past:
            k, v = past
        else:
            source = hidden if key_value is None else key_value
            k, v = self._shape(self.k_proj(source), bsz), self._shape(self.v_proj(source), bsz)
            if past is not None:
                k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        proj_shape = (bsz * self.heads, -1, self.head_dim)
        q = self._shape(q, bsz).view(*proj_shape)
        src_len = k.shape[2]
        scores = torch.bmm(q, k.reshape(*proj_shape).transpose(1, 2))
        scores = (scores.view(bsz, self.heads, tgt_len, src_len) + mask).view(bsz * self.heads, tgt_len, src_len)
        probs = nn.functional.softmax(scores, dim=-1)
        out = torch.bmm(probs, v.reshape(*proj_shape))
        out = out.view(bsz, self.heads, tgt_len, self.head_dim).transpose(1, 2).reshape(bsz, tgt_len, -1)
        return self.out_proj(out), (k, v), probs


class MarianLayer(nn.Module):
    """MarianEncoderLayer, or with cross-attention MarianDecoderLayer: post-norm sublayers."""

    def __init__(self, c: Config, decoder: bool) -> None:
        super().__init__()
        d = c["d_model"]
        heads = c["decoder_attention_heads" if decoder else "encoder_attention_heads"]
        ffn = c["decoder_ffn_dim" if decoder else "encoder_ffn_dim"]
        self.self_attn, self.self_attn_layer_norm = MarianAttention(d, heads), nn.LayerNorm(d)
        if decoder:
            self.encoder_attn, self.encoder_attn_layer_norm = MarianAttention(d, heads), nn.LayerNorm(d)
        self.fc1, self.fc2, self.final_layer_norm = nn.Linear(d, ffn), nn.Linear(ffn, d), nn.LayerNorm(d)
        self.activation = ACTIVATIONS[c["activation_function"]]

    def forward(self, hidden: Tensor, mask: Tensor, encoder_hidden: Tensor | None = None, cross_mask: Tensor | None = None,
                past: list[Tensor] | None = None):
        out, kv, probs = self.self_attn(hidden, mask, past=tuple(past[:2]) if past else None)
        hidden = self.self_attn_layer_norm(hidden + out)
        maps, presents = [probs], list(kv)
        if encoder_hidden is not None or past:
            kw = {"past": tuple(past[2:]), "cross_past": True} if past else {"key_value": encoder_hidden}
            out, kv, probs = self.encoder_attn(hidden, cross_mask, **kw)
            hidden = self.encoder_attn_layer_norm(hidden + out)
            maps.append(probs)
            presents += kv
        out = self.fc2(self.activation(self.fc1(hidden)))
        return self.final_layer_norm(hidden + out), maps, presents


class MarianStack(nn.Module):
    def __init__(self, c: Config, embed: nn.Embedding, decoder: bool) -> None:
        super().__init__()
        self.embed_tokens, self.decoder = embed, decoder
        self.embed_scale = c["d_model"] ** 0.5 if c.get("scale_embedding") else 1.0
        self.embed_positions = MarianSinusoidalPositionalEmbedding(c["max_position_embeddings"], c["d_model"])
        n = c["decoder_layers" if decoder else "encoder_layers"]
        self.layers = nn.ModuleList([MarianLayer(c, decoder) for _ in range(n)])

    def embed(self, ids: Tensor, past_len: int) -> Tensor:
        return self.embed_tokens(ids) * self.embed_scale + self.embed_positions(ids.shape[1], past_len)

    def forward(self, ids: Tensor, mask: Tensor, encoder_hidden: Tensor | None = None, encoder_mask: Tensor | None = None,
                past: list[Tensor] | None = None):
        past_len = past[0].shape[2] if past else 0
        hidden = self.embed(ids, past_len)
        if self.decoder:
            total = past_len + ids.shape[1]
            causal = torch.arange(total)[None, :] <= torch.arange(past_len, total)[:, None]
            extended = torch.zeros(1, 1, ids.shape[1], total).masked_fill(~causal[None, None], MIN)
            cross_mask = (1.0 - encoder_mask[:, None, None, :].to(torch.float32)) * MIN
        else:
            extended, cross_mask = (1.0 - mask[:, None, None, :].to(torch.float32)) * MIN, None
        selfs, crosses, presents = [], [], []
        for i, layer in enumerate(self.layers):
            hidden, maps, kv = layer(hidden, extended, encoder_hidden, cross_mask, past[4 * i: 4 * i + 4] if past else None)
            selfs.append(maps[0])
            crosses += maps[1:]
            presents += kv
        return hidden, selfs, crosses, presents


class MarianMTModel(nn.Module):
    STACK = MarianStack

    def __init__(self, c: Config) -> None:
        super().__init__()
        self.config = c
        self.model = nn.Module()
        self.model.shared = nn.Embedding(c["vocab_size"], c["d_model"], c["pad_token_id"])
        self.model.encoder = self.STACK(c, self.model.shared, decoder=False)
        self.model.decoder = self.STACK(c, self.model.shared, decoder=True)
        self.lm_head = nn.Linear(c["d_model"], c["vocab_size"], bias=False)
        self.lm_head.weight = self.model.shared.weight
        self.register_buffer("final_logits_bias", torch.zeros((1, c["vocab_size"])))

    def encode(self, ids: Tensor, mask: Tensor) -> tuple[Tensor, list[Tensor]]:
        hidden, selfs, _, _ = self.model.encoder(ids, mask)
        return hidden, selfs

    def decode(self, ids: Tensor, encoder_mask: Tensor, encoder_hidden: Tensor, past: list[Tensor] | None = None):
        """(logits, decoder self-attention maps, cross-attention maps, presents)."""
        hidden, selfs, crosses, presents = self.model.decoder(ids, torch.ones_like(ids), encoder_hidden, encoder_mask, past)
        return self.lm_head(hidden) + self.final_logits_bias, selfs, crosses, presents
