"""BertForMaskedLM in plain PyTorch, mirroring Hugging Face transformers' modeling_bert (v4.30) operation for
operation and parameter name for parameter name, so that its state dicts load into the real class and its ONNX
export looks like an Optimum export of BERT: attention is MatMul -> Div -> Add(mask) -> Softmax -> MatMul, one
plain Softmax per layer whose output [batch, heads, q, k] Attention Lens reads as the attention map."""
import math
from typing import Any

import torch
from torch import Tensor, nn

from .activations import ACTIVATIONS

Config = dict[str, Any]


class BertEmbeddings(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"], padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        # Persistent, as in v4.30: the export then reads positions from an initializer (a non-persistent
        # buffer becomes a Constant node). load_weights() accepts checkpoints without it.
        self.register_buffer("position_ids", torch.arange(c["max_position_embeddings"]).expand((1, -1)))

    def forward(self, input_ids: Tensor, token_type_ids: Tensor | None) -> Tensor:
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        position_ids = self.position_ids[:, :input_ids.size(1)]
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)
        return self.LayerNorm(embeddings)


class BertSelfAttention(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.num_attention_heads = c["num_attention_heads"]
        self.attention_head_size = c["hidden_size"] // c["num_attention_heads"]
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query = nn.Linear(c["hidden_size"], self.all_head_size)
        self.key = nn.Linear(c["hidden_size"], self.all_head_size)
        self.value = nn.Linear(c["hidden_size"], self.all_head_size)
        # transformers >= 4.53's Where(IsNaN(p), 0, p) after the Softmax (rows with every key masked); encoders.py
        # turns it on for one fixture, so that exporters' pattern is tested.
        self.nan_guard = False

    def transpose_for_scores(self, x: Tensor) -> Tensor:
        new_x_shape = x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)
        return x.view(new_x_shape).permute(0, 2, 1, 3)

    def forward(self, hidden_states: Tensor, attention_mask: Tensor | None) -> tuple[Tensor, Tensor]:
        query_layer = self.transpose_for_scores(self.query(hidden_states))
        key_layer = self.transpose_for_scores(self.key(hidden_states))
        value_layer = self.transpose_for_scores(self.value(hidden_states))
        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2))
        attention_scores = attention_scores / math.sqrt(self.attention_head_size)
        if attention_mask is not None:
            attention_scores = attention_scores + attention_mask
        attention_probs = nn.functional.softmax(attention_scores, dim=-1)
        if self.nan_guard:
            attention_probs = torch.where(torch.isnan(attention_probs), torch.tensor(0.0), attention_probs)
        context_layer = torch.matmul(attention_probs, value_layer)
        context_layer = context_layer.permute(0, 2, 1, 3).contiguous()
        context_layer = context_layer.view(context_layer.size()[:-2] + (self.all_head_size,))
        return context_layer, attention_probs


class BertDenseNorm(nn.Module):
    """dense, then LayerNorm of the sum with the residual: BertSelfOutput and BertOutput, which differ only in
    the dense layer's input width."""

    def __init__(self, c: Config, width_in: int) -> None:
        super().__init__()
        self.dense = nn.Linear(width_in, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, hidden_states: Tensor, input_tensor: Tensor) -> Tensor:
        return self.LayerNorm(self.dense(hidden_states) + input_tensor)


class BertAttention(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertDenseNorm(c, c["hidden_size"])

    def forward(self, hidden_states: Tensor, attention_mask: Tensor | None) -> tuple[Tensor, Tensor]:
        context, probs = self.self(hidden_states, attention_mask)
        return self.output(context, hidden_states), probs


class BertIntermediate(nn.Module):
    def __init__(self, c: Config, act: str) -> None:
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])
        self.act = ACTIVATIONS[act]

    def forward(self, hidden_states: Tensor) -> Tensor:
        return self.act(self.dense(hidden_states))


class BertLayer(nn.Module):
    def __init__(self, c: Config, act: str) -> None:
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c, act)
        self.output = BertDenseNorm(c, c["intermediate_size"])

    def forward(self, hidden_states: Tensor, attention_mask: Tensor | None) -> tuple[Tensor, Tensor]:
        attention_output, probs = self.attention(hidden_states, attention_mask)
        return self.output(self.intermediate(attention_output), attention_output), probs


def run_layers(layers: nn.ModuleList, hidden_states: Tensor,
               attention_mask: Tensor | None) -> tuple[Tensor, list[Tensor]]:
    """Each layer (hidden, mask) -> (hidden, attention probabilities) in turn; the last hidden states and every map."""
    attentions = []
    for layer in layers:
        hidden_states, probs = layer(hidden_states, attention_mask)
        attentions.append(probs)
    return hidden_states, attentions


class BertEncoder(nn.Module):
    def __init__(self, c: Config, act: str) -> None:
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c, act) for _ in range(c["num_hidden_layers"])])

    def forward(self, hidden_states: Tensor, attention_mask: Tensor | None) -> tuple[Tensor, list[Tensor]]:
        return run_layers(self.layer, hidden_states, attention_mask)


class BertModel(nn.Module):
    def __init__(self, c: Config, act: str) -> None:
        super().__init__()
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c, act)

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None,
                token_type_ids: Tensor | None) -> tuple[Tensor, list[Tensor]]:
        extended = None
        if attention_mask is not None:
            # get_extended_attention_mask: [batch, 1, 1, key] with 0 for kept and finfo.min for masked keys.
            extended = attention_mask[:, None, None, :].to(torch.float32)
            extended = (1.0 - extended) * torch.finfo(torch.float32).min
        return self.encoder(self.embeddings(input_ids, token_type_ids), extended)


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, c: Config, act: str) -> None:
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.act = ACTIVATIONS[act]

    def forward(self, hidden_states: Tensor) -> Tensor:
        hidden_states = self.act(self.dense(hidden_states))
        if hidden_states.dtype != torch.float32:
            hidden_states = hidden_states.float()  # under CPU bf16 autocast LayerNorm wants fp32 in
        return self.LayerNorm(hidden_states)


class BertLMPredictionHead(nn.Module):
    def __init__(self, c: Config, act: str) -> None:
        super().__init__()
        self.transform = BertPredictionHeadTransform(c, act)
        self.decoder = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))
        self.decoder.bias = self.bias

    def forward(self, hidden_states: Tensor) -> Tensor:
        return self.decoder(self.transform(hidden_states))


class BertOnlyMLMHead(nn.Module):
    def __init__(self, c: Config, act: str) -> None:
        super().__init__()
        self.predictions = BertLMPredictionHead(c, act)

    def forward(self, sequence_output: Tensor) -> Tensor:
        return self.predictions(sequence_output)


class BertForMaskedLM(nn.Module):
    """forward(input_ids, attention_mask, token_type_ids) -> logits, or (logits, attentions) when
    return_attentions. `activation` overrides the config's hidden_act (see embedded.py for who needs that)."""

    def __init__(self, c: Config, activation: str | None = None) -> None:
        super().__init__()
        act = activation or c["hidden_act"]
        self.bert = BertModel(c, act)
        self.cls = BertOnlyMLMHead(c, act)
        self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight  # tied
        self.return_attentions = False

    def hidden(self, input_ids: Tensor, attention_mask: Tensor | None = None,
               token_type_ids: Tensor | None = None) -> Tensor:
        """The encoder's last hidden states; training projects only the masked positions through head()."""
        return self.bert(input_ids, attention_mask, token_type_ids)[0]

    def head(self, hidden_states: Tensor) -> Tensor:
        return self.cls(hidden_states)

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None,
                token_type_ids: Tensor | None = None) -> Tensor | tuple[Tensor, list[Tensor]]:
        hidden_states, attentions = self.bert(input_ids, attention_mask, token_type_ids)
        logits = self.cls(hidden_states)
        return (logits, attentions) if self.return_attentions else logits


def make_config(vocab: int, width: int, layers: int, heads: int, ffn: int, max_pos: int) -> Config:
    """The config.json of a BERT the project trains (no dropout, Hugging Face's defaults otherwise)."""
    return {
        "architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": vocab, "hidden_size": width,
        "num_hidden_layers": layers, "num_attention_heads": heads, "intermediate_size": ffn,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
        "max_position_embeddings": max_pos, "type_vocab_size": 2, "initializer_range": 0.02,
        "layer_norm_eps": 1e-12, "pad_token_id": 0, "position_embedding_type": "absolute", "use_cache": False,
        "classifier_dropout": None, "torch_dtype": "float32", "transformers_version": "4.46.0",
    }
