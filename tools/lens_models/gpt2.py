"""GPT2LMHeadModel in plain PyTorch, mirroring Hugging Face transformers' modeling_gpt2 (v4.30) operation for
operation and parameter name for parameter name, with optional past key/values like its ONNX exports. Attention
keeps one plain Softmax per layer ([batch, heads, q, k]), which Attention Lens reads as the attention map."""
import math
from typing import Any

import torch
from torch import Tensor, nn

from .activations import ACTIVATIONS

Config = dict[str, Any]
Past = tuple[Tensor, Tensor]


class Conv1D(nn.Module):
    """GPT-2's transposed linear layer: y = x @ weight + bias, weight shaped [in, out]. Left uninitialised (no
    random draws here): init_weights or the caller sets every value. `fused` is transformers' addmm (exported
    as Gemm); unfused is matmul then add, which rounds differently when the inner size is large (512)."""

    def __init__(self, nf: int, nx: int) -> None:
        super().__init__()
        self.nf = nf
        self.fused = True
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x: Tensor) -> Tensor:
        if not self.fused:
            return torch.matmul(x, self.weight) + self.bias
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


class GPT2Attention(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        n = c["n_positions"]
        self.register_buffer("bias", torch.tril(torch.ones((n, n), dtype=torch.bool)).view(1, 1, n, n),
                             persistent=False)
        self.embed_dim = c["n_embd"]
        self.num_heads = c["n_head"]
        self.head_dim = self.embed_dim // self.num_heads
        self.c_attn = Conv1D(3 * self.embed_dim, self.embed_dim)
        self.c_proj = Conv1D(self.embed_dim, self.embed_dim)

    def _attn(self, query: Tensor, key: Tensor, value: Tensor, attention_mask: Tensor | None) -> tuple[Tensor, Tensor]:
        attn_weights = torch.matmul(query, key.transpose(-1, -2))
        attn_weights = attn_weights / torch.full(
            [], value.size(-1) ** 0.5, dtype=attn_weights.dtype, device=attn_weights.device)
        query_length, key_length = query.size(-2), key.size(-2)
        causal_mask = self.bias[:, :, key_length - query_length : key_length, :key_length]
        mask_value = torch.finfo(attn_weights.dtype).min
        mask_value = torch.full([], mask_value, dtype=attn_weights.dtype).to(attn_weights.device)
        attn_weights = torch.where(causal_mask, attn_weights.to(attn_weights.dtype), mask_value)
        if attention_mask is not None:
            attn_weights = attn_weights + attention_mask
        attn_weights = nn.functional.softmax(attn_weights, dim=-1)
        return torch.matmul(attn_weights, value), attn_weights

    def _split_heads(self, tensor: Tensor) -> Tensor:
        new_shape = tensor.size()[:-1] + (self.num_heads, self.head_dim)
        return tensor.view(new_shape).permute(0, 2, 1, 3)

    def _merge_heads(self, tensor: Tensor) -> Tensor:
        tensor = tensor.permute(0, 2, 1, 3).contiguous()
        return tensor.view(tensor.size()[:-2] + (self.num_heads * self.head_dim,))

    def forward(self, hidden_states: Tensor, layer_past: Past | None,
                attention_mask: Tensor | None) -> tuple[Tensor, Past, Tensor]:
        query, key, value = self.c_attn(hidden_states).split(self.embed_dim, dim=2)
        query = self._split_heads(query)
        key = self._split_heads(key)
        value = self._split_heads(value)
        if layer_past is not None:
            past_key, past_value = layer_past
            key = torch.cat((past_key, key), dim=-2)
            value = torch.cat((past_value, value), dim=-2)
        attn_output, attn_weights = self._attn(query, key, value, attention_mask)
        return self.c_proj(self._merge_heads(attn_output)), (key, value), attn_weights


class GPT2MLP(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        inner = c["n_inner"] if c["n_inner"] is not None else 4 * c["n_embd"]
        self.c_fc = Conv1D(inner, c["n_embd"])
        self.c_proj = Conv1D(c["n_embd"], inner)
        self.act = ACTIVATIONS[c.get("activation_function", "gelu_new")]

    def forward(self, hidden_states: Tensor) -> Tensor:
        return self.c_proj(self.act(self.c_fc(hidden_states)))


class GPT2Block(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(c["n_embd"], eps=c["layer_norm_epsilon"])
        self.attn = GPT2Attention(c)
        self.ln_2 = nn.LayerNorm(c["n_embd"], eps=c["layer_norm_epsilon"])
        self.mlp = GPT2MLP(c)

    def forward(self, hidden_states: Tensor, layer_past: Past | None,
                attention_mask: Tensor | None) -> tuple[Tensor, Past, Tensor]:
        attn_output, present, probs = self.attn(self.ln_1(hidden_states), layer_past, attention_mask)
        hidden_states = attn_output + hidden_states
        hidden_states = hidden_states + self.mlp(self.ln_2(hidden_states))
        return hidden_states, present, probs


class GPT2Model(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.wte = nn.Embedding(c["vocab_size"], c["n_embd"])
        self.wpe = nn.Embedding(c["n_positions"], c["n_embd"])
        self.h = nn.ModuleList([GPT2Block(c) for _ in range(c["n_layer"])])
        self.ln_f = nn.LayerNorm(c["n_embd"], eps=c["layer_norm_epsilon"])

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None, position_ids: Tensor | None,
                past: tuple[Tensor, ...]) -> tuple[Tensor, list[Tensor], list[Tensor]]:
        batch_size = input_ids.size(0)
        mask = None
        if attention_mask is not None:
            # The mask spans past + current keys: [batch, 1, 1, key] with finfo.min on masked keys.
            mask = attention_mask.view(batch_size, -1)[:, None, None, :].to(torch.float32)
            mask = (1.0 - mask) * torch.finfo(torch.float32).min
        if position_ids is None:
            position_ids = torch.arange(input_ids.size(1), device=input_ids.device).unsqueeze(0)
        hidden_states = self.wte(input_ids) + self.wpe(position_ids)
        presents, attentions = [], []
        for i, block in enumerate(self.h):
            layer_past = (past[2 * i], past[2 * i + 1]) if past else None
            hidden_states, present, probs = block(hidden_states, layer_past, mask)
            presents.extend(present)
            attentions.append(probs)
        return self.ln_f(hidden_states), presents, attentions


class GPT2LMHeadModel(nn.Module):
    """forward(input_ids, attention_mask, position_ids, *past) where past is k0, v0, k1, v1, … ([b, h, past, d]).
    Returns logits, or (logits, presents) when with_past, or with attentions too when return_attentions.
    `activation` overrides the config's activation_function and `fused_bias` picks Conv1D's form (see
    embedded.py for who needs either)."""

    def __init__(self, c: Config, with_past: bool = False, activation: str | None = None,
                 fused_bias: bool = True) -> None:
        super().__init__()
        self.transformer = GPT2Model({**c, "activation_function": activation or c.get("activation_function")
                                      or "gelu_new"})
        self.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # tied
        for module in self.modules():
            if isinstance(module, Conv1D):
                module.fused = fused_bias
        self.with_past = with_past
        self.return_attentions = False

    def hidden(self, input_ids: Tensor, attention_mask: Tensor | None = None,
               position_ids: Tensor | None = None) -> Tensor:
        """The final LayerNorm's output; training projects it onto a sampled part of the vocabulary."""
        return self.transformer(input_ids, attention_mask, position_ids, ())[0]

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, position_ids: Tensor | None = None,
                *past: Tensor) -> Tensor | tuple[Tensor, ...]:
        hidden_states, presents, attentions = self.transformer(input_ids, attention_mask, position_ids, past)
        outputs: tuple[Any, ...] = (self.lm_head(hidden_states),)
        if self.with_past:
            outputs += tuple(presents)
        if self.return_attentions:
            outputs += (attentions,)
        return outputs[0] if len(outputs) == 1 else outputs


def make_config(vocab: int, width: int, layers: int, heads: int, ffn: int, max_pos: int) -> Config:
    """The config.json of a GPT-2 the project trains (no dropout, Hugging Face's defaults otherwise)."""
    return {
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": vocab, "n_embd": width,
        "n_layer": layers, "n_head": heads, "n_inner": ffn, "n_positions": max_pos, "n_ctx": max_pos,
        "activation_function": "gelu_new", "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0,
        "layer_norm_epsilon": 1e-5, "initializer_range": 0.02, "scale_attn_weights": True,
        "bos_token_id": 50256, "eos_token_id": 50256, "tie_word_embeddings": True, "use_cache": False,
        "summary_type": "cls_index", "summary_use_proj": True, "summary_activation": None,
        "summary_proj_to_labels": True, "summary_first_dropout": 0.1,
        "torch_dtype": "float32", "transformers_version": "4.46.0",
    }
