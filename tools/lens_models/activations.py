"""The activation functions the families use, by the names Hugging Face configs give them."""
import math
from collections.abc import Callable

import torch
from torch import Tensor, nn


def gelu_python(x: Tensor) -> Tensor:
    """transformers' "gelu_python": the erf form spelled out. Not bit-identical to nn.functional.gelu's fused
    kernel (about 60 % of values differ in the last place), which is why it has a name of its own."""
    return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


def gelu_new(x: Tensor) -> Tensor:
    """GPT-2's tanh approximation of GELU."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "gelu": nn.functional.gelu,
    "gelu_python": gelu_python,
    "gelu_new": gelu_new,
    "swish": nn.functional.silu,
    "silu": nn.functional.silu,
}
