"""The embedded models (models/lens-bert-mini, models/lens-gpt2-mini): how the pipeline that trains, exports
and checks them builds a family's model."""
from typing import Any

from torch import nn

from .families import family_of, init_weights

# The embedded models were trained, and their PyTorch references computed, with two forms that round differently
# from the transformers code the tiny test models mirror: lens-bert-mini's GELU written out in Python
# (transformers' "gelu_python"; its config.json says "gelu", whose fused kernel differs in the last bit of about
# 60 % of values) and lens-gpt2-mini's Conv1D as matmul + bias (not addmm). The pipeline keeps those forms, so
# the shipped weights and test/fixtures/defaultModels stay what they were computed with.
TRAINED_AS: dict[str, dict[str, Any]] = {"bert": {"activation": "gelu_python"}, "gpt2": {"fused_bias": False}}


def build(config: dict[str, Any], initialise: bool = False) -> nn.Module:
    """The family's model as the embedded models run it; with initialise, transformers' initial weights."""
    family = family_of(config)
    model = family.build(config, **TRAINED_AS[family.model_type])
    if initialise:
        init_weights(model, family, config[family.layers_key])
    return model
