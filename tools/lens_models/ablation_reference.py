"""PyTorch's predictions with attention heads ablated, for the head-ablation golden tests: writes ablation.json beside
tiny-bert's, tiny-gpt2's and tiny-llama's (grouped-query: 4 query heads share 2 key/value heads) reference.json.

    cd tools && PYTHONPATH=. python3 -m lens_models.ablation_reference [../test/fixtures/models]

Each model is rebuilt from the seed its maker used and checked against its reference.json's logits first. A head is
ablated by a forward pre-hook on the layer's output projection (BertSelfOutput.dense, GPT-2's attn.c_proj, Llama's
o_proj), whose input is the heads' contexts merged as [batch, tokens, heads × head_dim]: the head's slice is zeroed
('zero') or replaced by its mean over the tokens ('mean'), which is what the extension's head gate does before the
merge (src/core/onnx/headGate.ts).
"""
import json
import os
import sys
from collections.abc import Callable

import torch
from torch import Tensor, nn

from .decoder_configs import decoder_config
from .families import FAMILIES
from .hub_folder import TOKENIZERS
from .llama import DecoderForCausalLM
from .llama import randomize as randomize_decoder
from .make_decoder_models import FIXTURES, SEED as DECODER_SEED, positions_of, tokenizer_facts
from .make_test_models import SEED as TEST_SEED
from .test_references import randomize
from .tiny_configs import BERT_CONFIG, GPT2_CONFIG

TOP = 10
# (heads as (layer, head), mode): one head, heads of both layers, a whole layer, and the mean of two heads.
SPECS: list[tuple[list[tuple[int, int]], str]] = [
    ([(0, 1)], "zero"),
    ([(0, 0), (1, 2), (1, 3)], "zero"),
    ([(1, 0), (1, 1), (1, 2), (1, 3)], "zero"),
    ([(0, 2), (1, 1)], "mean"),
]


def tiny_bert() -> nn.Module:
    torch.manual_seed(TEST_SEED)
    model = FAMILIES["bert"].build(BERT_CONFIG).eval()
    randomize(model)
    return model


def tiny_gpt2() -> nn.Module:
    torch.manual_seed(TEST_SEED + 1)
    model = FAMILIES["gpt2"].build(GPT2_CONFIG).eval()
    randomize(model)
    return model


def tiny_llama() -> nn.Module:
    index, fixture = next((i, f) for i, f in enumerate(FIXTURES) if f.name == "tiny-llama")
    torch.manual_seed(DECODER_SEED + index)
    vocab, special = tokenizer_facts(os.path.join(TOKENIZERS, fixture.tokenizer))
    model = DecoderForCausalLM(decoder_config(fixture.model_type, vocab, special)).eval()
    randomize_decoder(model)
    return model


# name → (model maker, the projections that read each layer's merged contexts, third input, heads, masked?)
MODELS: dict[str, tuple[Callable[[], nn.Module], Callable[[nn.Module], list[nn.Module]],
                        Callable[[Tensor], Tensor | None], int, bool]] = {
    "tiny-bert": (tiny_bert, lambda m: [layer.attention.output.dense for layer in m.bert.encoder.layer],
                  FAMILIES["bert"].third_input, BERT_CONFIG["num_attention_heads"], True),
    "tiny-gpt2": (tiny_gpt2, lambda m: [block.attn.c_proj for block in m.transformer.h],
                  FAMILIES["gpt2"].third_input, GPT2_CONFIG["n_head"], False),
    "tiny-llama": (tiny_llama, lambda m: [layer.self_attn.o_proj for layer in m.model.layers],
                   positions_of(FIXTURES[0]), 4, False),
}


def ablating(heads: int, ablated: list[int], mode: str) -> Callable[[nn.Module, tuple[Tensor, ...]], tuple[Tensor, ...]]:
    """A pre-hook that zeroes, or replaces by the mean over tokens, the given heads' slices of the merged contexts."""
    def hook(_module: nn.Module, args: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        merged = args[0]
        context = merged.reshape(*merged.shape[:-1], heads, -1).clone()
        for h in ablated:
            context[..., h, :] = context[..., h, :].mean(dim=-2, keepdim=True) if mode == "mean" else 0.0
        return (context.reshape(merged.shape), *args[1:])
    return hook


def logits_of(model: nn.Module, ids: list[int], third: Callable[[Tensor], Tensor | None]) -> Tensor:
    t = torch.tensor([ids])
    extra = third(t)
    with torch.no_grad():
        out = model(t, torch.ones_like(t), *([] if extra is None else [extra]))
    return (out[0] if isinstance(out, tuple) else out)[0]


def check_rebuilt(name: str, logits: Tensor, case: dict) -> None:
    """The rebuilt model's logits are the fixture's: its reference.json's top logits at every position."""
    worst = max(abs(logits[p, i].item() - v) for p, (ids, values) in enumerate(zip(case["top_ids"], case["top_logits"]))
                for i, v in zip(ids, values))
    assert worst < 1e-4, f"{name}: the rebuilt model differs from the fixture's reference by {worst}"


def write_ablation(folder: str, doc: dict) -> None:
    """Writes a fixture's ablation.json (the format the unit tests read) and says how many cases it holds."""
    with open(os.path.join(folder, "ablation.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"{doc['model']}: {len(doc['cases'])} ablation cases")


def main() -> None:
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join("..", "test", "fixtures", "models")
    torch.set_num_threads(2)
    for name, (make, projections, third, heads, masked) in MODELS.items():
        folder = os.path.join(root, name)
        with open(os.path.join(folder, "reference.json"), encoding="utf-8") as f:
            reference = json.load(f)
        model = make()
        cases = []
        # Two texts; a masked LM's with a [MASK] (the positions it predicts at).
        for case in [c for c in reference["cases"] if not masked or 103 in c["input_ids"]][:2]:
            ids = case["input_ids"]
            check_rebuilt(name, logits_of(model, ids, third), case)
            positions = [p for p, i in enumerate(ids) if i == 103] if masked else list(range(len(ids)))
            for spec, mode in SPECS:
                hooks = [projection.register_forward_pre_hook(ablating(heads, [h for l, h in spec if l == layer], mode))
                         for layer, projection in enumerate(projections(model))]
                probabilities = torch.softmax(logits_of(model, ids, third).double(), dim=-1)
                for hook in hooks:
                    hook.remove()
                top = [torch.topk(probabilities[p], TOP) for p in positions]
                cases.append({"text": case["text"], "input_ids": ids, "heads": [f"{l}.{h}" for l, h in spec], "mode": mode,
                              "positions": [{"position": p, "top_ids": t.indices.tolist(), "top_probabilities": t.values.tolist()}
                                            for p, t in zip(positions, top)]})
        doc = {"model": name,
               "made_by": f"tools/lens_models/ablation_reference.py: PyTorch {torch.__version__} float32 on CPU, the "
                          "fixture's weights rebuilt from its seed and checked against reference.json",
               "format": "cases[i]: heads ablated ('L.H', 0-based), mode ('zero': context zeroed; 'mean': replaced by its "
                         f"mean over the tokens), and at each predicted position (masked LM: each [MASK]; causal: every "
                         f"position) the {TOP} most probable ids and their probabilities (softmax in float64)",
               "cases": cases}
        write_ablation(folder, doc)


if __name__ == "__main__":
    main()
