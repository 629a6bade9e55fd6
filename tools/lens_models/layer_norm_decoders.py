"""The tiny GPT-NeoX and OPT test models: built from their configs with random weights, for make_decoder_models
(the Llama family's are llama.DecoderForCausalLM and llama.randomize)."""
import math
from typing import Any

import torch
from torch import nn

from .gpt_neox import GPTNeoXForCausalLM
from .opt import OPTForCausalLM

Config = dict[str, Any]
# Each family's class and the attribute holding its output projection.
MODELS: dict[str, tuple[type[nn.Module], str]] = {
    "gpt_neox": (GPTNeoXForCausalLM, "embed_out"),
    "opt": (OPTForCausalLM, "lm_head"),
}


def build(config: Config) -> nn.Module:
    """The model of config's model_type in eval mode with randomize's weights."""
    model_class, head = MODELS[config["model_type"]]
    model = model_class(config).eval()
    randomize(model, getattr(model, head))
    return model


def randomize(model: nn.Module, head: nn.Linear) -> None:
    """Weights far from uniform attention, as llama.randomize draws them: projections N(0, (1.5 / √fan_in)²),
    biases N(0, 0.1²), embeddings N(0, 0.5²) (positions too), LayerNorms 1 + N(0, 0.1²) and bias N(0, 0.1²) so a
    missed or misplaced norm shows; an untied output projection as a tied one would be. Tied weights are drawn once."""
    seen: set[int] = set()
    with torch.no_grad():
        for module in model.modules():
            weight = getattr(module, "weight", None)
            if weight is None or id(weight) in seen:
                continue
            seen.add(id(weight))
            if isinstance(module, nn.LayerNorm):
                module.weight.copy_(1.0 + 0.1 * torch.randn_like(module.weight))
            elif isinstance(module, nn.Embedding) or module is head:
                module.weight.normal_(0.0, 0.5)
            elif isinstance(module, nn.Linear):
                module.weight.normal_(0.0, 1.5 / math.sqrt(module.in_features))
            bias = getattr(module, "bias", None)
            if bias is not None:
                bias.normal_(0.0, 0.1)
