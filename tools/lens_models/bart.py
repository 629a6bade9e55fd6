"""BartForConditionalGeneration in plain PyTorch, mirroring Hugging Face transformers' modeling_bart with its
parameter names. Marian's layers, attention and head (marian.py: post-norm, queries scaled by head_dim^-0.5,
Softmax over [batch * heads, T, S], final_logits_bias) with BART's embeddings: learned positions looked up at
position + 2 (BartLearnedPositionalEmbedding's offset), no sqrt(d_model) scale (scale_embedding false), and
layernorm_embedding after the sum in both stacks. The activation (GELU) comes from the config. Eval only."""
import torch
from torch import Tensor, nn

from .marian import Config, MarianMTModel, MarianStack

# BartLearnedPositionalEmbedding: the first two rows are never used (fairseq's padding offset).
POSITION_OFFSET = 2


class BartLearnedPositionalEmbedding(nn.Embedding):
    def __init__(self, num_positions: int, dim: int) -> None:
        super().__init__(num_positions + POSITION_OFFSET, dim)

    def forward(self, length: int, past: int = 0) -> Tensor:
        return super().forward(torch.arange(past, past + length, dtype=torch.long) + POSITION_OFFSET)


class BartStack(MarianStack):
    """BartEncoder or BartDecoder: Marian's stack with learned positions and layernorm_embedding."""

    def __init__(self, c: Config, embed: nn.Embedding, decoder: bool) -> None:
        super().__init__(c, embed, decoder)
        self.embed_positions = BartLearnedPositionalEmbedding(c["max_position_embeddings"], c["d_model"])
        self.layernorm_embedding = nn.LayerNorm(c["d_model"])

    def embed(self, ids: Tensor, past_len: int) -> Tensor:
        return self.layernorm_embedding(super().embed(ids, past_len))


class BartForConditionalGeneration(MarianMTModel):
    STACK = BartStack
