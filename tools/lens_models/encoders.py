"""BERT's encoder relatives as masked LMs in plain PyTorch, mirroring Hugging Face transformers' modeling_roberta,
modeling_distilbert, modeling_albert and modeling_electra operation for operation and parameter name for parameter
name (so their state dicts load into the real classes), with bert.py's pieces where the maths is BERT's:

- RobertaForMaskedLM (also XLM-RoBERTa and CamemBERT, which are the same class): BERT's encoder; position ids
  count the non-padding tokens after the padding index; one token type; lm_head dense → gelu → layer_norm → decoder.
  Its attention can export transformers ≥ 4.53's Where(IsNaN(p), 0, p) after the Softmax (nan_guard).
- DistilBertForMaskedLM: no token types, learned or sinusoidal positions, q scaled before q·kᵀ, masked keys filled
  with the float minimum (a Where before the Softmax), post-norm blocks named sa_layer_norm / output_layer_norm.
- AlbertForMaskedLM: factorised embeddings (embedding_size, then embedding_hidden_mapping_in to the hidden width)
  and ONE layer group whose weights every layer reuses, so the export repeats the same weights num_hidden_layers
  times with one Softmax per layer.
- ElectraForMaskedLM (the generator): BERT's encoder behind embeddings of embedding_size projected to the hidden
  width; generator_predictions dense → gelu → LayerNorm, then generator_lm_head tied to the word embeddings.

Each forward(input_ids, attention_mask[, token_type_ids]) returns logits, or (logits, attentions) when
return_attentions is set, as bert.BertForMaskedLM does."""
import math
from typing import Any

import torch
from torch import Tensor, nn

from .activations import ACTIVATIONS
from .bert import BertEmbeddings, BertEncoder, BertSelfAttention, run_layers

Config = dict[str, Any]


def extended_mask(attention_mask: Tensor) -> Tensor:
    """get_extended_attention_mask: [batch, 1, 1, key], 0 for kept and the float minimum for masked keys."""
    return (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min


def with_attentions(model: nn.Module, logits: Tensor, attentions: list[Tensor]) -> Tensor | tuple[Tensor, list[Tensor]]:
    return (logits, attentions) if model.return_attentions else logits


def embedding_config(c: Config) -> Config:
    """ALBERT's and ELECTRA's embeddings are BERT's at embedding_size wide."""
    return {**c, "hidden_size": c["embedding_size"]}


# RoBERTa ----------------------------------------------------------------------------------------------------

class RobertaEmbeddings(BertEmbeddings):
    def __init__(self, c: Config) -> None:
        super().__init__(c)
        self.padding_idx = c["pad_token_id"]
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"],
                                                padding_idx=self.padding_idx)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor | None) -> Tensor:
        # create_position_ids_from_input_ids: padding keeps padding_idx, the rest count from padding_idx + 1.
        mask = input_ids.ne(self.padding_idx).int()
        position_ids = (torch.cumsum(mask, dim=1).type_as(mask) * mask).long() + self.padding_idx
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(torch.zeros_like(input_ids))
        return self.LayerNorm(embeddings + self.position_embeddings(position_ids))


class RobertaModel(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.embeddings = RobertaEmbeddings(c)
        self.encoder = BertEncoder(c, c["hidden_act"])

    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> tuple[Tensor, list[Tensor]]:
        return self.encoder(self.embeddings(input_ids, None), extended_mask(attention_mask))


class RobertaLMHead(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.layer_norm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.decoder = nn.Linear(c["hidden_size"], c["vocab_size"])
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))
        self.decoder.bias = self.bias

    def forward(self, features: Tensor) -> Tensor:
        return self.decoder(self.layer_norm(nn.functional.gelu(self.dense(features))))


class RobertaForMaskedLM(nn.Module):
    """forward(input_ids, attention_mask): RoBERTa's exports take no token_type_ids."""

    def __init__(self, c: Config, nan_guard: bool = False) -> None:
        super().__init__()
        self.roberta = RobertaModel(c)
        self.lm_head = RobertaLMHead(c)
        self.lm_head.decoder.weight = self.roberta.embeddings.word_embeddings.weight
        for module in self.modules():
            if isinstance(module, BertSelfAttention):
                module.nan_guard = nan_guard
        self.return_attentions = False

    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor | tuple[Tensor, list[Tensor]]:
        hidden_states, attentions = self.roberta(input_ids, attention_mask)
        return with_attentions(self, self.lm_head(hidden_states), attentions)


# DistilBERT -------------------------------------------------------------------------------------------------

def sinusoidal_positions(n_pos: int, dim: int) -> Tensor:
    """create_sinusoidal_embeddings: sin on even columns, cos on odd ones, of pos / 10000^(2⌊j/2⌋/dim)."""
    position_enc = torch.tensor([[pos / math.pow(10000, 2 * (j // 2) / dim) for j in range(dim)] for pos in range(n_pos)],
                                dtype=torch.float64)
    out = torch.empty(n_pos, dim)
    out[:, 0::2] = torch.sin(position_enc[:, 0::2]).float()
    out[:, 1::2] = torch.cos(position_enc[:, 1::2]).float()
    return out


class DistilEmbeddings(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["dim"], padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["dim"])
        self.LayerNorm = nn.LayerNorm(c["dim"], eps=1e-12)
        self.register_buffer("position_ids", torch.arange(c["max_position_embeddings"]).expand((1, -1)))
        self.sinusoidal = c["sinusoidal_pos_embds"]
        self.reset_positions()

    def reset_positions(self) -> None:
        """Sinusoidal positions are fixed values, not weights: set again after any random initialisation."""
        if self.sinusoidal:
            with torch.no_grad():
                self.position_embeddings.weight.copy_(sinusoidal_positions(*self.position_embeddings.weight.shape))

    def forward(self, input_ids: Tensor) -> Tensor:
        positions = self.position_embeddings(self.position_ids[:, :input_ids.size(1)])
        return self.LayerNorm(self.word_embeddings(input_ids) + positions)


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.n_heads, self.dim = c["n_heads"], c["dim"]
        self.q_lin, self.k_lin = nn.Linear(c["dim"], c["dim"]), nn.Linear(c["dim"], c["dim"])
        self.v_lin, self.out_lin = nn.Linear(c["dim"], c["dim"]), nn.Linear(c["dim"], c["dim"])

    def forward(self, x: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        bs, k_length = x.size(0), x.size(1)
        dim_per_head = self.dim // self.n_heads
        shape = lambda t: t.view(bs, -1, self.n_heads, dim_per_head).transpose(1, 2)  # noqa: E731
        q, k, v = shape(self.q_lin(x)), shape(self.k_lin(x)), shape(self.v_lin(x))
        q = q / math.sqrt(dim_per_head)
        scores = torch.matmul(q, k.transpose(2, 3))
        masked = (mask == 0).view(bs, 1, 1, k_length).expand_as(scores)
        scores = scores.masked_fill(masked, torch.tensor(torch.finfo(scores.dtype).min))
        weights = nn.functional.softmax(scores, dim=-1)
        context = torch.matmul(weights, v).transpose(1, 2).contiguous().view(bs, -1, self.n_heads * dim_per_head)
        return self.out_lin(context), weights


class FFN(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.lin1, self.lin2 = nn.Linear(c["dim"], c["hidden_dim"]), nn.Linear(c["hidden_dim"], c["dim"])
        self.activation = ACTIVATIONS[c["activation"]]

    def forward(self, x: Tensor) -> Tensor:
        return self.lin2(self.activation(self.lin1(x)))


class TransformerBlock(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.attention = MultiHeadSelfAttention(c)
        self.sa_layer_norm = nn.LayerNorm(c["dim"], eps=1e-12)
        self.ffn = FFN(c)
        self.output_layer_norm = nn.LayerNorm(c["dim"], eps=1e-12)

    def forward(self, x: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        sa_output, weights = self.attention(x, mask)
        sa_output = self.sa_layer_norm(sa_output + x)
        return self.output_layer_norm(self.ffn(sa_output) + sa_output), weights


class Transformer(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.layer = nn.ModuleList([TransformerBlock(c) for _ in range(c["n_layers"])])

    def forward(self, x: Tensor, mask: Tensor) -> tuple[Tensor, list[Tensor]]:
        return run_layers(self.layer, x, mask)


class DistilBertModel(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.embeddings = DistilEmbeddings(c)
        self.transformer = Transformer(c)

    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> tuple[Tensor, list[Tensor]]:
        return self.transformer(self.embeddings(input_ids), attention_mask)


class DistilBertForMaskedLM(nn.Module):
    """forward(input_ids, attention_mask): DistilBERT has no token types."""

    def __init__(self, c: Config) -> None:
        super().__init__()
        self.activation = ACTIVATIONS[c["activation"]]
        self.distilbert = DistilBertModel(c)
        self.vocab_transform = nn.Linear(c["dim"], c["dim"])
        self.vocab_layer_norm = nn.LayerNorm(c["dim"], eps=1e-12)
        self.vocab_projector = nn.Linear(c["dim"], c["vocab_size"])
        self.vocab_projector.weight = self.distilbert.embeddings.word_embeddings.weight
        self.return_attentions = False

    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor | tuple[Tensor, list[Tensor]]:
        hidden_states, attentions = self.distilbert(input_ids, attention_mask)
        logits = self.vocab_projector(self.vocab_layer_norm(self.activation(self.vocab_transform(hidden_states))))
        return with_attentions(self, logits, attentions)


# ALBERT -----------------------------------------------------------------------------------------------------

class AlbertAttention(BertSelfAttention):
    """BERT's self-attention, with ALBERT's output projection and LayerNorm in the same module."""

    def __init__(self, c: Config) -> None:
        super().__init__(c)
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, hidden_states: Tensor, attention_mask: Tensor | None) -> tuple[Tensor, Tensor]:
        context, probs = super().forward(hidden_states, attention_mask)
        return self.LayerNorm(hidden_states + self.dense(context)), probs


class AlbertLayer(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.full_layer_layer_norm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.attention = AlbertAttention(c)
        self.ffn = nn.Linear(c["hidden_size"], c["intermediate_size"])
        self.ffn_output = nn.Linear(c["intermediate_size"], c["hidden_size"])
        self.activation = ACTIVATIONS[c["hidden_act"]]

    def forward(self, hidden_states: Tensor, attention_mask: Tensor) -> tuple[Tensor, Tensor]:
        attention_output, probs = self.attention(hidden_states, attention_mask)
        ffn_output = self.ffn_output(self.activation(self.ffn(attention_output)))
        return self.full_layer_layer_norm(ffn_output + attention_output), probs


class AlbertLayerGroup(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.albert_layers = nn.ModuleList([AlbertLayer(c) for _ in range(c["inner_group_num"])])

    def forward(self, hidden_states: Tensor, attention_mask: Tensor) -> tuple[Tensor, list[Tensor]]:
        return run_layers(self.albert_layers, hidden_states, attention_mask)


class AlbertTransformer(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.layers, self.groups = c["num_hidden_layers"], c["num_hidden_groups"]
        self.embedding_hidden_mapping_in = nn.Linear(c["embedding_size"], c["hidden_size"])
        self.albert_layer_groups = nn.ModuleList([AlbertLayerGroup(c) for _ in range(self.groups)])

    def forward(self, hidden_states: Tensor, attention_mask: Tensor) -> tuple[Tensor, list[Tensor]]:
        hidden_states = self.embedding_hidden_mapping_in(hidden_states)
        attentions: list[Tensor] = []
        for i in range(self.layers):
            # Layer i runs group ⌊i / (layers / groups)⌋: with one group, every layer the same weights.
            group = self.albert_layer_groups[int(i / (self.layers / self.groups))]
            hidden_states, probs = group(hidden_states, attention_mask)
            attentions += probs
        return hidden_states, attentions


class AlbertModel(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.embeddings = BertEmbeddings(embedding_config(c))
        self.encoder = AlbertTransformer(c)

    def forward(self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor) -> tuple[Tensor, list[Tensor]]:
        return self.encoder(self.embeddings(input_ids, token_type_ids), extended_mask(attention_mask))


class AlbertMLMHead(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.LayerNorm = nn.LayerNorm(c["embedding_size"], eps=c["layer_norm_eps"])
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))
        self.dense = nn.Linear(c["hidden_size"], c["embedding_size"])
        self.decoder = nn.Linear(c["embedding_size"], c["vocab_size"])
        self.decoder.bias = self.bias
        self.activation = ACTIVATIONS[c["hidden_act"]]

    def forward(self, hidden_states: Tensor) -> Tensor:
        return self.decoder(self.LayerNorm(self.activation(self.dense(hidden_states))))


class AlbertForMaskedLM(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.albert = AlbertModel(c)
        self.predictions = AlbertMLMHead(c)
        self.predictions.decoder.weight = self.albert.embeddings.word_embeddings.weight
        self.return_attentions = False

    def forward(self, input_ids: Tensor, attention_mask: Tensor,
                token_type_ids: Tensor) -> Tensor | tuple[Tensor, list[Tensor]]:
        hidden_states, attentions = self.albert(input_ids, attention_mask, token_type_ids)
        return with_attentions(self, self.predictions(hidden_states), attentions)


# ELECTRA ----------------------------------------------------------------------------------------------------

class ElectraModel(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.embeddings = BertEmbeddings(embedding_config(c))
        if c["embedding_size"] != c["hidden_size"]:
            self.embeddings_project = nn.Linear(c["embedding_size"], c["hidden_size"])
        self.encoder = BertEncoder(c, c["hidden_act"])

    def forward(self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor) -> tuple[Tensor, list[Tensor]]:
        hidden_states = self.embeddings(input_ids, token_type_ids)
        if hasattr(self, "embeddings_project"):
            hidden_states = self.embeddings_project(hidden_states)
        return self.encoder(hidden_states, extended_mask(attention_mask))


class ElectraGeneratorPredictions(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.activation = ACTIVATIONS["gelu"]
        self.LayerNorm = nn.LayerNorm(c["embedding_size"], eps=c["layer_norm_eps"])
        self.dense = nn.Linear(c["hidden_size"], c["embedding_size"])

    def forward(self, generator_hidden_states: Tensor) -> Tensor:
        return self.LayerNorm(self.activation(self.dense(generator_hidden_states)))


class ElectraForMaskedLM(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.electra = ElectraModel(c)
        self.generator_predictions = ElectraGeneratorPredictions(c)
        self.generator_lm_head = nn.Linear(c["embedding_size"], c["vocab_size"])
        self.generator_lm_head.weight = self.electra.embeddings.word_embeddings.weight
        self.return_attentions = False

    def forward(self, input_ids: Tensor, attention_mask: Tensor,
                token_type_ids: Tensor) -> Tensor | tuple[Tensor, list[Tensor]]:
        hidden_states, attentions = self.electra(input_ids, attention_mask, token_type_ids)
        return with_attentions(self, self.generator_lm_head(self.generator_predictions(hidden_states)), attentions)
