"""DebertaV2ForMaskedLM (DeBERTa-v2 and v3) in plain PyTorch, mirroring Hugging Face transformers'
modeling_deberta_v2 (v4.46+, legacy MLM head) operation for operation, with its parameter names. Disentangled
attention: content→content scores q·kᵀ plus content→position (c2p: q against the projected relative-position
embeddings, gathered at each pair's bucket) and position→content (p2c), all scaled by 1/√(d · scale_factor), where
scale_factor is 1 plus one per attention type. Relative positions are log-bucketed (position_buckets,
max_relative_positions); with share_att_key the position projections are the query/key ones. As transformers
writes it (and optimum exports it), scores are [batch·heads, q, k], viewed as [batch, heads, q, k] for the mask
and the Softmax, whose output is viewed back (a Reshape) before the MatMul with the values: that Softmax output is
the attention map. token_type_ids are embedded only when type_vocab_size > 0."""
from typing import Any

import torch
from torch import Tensor, nn

from .bert import BertDenseNorm, BertIntermediate, BertOnlyMLMHead

Config = dict[str, Any]


def make_log_bucket_position(relative_pos: Tensor, bucket_size: int, max_position: int) -> Tensor:
    sign = torch.sign(relative_pos)
    mid = bucket_size // 2
    abs_pos = torch.where((relative_pos < mid) & (relative_pos > -mid), torch.tensor(mid - 1).type_as(relative_pos),
                          torch.abs(relative_pos))
    log_pos = torch.ceil(torch.log(abs_pos / mid) / torch.log(torch.tensor((max_position - 1) / mid)) * (mid - 1)) + mid
    return torch.where(abs_pos <= mid, relative_pos.type_as(log_pos), log_pos * sign)


def build_relative_position(query_layer: Tensor, key_layer: Tensor, bucket_size: int, max_position: int) -> Tensor:
    """[1, q, k] relative positions q − k, log-bucketed when bucket_size and max_position are set."""
    q_ids = torch.arange(query_layer.size(-2), dtype=torch.long)
    k_ids = torch.arange(key_layer.size(-2), dtype=torch.long)
    rel_pos_ids = q_ids[:, None] - k_ids[None, :]
    if bucket_size > 0 and max_position > 0:
        rel_pos_ids = make_log_bucket_position(rel_pos_ids, bucket_size, max_position)
    return rel_pos_ids.to(torch.long).unsqueeze(0)


def scaled_size_sqrt(x: Tensor, scale_factor: int) -> Tensor:
    return torch.sqrt(torch.tensor(x.size(-1), dtype=torch.float) * scale_factor)


def max_relative_positions(c: Config) -> int:
    value = c.get("max_relative_positions", -1)
    return value if value >= 1 else c["max_position_embeddings"]


class DisentangledSelfAttention(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.num_attention_heads = c["num_attention_heads"]
        self.attention_head_size = c.get("attention_head_size", c["hidden_size"] // c["num_attention_heads"])
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query_proj = nn.Linear(c["hidden_size"], self.all_head_size, bias=True)
        self.key_proj = nn.Linear(c["hidden_size"], self.all_head_size, bias=True)
        self.value_proj = nn.Linear(c["hidden_size"], self.all_head_size, bias=True)
        self.share_att_key = c.get("share_att_key", False)
        self.pos_att_type = c.get("pos_att_type") or []
        self.relative_attention = c.get("relative_attention", False)
        if self.relative_attention:
            self.position_buckets = c.get("position_buckets", -1)
            self.max_relative_positions = max_relative_positions(c)
            self.pos_ebd_size = self.position_buckets if self.position_buckets > 0 else self.max_relative_positions
            if not self.share_att_key:
                if "c2p" in self.pos_att_type:
                    self.pos_key_proj = nn.Linear(c["hidden_size"], self.all_head_size, bias=True)
                if "p2c" in self.pos_att_type:
                    self.pos_query_proj = nn.Linear(c["hidden_size"], self.all_head_size)

    def transpose_for_scores(self, x: Tensor, attention_heads: int) -> Tensor:
        x = x.view(x.size()[:-1] + (attention_heads, -1))
        return x.permute(0, 2, 1, 3).contiguous().view(-1, x.size(1), x.size(-1))

    def forward(self, hidden_states: Tensor, attention_mask: Tensor, relative_pos: Tensor | None,
                rel_embeddings: Tensor | None) -> tuple[Tensor, Tensor]:
        query_layer = self.transpose_for_scores(self.query_proj(hidden_states), self.num_attention_heads)
        key_layer = self.transpose_for_scores(self.key_proj(hidden_states), self.num_attention_heads)
        value_layer = self.transpose_for_scores(self.value_proj(hidden_states), self.num_attention_heads)
        scale_factor = 1 + ("c2p" in self.pos_att_type) + ("p2c" in self.pos_att_type)
        scale = scaled_size_sqrt(query_layer, scale_factor)
        attention_scores = torch.bmm(query_layer, key_layer.transpose(-1, -2) / scale.to(dtype=query_layer.dtype))
        if self.relative_attention:
            attention_scores = attention_scores + self.disentangled_attention_bias(
                query_layer, key_layer, relative_pos, rel_embeddings, scale_factor)
        attention_scores = attention_scores.view(-1, self.num_attention_heads, attention_scores.size(-2),
                                                 attention_scores.size(-1))
        attention_scores = attention_scores.masked_fill(~(attention_mask.bool()), torch.finfo(query_layer.dtype).min)
        attention_probs = nn.functional.softmax(attention_scores, dim=-1)
        context_layer = torch.bmm(attention_probs.view(-1, attention_probs.size(-2), attention_probs.size(-1)), value_layer)
        context_layer = context_layer.view(-1, self.num_attention_heads, context_layer.size(-2),
                                           context_layer.size(-1)).permute(0, 2, 1, 3).contiguous()
        return context_layer.view(context_layer.size()[:-2] + (-1,)), attention_probs

    def disentangled_attention_bias(self, query_layer: Tensor, key_layer: Tensor, relative_pos: Tensor,
                                    rel_embeddings: Tensor, scale_factor: int) -> Tensor:
        relative_pos = relative_pos.unsqueeze(1)  # [1, q, k] → [1, 1, q, k]
        att_span = self.pos_ebd_size
        rel_embeddings = rel_embeddings[0: att_span * 2, :].unsqueeze(0)
        repeat = query_layer.size(0) // self.num_attention_heads
        query_proj = self.query_proj if self.share_att_key else getattr(self, "pos_query_proj", None)
        key_proj = self.key_proj if self.share_att_key else getattr(self, "pos_key_proj", None)
        score: Tensor | int = 0
        if "c2p" in self.pos_att_type:
            pos_key_layer = self.transpose_for_scores(key_proj(rel_embeddings), self.num_attention_heads).repeat(repeat, 1, 1)
            scale = scaled_size_sqrt(pos_key_layer, scale_factor)
            c2p_att = torch.bmm(query_layer, pos_key_layer.transpose(-1, -2))
            c2p_pos = torch.clamp(relative_pos + att_span, 0, att_span * 2 - 1)
            c2p_att = torch.gather(c2p_att, dim=-1, index=c2p_pos.squeeze(0).expand(
                [query_layer.size(0), query_layer.size(1), relative_pos.size(-1)]))
            score = score + c2p_att / scale.to(dtype=c2p_att.dtype)
        if "p2c" in self.pos_att_type:
            pos_query_layer = self.transpose_for_scores(query_proj(rel_embeddings), self.num_attention_heads).repeat(repeat, 1, 1)
            scale = scaled_size_sqrt(pos_query_layer, scale_factor)
            p2c_pos = torch.clamp(-relative_pos + att_span, 0, att_span * 2 - 1)  # build_rpos: q and k are the same
            p2c_att = torch.bmm(key_layer, pos_query_layer.transpose(-1, -2))
            p2c_att = torch.gather(p2c_att, dim=-1, index=p2c_pos.squeeze(0).expand(
                [query_layer.size(0), key_layer.size(-2), key_layer.size(-2)])).transpose(-1, -2)
            score = score + p2c_att / scale.to(dtype=p2c_att.dtype)
        return score


class DebertaV2Attention(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.self = DisentangledSelfAttention(c)
        self.output = BertDenseNorm(c, c["hidden_size"])

    def forward(self, hidden_states: Tensor, attention_mask: Tensor, relative_pos: Tensor | None,
                rel_embeddings: Tensor | None) -> tuple[Tensor, Tensor]:
        context, probs = self.self(hidden_states, attention_mask, relative_pos, rel_embeddings)
        return self.output(context, hidden_states), probs


class DebertaV2Layer(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.attention = DebertaV2Attention(c)
        self.intermediate = BertIntermediate(c, c["hidden_act"])
        self.output = BertDenseNorm(c, c["intermediate_size"])

    def forward(self, hidden_states: Tensor, attention_mask: Tensor, relative_pos: Tensor | None,
                rel_embeddings: Tensor | None) -> tuple[Tensor, Tensor]:
        attention_output, probs = self.attention(hidden_states, attention_mask, relative_pos, rel_embeddings)
        return self.output(self.intermediate(attention_output), attention_output), probs


class DebertaV2Embeddings(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        width = c.get("embedding_size", c["hidden_size"])
        assert width == c["hidden_size"], "embed_proj (embedding_size != hidden_size) is not mirrored"
        self.word_embeddings = nn.Embedding(c["vocab_size"], width, padding_idx=c.get("pad_token_id", 0))
        self.position_biased_input = c.get("position_biased_input", True)
        if self.position_biased_input:
            self.position_embeddings = nn.Embedding(c["max_position_embeddings"], width)
        if c["type_vocab_size"] > 0:
            self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], width)
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, input_ids: Tensor, token_type_ids: Tensor | None, mask: Tensor) -> Tensor:
        embeddings = self.word_embeddings(input_ids)
        if self.position_biased_input:
            embeddings = embeddings + self.position_embeddings(torch.arange(input_ids.size(1))[None, :])
        if hasattr(self, "token_type_embeddings"):
            types = token_type_ids if token_type_ids is not None else torch.zeros_like(input_ids)
            embeddings = embeddings + self.token_type_embeddings(types)
        embeddings = self.LayerNorm(embeddings)
        return embeddings * mask.unsqueeze(2).to(embeddings.dtype)


class DebertaV2Encoder(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.layer = nn.ModuleList([DebertaV2Layer(c) for _ in range(c["num_hidden_layers"])])
        self.relative_attention = c.get("relative_attention", False)
        if self.relative_attention:
            self.max_relative_positions = max_relative_positions(c)
            self.position_buckets = c.get("position_buckets", -1)
            size = 2 * (self.position_buckets if self.position_buckets > 0 else self.max_relative_positions)
            self.rel_embeddings = nn.Embedding(size, c["hidden_size"])
        self.norm_rel_ebd = [x.strip() for x in c.get("norm_rel_ebd", "none").lower().split("|")]
        if "layer_norm" in self.norm_rel_ebd:
            self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        assert c.get("conv_kernel_size", 0) == 0, "the convolution layer (conv_kernel_size) is not mirrored"

    def forward(self, hidden_states: Tensor, attention_mask: Tensor) -> tuple[Tensor, list[Tensor]]:
        extended = attention_mask.unsqueeze(1).unsqueeze(2)  # get_attention_mask: [batch, 1, q, k]
        mask = extended * extended.squeeze(-2).unsqueeze(-1)
        relative_pos = rel_embeddings = None
        if self.relative_attention:
            relative_pos = build_relative_position(hidden_states, hidden_states, self.position_buckets,
                                                   self.max_relative_positions)
            rel_embeddings = self.rel_embeddings.weight
            if "layer_norm" in self.norm_rel_ebd:
                rel_embeddings = self.LayerNorm(rel_embeddings)
        attentions = []
        for layer in self.layer:
            hidden_states, probs = layer(hidden_states, mask, relative_pos, rel_embeddings)
            attentions.append(probs)
        return hidden_states, attentions


class DebertaV2Model(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.embeddings = DebertaV2Embeddings(c)
        self.encoder = DebertaV2Encoder(c)

    def forward(self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor | None) -> tuple[Tensor, list[Tensor]]:
        return self.encoder(self.embeddings(input_ids, token_type_ids, attention_mask), attention_mask)


class DebertaV2ForMaskedLM(nn.Module):
    """forward(input_ids, attention_mask[, token_type_ids]) -> logits, or (logits, attentions) when return_attentions."""

    def __init__(self, c: Config) -> None:
        super().__init__()
        self.deberta = DebertaV2Model(c)
        self.cls = BertOnlyMLMHead(c, c["hidden_act"])  # the legacy head: BERT's, parameter for parameter
        self.cls.predictions.decoder.weight = self.deberta.embeddings.word_embeddings.weight  # tied
        self.return_attentions = False

    def forward(self, input_ids: Tensor, attention_mask: Tensor,
                token_type_ids: Tensor | None = None) -> Tensor | tuple[Tensor, list[Tensor]]:
        hidden_states, attentions = self.deberta(input_ids, attention_mask, token_type_ids)
        logits = self.cls(hidden_states)
        return (logits, attentions) if self.return_attentions else logits
