"""LlamaForCausalLM and its descendants in plain PyTorch, mirroring Hugging Face transformers' modeling_llama,
modeling_qwen3, modeling_gemma2 and modeling_gemma3 (v4.53+) operation for operation, with their parameter names.
One module, as transformers' code is one family copied with small changes; the config's model_type switches:
- llama: RMSNorm, rotary embeddings, grouped-query attention (repeat_kv), SwiGLU, explicit head_dim;
- qwen3: plus q_norm / k_norm (RMSNorm over head_dim) before the rotation;
- gemma2: embeddings × sqrt(hidden), RMSNorm × (1 + weight), pre/post feed-forward norms, GELU-tanh gating,
  query_pre_attn_scalar, tanh soft-capping of scores and logits, sliding windows on the layers layer_types says;
- gemma3_text: gemma2 without soft-capping, with q/k norms and a local rotary base on sliding layers.
Attention is eager: scores + mask → Softmax → Where(IsNaN(p), 0, p) → MatMul with V, as transformers ≥ 4.53's
ONNX exports have it; the Softmax's output is the attention map."""
import math
from typing import Any

import torch
from torch import Tensor, nn

Config = dict[str, Any]
GEMMA = ("gemma2", "gemma3_text")
QK_NORM = ("qwen3", "gemma3_text")


class RMSNorm(nn.Module):
    """LlamaRMSNorm (weight × normalized) or, with offset, GemmaRMSNorm (normalized × (1 + weight))."""

    def __init__(self, dim: int, eps: float, offset: bool) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(dim) if offset else torch.ones(dim))
        self.eps, self.offset = eps, offset

    def forward(self, x: Tensor) -> Tensor:
        x = x.to(torch.float32)
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return x * (1.0 + self.weight) if self.offset else self.weight * x


def inverse_frequencies(head_dim: int, base: float) -> Tensor:
    """LlamaRotaryEmbedding's default rope: 1 / base^(2i / d) for i < d/2."""
    return 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))


def rotary_cos_sin(inv_freq: Tensor, position_ids: Tensor) -> tuple[Tensor, Tensor]:
    """cos, sin [batch, seq, head_dim] for position_ids [batch, seq], as LlamaRotaryEmbedding.forward."""
    inv = inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1)
    freqs = (inv @ position_ids[:, None, :].float()).transpose(1, 2)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x: Tensor) -> Tensor:
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary(q: Tensor, k: Tensor, cos: Tensor, sin: Tensor) -> tuple[Tensor, Tensor]:
    cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
    return (q * cos) + (rotate_half(q) * sin), (k * cos) + (rotate_half(k) * sin)


def repeat_kv(x: Tensor, n_rep: int) -> Tensor:
    """[batch, kv_heads, seq, d] → [batch, kv_heads * n_rep, seq, d]: each key/value head serves n_rep query heads."""
    if n_rep == 1:
        return x
    b, kv, s, d = x.shape
    return x[:, :, None, :, :].expand(b, kv, n_rep, s, d).reshape(b, kv * n_rep, s, d)


def layer_types(c: Config) -> list[str]:
    return c.get("layer_types") or ["full_attention"] * c["num_hidden_layers"]


def probabilities(scores: Tensor, mask: Tensor) -> Tensor:
    """transformers' eager_attention_forward from the scaled scores to the weights that multiply V: + mask → Softmax
    → Where(IsNaN(p), 0, p). The Softmax's output, [batch, heads, q, k], is the attention map."""
    # transformers passes dtype=float32, a no-op here that would export as a Cast between Softmax and Where
    probs = nn.functional.softmax(scores + mask, dim=-1)
    return torch.where(torch.isnan(probs), torch.tensor(0.0), probs)  # rows with every key masked


class Attention(nn.Module):
    def __init__(self, c: Config, layer: int) -> None:
        super().__init__()
        self.head_dim = c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]
        self.heads, self.kv_heads = c["num_attention_heads"], c["num_key_value_heads"]
        gemma = c["model_type"] in GEMMA
        self.scaling = (c["query_pre_attn_scalar"] if gemma else self.head_dim) ** -0.5
        self.softcap = c.get("attn_logit_softcapping")
        self.sliding = layer_types(c)[layer] == "sliding_attention"
        bias = c.get("attention_bias", False)
        self.q_proj = nn.Linear(c["hidden_size"], self.heads * self.head_dim, bias=bias)
        self.k_proj = nn.Linear(c["hidden_size"], self.kv_heads * self.head_dim, bias=bias)
        self.v_proj = nn.Linear(c["hidden_size"], self.kv_heads * self.head_dim, bias=bias)
        self.o_proj = nn.Linear(self.heads * self.head_dim, c["hidden_size"], bias=bias)
        if c["model_type"] in QK_NORM:
            self.q_norm = RMSNorm(self.head_dim, c["rms_norm_eps"], gemma)
            self.k_norm = RMSNorm(self.head_dim, c["rms_norm_eps"], gemma)

    def _heads(self, x: Tensor, norm: str) -> Tensor:
        x = x.view(*x.shape[:-1], -1, self.head_dim)
        if hasattr(self, norm):
            x = getattr(self, norm)(x)
        return x.transpose(1, 2)

    def forward(self, h: Tensor, cos_sin: tuple[Tensor, Tensor], mask: Tensor,
                past: tuple[Tensor, Tensor] | None) -> tuple[Tensor, tuple[Tensor, Tensor], Tensor]:
        q, k = apply_rotary(self._heads(self.q_proj(h), "q_norm"), self._heads(self.k_proj(h), "k_norm"), *cos_sin)
        v = self._heads(self.v_proj(h), "")
        if past is not None:
            k, v = torch.cat((past[0], k), dim=-2), torch.cat((past[1], v), dim=-2)
        n_rep = self.heads // self.kv_heads
        scores = torch.matmul(q, repeat_kv(k, n_rep).transpose(2, 3)) * self.scaling
        if self.softcap is not None:
            scores = torch.tanh(scores / self.softcap) * self.softcap
        probs = probabilities(scores, mask)
        out = torch.matmul(probs, repeat_kv(v, n_rep)).transpose(1, 2).contiguous()
        return self.o_proj(out.reshape(*h.shape[:-1], -1)), (k, v), probs


def gelu_tanh(x: Tensor) -> Tensor:
    return nn.functional.gelu(x, approximate="tanh")


class MLP(nn.Module):
    """down(act(gate(x)) * up(x)): SiLU for Llama/Qwen3 (SwiGLU), GELU-tanh for Gemma (GeGLU)."""

    def __init__(self, c: Config) -> None:
        super().__init__()
        d, inner = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(d, inner, bias=False)
        self.up_proj = nn.Linear(d, inner, bias=False)
        self.down_proj = nn.Linear(inner, d, bias=False)
        act = c.get("hidden_activation") or c.get("hidden_act")
        self.act = {"silu": nn.functional.silu, "gelu_pytorch_tanh": gelu_tanh}[act]

    def forward(self, x: Tensor) -> Tensor:
        return self.down_proj(self.act(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c: Config, layer: int) -> None:
        super().__init__()
        gemma, eps, d = c["model_type"] in GEMMA, c["rms_norm_eps"], c["hidden_size"]
        self.self_attn = Attention(c, layer)
        self.mlp = MLP(c)
        self.input_layernorm = RMSNorm(d, eps, gemma)
        self.post_attention_layernorm = RMSNorm(d, eps, gemma)
        if gemma:  # Gemma 2/3 normalise both sides of each block ("sandwich" norms)
            self.pre_feedforward_layernorm = RMSNorm(d, eps, gemma)
            self.post_feedforward_layernorm = RMSNorm(d, eps, gemma)
        self.gemma = gemma

    def forward(self, h: Tensor, cos_sin: tuple[Tensor, Tensor], mask: Tensor,
                past: tuple[Tensor, Tensor] | None) -> tuple[Tensor, tuple[Tensor, Tensor], Tensor]:
        attn, present, probs = self.self_attn(self.input_layernorm(h), cos_sin, mask, past)
        if self.gemma:
            h = h + self.post_attention_layernorm(attn)
            return h + self.post_feedforward_layernorm(self.mlp(self.pre_feedforward_layernorm(h))), present, probs
        h = h + attn
        return h + self.mlp(self.post_attention_layernorm(h)), present, probs


def attention_bias(attention_mask: Tensor, q_len: int, window: int | None) -> Tensor:
    """[batch, 1, q, k] additive mask (0 or -inf): causal, padded keys, and with a window only the last `window`
    keys up to each query (transformers' sliding_window_overlay: k > q - window). Keys span past + current."""
    k_len = attention_mask.shape[1]
    q_pos = torch.arange(q_len)[:, None] + (k_len - q_len)
    k_pos = torch.arange(k_len)[None, :]
    allowed = (k_pos <= q_pos)[None, None] & attention_mask[:, None, None, :].bool()
    if window is not None:
        allowed = allowed & (k_pos > q_pos - window)[None, None]
    return torch.zeros(allowed.shape).masked_fill(~allowed, float("-inf"))


class DecoderModel(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList([DecoderLayer(c, i) for i in range(c["num_hidden_layers"])])
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"], c["model_type"] in GEMMA)
        self.config = c
        head_dim = self.layers[0].self_attn.head_dim
        self.register_buffer("inv_freq", inverse_frequencies(head_dim, c["rope_theta"]), persistent=False)
        local = c.get("rope_local_base_freq")  # Gemma 3's sliding layers rotate with a base of their own
        self.register_buffer("inv_freq_local", inverse_frequencies(head_dim, local or c["rope_theta"]), persistent=False)

    def forward(self, input_ids: Tensor, attention_mask: Tensor, position_ids: Tensor | None,
                past: tuple[Tensor, ...]) -> tuple[Tensor, list[Tensor], list[Tensor]]:
        c, q_len = self.config, input_ids.shape[1]
        if position_ids is None:  # transformers' cache_position: past length + 0..n-1
            position_ids = (torch.arange(q_len) + (attention_mask.shape[1] - q_len))[None, :]
        h = self.embed_tokens(input_ids)
        if c["model_type"] in GEMMA:
            h = h * torch.tensor(c["hidden_size"] ** 0.5, dtype=h.dtype)
        rope = {"full": rotary_cos_sin(self.inv_freq, position_ids),
                "local": rotary_cos_sin(self.inv_freq_local, position_ids)}
        masks = {"full": attention_bias(attention_mask, q_len, None),
                 "local": attention_bias(attention_mask, q_len, c.get("sliding_window"))}
        presents, attentions = [], []
        for i, layer in enumerate(self.layers):
            kind = "local" if layer.self_attn.sliding else "full"
            h, present, probs = layer(h, rope[kind], masks[kind], (past[2 * i], past[2 * i + 1]) if past else None)
            presents.extend(present)
            attentions.append(probs)
        return self.norm(h), presents, attentions


class DecoderForCausalLM(nn.Module):
    """forward(input_ids, attention_mask, position_ids=None, *past) with past k0, v0, k1, v1, … [b, kv_heads, past,
    head_dim]. Returns logits, or (logits, *presents) when with_past, with the attentions appended when
    return_attentions (like gpt2.GPT2LMHeadModel). With position_ids_input False the signature has no position_ids
    (forward(input_ids, attention_mask, *past)), as Gemma 2's exports; positions then count from the past length."""

    def __init__(self, c: Config, with_past: bool = False) -> None:
        super().__init__()
        self.model = DecoderModel(c)
        self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        if c.get("tie_word_embeddings", False):
            self.lm_head.weight = self.model.embed_tokens.weight
        self.final_softcap = c.get("final_logit_softcapping")
        self.with_past = with_past
        self.return_attentions = False
        self.position_ids_input = True

    def forward(self, input_ids: Tensor, attention_mask: Tensor, *rest: Tensor | None) -> Tensor | tuple[Any, ...]:
        position_ids, past = split_positions(self, rest)
        h, presents, attentions = self.model(input_ids, attention_mask, position_ids, past)
        logits = self.lm_head(h)
        if self.final_softcap is not None:
            logits = torch.tanh(logits / self.final_softcap) * self.final_softcap
        return causal_lm_outputs(self, logits, presents, attentions)


def split_positions(model: nn.Module, rest: tuple[Any, ...]) -> tuple[Tensor | None, tuple[Tensor, ...]]:
    """A causal LM's arguments after input_ids and attention_mask: position_ids (when model.position_ids_input;
    None: counted from the mask or the past length) and the pasts k0, v0, k1, v1, …"""
    if not model.position_ids_input:
        return None, rest
    return (rest[0] if rest else None), rest[1:]


def causal_lm_outputs(model: nn.Module, logits: Tensor, presents: list[Tensor],
                      attentions: list[Tensor]) -> Tensor | tuple[Any, ...]:
    """logits alone, or with the presents (model.with_past) and the list of attentions (model.return_attentions)."""
    outputs: tuple[Any, ...] = (logits,)
    if model.with_past:
        outputs += tuple(presents)
    if model.return_attentions:
        outputs += (attentions,)
    return outputs[0] if len(outputs) == 1 else outputs


def randomize(model: DecoderForCausalLM) -> None:
    """Random weights far from uniform attention: projections N(0, (1.5 / sqrt(fan_in))²) so scores have a spread
    of a few units whatever the width; embeddings N(0, 0.5²) (Gemma's scaled to rms 1); norm weights near their identity (1, or 0 for
    Gemma's 1 + weight) but not equal to it, so a missed or doubled norm shows."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, RMSNorm):
                module.weight.copy_((0.0 if module.offset else 1.0) + 0.1 * torch.randn_like(module.weight))
            elif isinstance(module, nn.Embedding):  # Gemma multiplies by sqrt(hidden): rms 1 after that
                gemma = model.model.config["model_type"] in GEMMA
                module.weight.normal_(0.0, module.embedding_dim ** -0.5 if gemma else 0.5)
            elif isinstance(module, nn.Linear) and module is not model.lm_head:
                module.weight.normal_(0.0, 1.5 / math.sqrt(module.in_features))
                if module.bias is not None:
                    module.bias.normal_(0.0, 0.1)
        if model.lm_head.weight is not model.model.embed_tokens.weight:
            model.lm_head.weight.normal_(0.0, 1.0 / math.sqrt(model.lm_head.in_features))
