"""The table of model families: what the tools need to know about a Hugging Face `model_type` to build,
initialise, feed and export it. A new family is a module beside bert.py and gpt2.py plus a row here."""
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from . import bert, gpt2

Config = dict[str, Any]


@dataclass(frozen=True)
class Family:
    model_type: str
    kind: str  # "masked" or "causal": which prediction the extension shows
    model_class: Callable[..., nn.Module]
    make_config: Callable[[int, int, int, int, int, int], Config]
    # The ONNX inputs, in forward()'s order; the third is token_type_ids (zeros) or position_ids (0..n-1).
    input_names: tuple[str, str, str]
    third_input: Callable[[Tensor], Tensor]
    tokenizer: str  # the folder under test/fixtures/tokenizers with this family's tokenizer files
    layers_key: str
    # Parameters whose init is scaled by 1/sqrt(2 * layers), as GPT-2's paper and transformers do.
    scaled_init_suffix: str | None = None

    def build(self, config: Config, **options: Any) -> nn.Module:
        """The model with random weights; options are the class's own (activation, fused_bias)."""
        return self.model_class(config, **options)


def _token_types(ids: Tensor) -> Tensor:
    return torch.zeros_like(ids)


def _positions(ids: Tensor) -> Tensor:
    return torch.arange(ids.shape[1]).unsqueeze(0).expand(ids.shape[0], -1)


FAMILIES: dict[str, Family] = {
    "bert": Family("bert", "masked", bert.BertForMaskedLM, bert.make_config,
                   ("input_ids", "attention_mask", "token_type_ids"), _token_types, "bert-base-uncased",
                   "num_hidden_layers"),
    "gpt2": Family("gpt2", "causal", gpt2.GPT2LMHeadModel, gpt2.make_config,
                   ("input_ids", "attention_mask", "position_ids"), _positions, "gpt2", "n_layer",
                   scaled_init_suffix="c_proj.weight"),
}

KINDS: dict[str, Family] = {f.kind: f for f in FAMILIES.values()}


def family_of(config: Config) -> Family:
    return FAMILIES[config["model_type"]]


def init_weights(model: nn.Module, family: Family, layers: int, std: float = 0.02) -> None:
    """transformers' _init_weights: normal(0, std) matrices and embeddings (padding row zero), zero biases, unit
    LayerNorms; tied weights are drawn once."""
    seen: set[int] = set()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.LayerNorm):
                module.weight.fill_(1.0)
                module.bias.zero_()
                continue
            if not isinstance(module, (nn.Linear, nn.Embedding, gpt2.Conv1D)) or id(module.weight) in seen:
                continue
            seen.add(id(module.weight))
            module.weight.normal_(0.0, std)
            if isinstance(module, nn.Embedding) and module.padding_idx is not None:
                module.weight[module.padding_idx].zero_()
            if getattr(module, "bias", None) is not None:
                module.bias.zero_()
        for name, p in model.named_parameters():
            if family.scaled_init_suffix and name.endswith(family.scaled_init_suffix):
                p.normal_(0.0, std / math.sqrt(2 * layers))


def load_weights(model: nn.Module, state: dict[str, Tensor]) -> None:
    """Loads a state dict that may lack what is not a weight of its own: tied aliases (the output projection),
    the position-id buffer. Every parameter must be there, and nothing the model does not have."""
    missing, unexpected = model.load_state_dict(state, strict=False)
    parameters = {name for name, _ in model.named_parameters()}
    assert not unexpected, f"weights the model does not have: {unexpected}"
    assert not parameters & set(missing), f"parameters the weights lack: {sorted(parameters & set(missing))}"
