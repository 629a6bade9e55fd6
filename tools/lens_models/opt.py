"""OPTForCausalLM (facebook/opt-*) in plain PyTorch, mirroring Hugging Face transformers' modeling_opt (v4.53+)
operation for operation, with its parameter names:
- learned positions: an embedding of max_position_embeddings + 2 rows read at offset 2, the positions counted from
  the attention mask (cumsum(mask) · mask − 1, the past's part cut off), so the graph has no position_ids input;
- word_embed_proj_dim: tokens embedded narrower than hidden_size go through project_in, and project_out brings
  the last hidden state back before the tied lm_head (OPT-350m);
- do_layer_norm_before: LayerNorm before each block (most OPTs) or after the residual sum (OPT-350m), and a final
  LayerNorm only in the first case;
- queries scaled by 1 / √head_dim before the MatMul with the keys; ReLU feed-forward (fc1, fc2).
Attention is eager as llama.probabilities writes it (Softmax → Where(IsNaN) → MatMul with V)."""
from typing import Any

import torch
from torch import Tensor, nn

from .llama import attention_bias, causal_lm_outputs, probabilities, split_positions

Config = dict[str, Any]
POSITION_OFFSET = 2  # OPTLearnedPositionalEmbedding's offset: fairseq kept rows 0 and 1 for padding


class OPTAttention(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        d, bias = c["hidden_size"], c.get("enable_bias", True)
        self.heads = c["num_attention_heads"]
        self.head_dim = d // self.heads
        self.scaling = self.head_dim ** -0.5
        self.q_proj, self.k_proj = nn.Linear(d, d, bias=bias), nn.Linear(d, d, bias=bias)
        self.v_proj, self.out_proj = nn.Linear(d, d, bias=bias), nn.Linear(d, d, bias=bias)

    def _heads(self, x: Tensor) -> Tensor:
        return x.view(*x.shape[:-1], -1, self.head_dim).transpose(1, 2)

    def forward(self, h: Tensor, mask: Tensor,
                past: tuple[Tensor, Tensor] | None) -> tuple[Tensor, tuple[Tensor, Tensor], Tensor]:
        q = self._heads(self.q_proj(h) * self.scaling)
        k, v = self._heads(self.k_proj(h)), self._heads(self.v_proj(h))
        if past is not None:
            k, v = torch.cat((past[0], k), dim=-2), torch.cat((past[1], v), dim=-2)
        probs = probabilities(torch.matmul(q, k.transpose(2, 3)), mask)  # scaling=1.0: q is scaled already
        out = torch.matmul(probs, v).transpose(1, 2).contiguous()
        return self.out_proj(out.reshape(*h.shape[:-1], -1)), (k, v), probs


class OPTDecoderLayer(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        d, bias = c["hidden_size"], c.get("enable_bias", True)
        affine = c.get("layer_norm_elementwise_affine", True)
        self.do_layer_norm_before = c["do_layer_norm_before"]
        self.self_attn = OPTAttention(c)
        self.self_attn_layer_norm = nn.LayerNorm(d, elementwise_affine=affine)
        self.fc1, self.fc2 = nn.Linear(d, c["ffn_dim"], bias=bias), nn.Linear(c["ffn_dim"], d, bias=bias)
        self.final_layer_norm = nn.LayerNorm(d, elementwise_affine=affine)
        if c["activation_function"] != "relu":
            raise ValueError(f"activation_function {c['activation_function']}: every OPT checkpoint uses relu")

    def forward(self, h: Tensor, mask: Tensor,
                past: tuple[Tensor, Tensor] | None) -> tuple[Tensor, tuple[Tensor, Tensor], Tensor]:
        residual = h
        if self.do_layer_norm_before:
            h = self.self_attn_layer_norm(h)
        h, present, probs = self.self_attn(h, mask, past)
        h = residual + h
        if not self.do_layer_norm_before:
            h = self.self_attn_layer_norm(h)
        shape = h.shape
        h = h.reshape(-1, h.size(-1))
        residual = h
        if self.do_layer_norm_before:
            h = self.final_layer_norm(h)
        h = (residual + self.fc2(nn.functional.relu(self.fc1(h)))).view(shape)
        if not self.do_layer_norm_before:
            h = self.final_layer_norm(h)
        return h, present, probs


class OPTDecoder(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        d, proj = c["hidden_size"], c["word_embed_proj_dim"]
        self.embed_tokens = nn.Embedding(c["vocab_size"], proj, c.get("pad_token_id"))
        self.embed_positions = nn.Embedding(c["max_position_embeddings"] + POSITION_OFFSET, d)
        self.project_in = nn.Linear(proj, d, bias=False) if proj != d else None
        self.project_out = nn.Linear(d, proj, bias=False) if proj != d else None
        final = c["do_layer_norm_before"] and not c.get("_remove_final_layer_norm", False)
        affine = c.get("layer_norm_elementwise_affine", True)
        self.final_layer_norm = nn.LayerNorm(d, elementwise_affine=affine) if final else None
        self.layers = nn.ModuleList([OPTDecoderLayer(c) for _ in range(c["num_hidden_layers"])])

    def forward(self, input_ids: Tensor, attention_mask: Tensor, position_ids: Tensor | None,
                past: tuple[Tensor, ...]) -> tuple[Tensor, list[Tensor], list[Tensor]]:
        q_len = input_ids.shape[1]
        past_len = attention_mask.shape[1] - q_len
        if position_ids is None:  # counted from the mask: padding before a token does not advance it
            position_ids = (torch.cumsum(attention_mask, dim=1) * attention_mask - 1).long()[:, past_len:]
        h = self.embed_tokens(input_ids)
        if self.project_in is not None:
            h = self.project_in(h)
        h = h + self.embed_positions(position_ids + POSITION_OFFSET)
        mask = attention_bias(attention_mask, q_len, None)
        presents, attentions = [], []
        for i, layer in enumerate(self.layers):
            h, present, probs = layer(h, mask, (past[2 * i], past[2 * i + 1]) if past else None)
            presents.extend(present)
            attentions.append(probs)
        if self.final_layer_norm is not None:
            h = self.final_layer_norm(h)
        if self.project_out is not None:
            h = self.project_out(h)
        return h, presents, attentions


class OPTModel(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.decoder = OPTDecoder(c)


class OPTForCausalLM(nn.Module):
    """forward(input_ids, attention_mask, *past) as optimum exports OPT (positions from the mask), past k0, v0, …
    [b, heads, past, head_dim]; with position_ids_input True the third argument is position_ids (None: from the
    mask), as the reference cases call it. Outputs as llama.DecoderForCausalLM's (causal_lm_outputs)."""

    def __init__(self, c: Config) -> None:
        super().__init__()
        self.model = OPTModel(c)
        self.lm_head = nn.Linear(c["word_embed_proj_dim"], c["vocab_size"], bias=False)
        if c.get("tie_word_embeddings", True):
            self.lm_head.weight = self.model.decoder.embed_tokens.weight
        self.with_past, self.return_attentions, self.position_ids_input = False, False, True

    def forward(self, input_ids: Tensor, attention_mask: Tensor, *rest: Tensor | None) -> Tensor | tuple[Any, ...]:
        position_ids, past = split_positions(self, rest)
        h, presents, attentions = self.model.decoder(input_ids, attention_mask, position_ids, past)
        return causal_lm_outputs(self, self.lm_head(h), presents, attentions)
