"""PyTorch's predictions of the tiny encoder-decoder test models with attention heads ablated, for the head-ablation
golden tests: writes ablation.json beside tiny-t5's, tiny-marian's and tiny-bart's reference.json.

    cd tools && PYTHONPATH=. python3 -m lens_models.seq2seq_ablation_reference ../test/fixtures/models

The models are remade as seq2seq_lens_reference remakes them (checked against reference.json). A head is named by its
attention set ("encoder 0.1": the encoder's self-attention; "decoder 1.0": the decoder's; "cross 1.2": the decoder's
cross-attention) and ablated as ablation_reference.py does, by a forward pre-hook on that attention's output
projection (T5's o, BART's and Marian's out_proj): the head's slice of the merged contexts is zeroed or replaced by its
mean over the query tokens. The target is the first reference case's given one (teacher forcing).
"""
import argparse
import json
import os

import torch
from torch import nn

from .ablation_reference import TOP, ablating, write_ablation
from .logit_lens_reference import check_remade
from .seq2seq_lens_reference import remade

HEADS = 4
# (heads as (set, layer, head), mode): one encoder head, one decoder head, two cross heads, and the mean of one of each.
SPECS: list[tuple[list[tuple[str, int, int]], str]] = [
    ([("encoder", 0, 1)], "zero"),
    ([("decoder", 1, 0)], "zero"),
    ([("cross", 1, 2), ("cross", 0, 0)], "zero"),
    ([("encoder", 1, 3), ("decoder", 0, 2), ("cross", 1, 1)], "mean"),
]


def projections(name: str, model: nn.Module) -> dict[str, list[nn.Module]]:
    """Each set's output projections, in layer order: their input is the set's heads' contexts, merged."""
    if name == "tiny-t5":
        return {"encoder": [b.layer[0].SelfAttention.o for b in model.encoder.block],
                "decoder": [b.layer[0].SelfAttention.o for b in model.decoder.block],
                "cross": [b.layer[1].EncDecAttention.o for b in model.decoder.block]}
    stacks = model.model
    return {"encoder": [layer.self_attn.out_proj for layer in stacks.encoder.layers],
            "decoder": [layer.self_attn.out_proj for layer in stacks.decoder.layers],
            "cross": [layer.encoder_attn.out_proj for layer in stacks.decoder.layers]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", help="the fixtures folder, test/fixtures/models")
    root = parser.parse_args().models
    torch.set_num_threads(2)
    for name, (model, _head) in remade(root).items():
        folder = os.path.join(root, name)
        with open(os.path.join(folder, "reference.json"), encoding="utf-8") as f:
            case = json.load(f)["cases"][0]
        source, target = torch.tensor([case["source_ids"]]), torch.tensor([case["target_ids"]])
        mask = torch.ones_like(source)

        def logits() -> torch.Tensor:
            with torch.no_grad():
                return model.decode(target, mask, model.encode(source, mask)[0])[0][0]

        check_remade(name, logits(), case)
        sets = projections(name, model)
        cases = []
        for spec, mode in SPECS:
            hooks = [projection.register_forward_pre_hook(
                         ablating(HEADS, [h for s, l, h in spec if s == set_name and l == layer], mode))
                     for set_name, layers in sets.items() for layer, projection in enumerate(layers)]
            probabilities = torch.softmax(logits().double(), dim=-1)
            for hook in hooks:
                hook.remove()
            top = torch.topk(probabilities, TOP, dim=-1)
            cases.append({"heads": [f"{s} {l}.{h}" for s, l, h in spec], "mode": mode,
                          "positions": [{"position": p, "top_ids": top.indices[p].tolist(),
                                         "top_probabilities": top.values[p].tolist()} for p in range(target.shape[1])]})
        doc = {"model": name,
               "made_by": f"tools/lens_models/seq2seq_ablation_reference.py: PyTorch {torch.__version__} float32 on CPU, "
                          "the fixture's weights remade from its seed and checked against reference.json",
               "format": "text, target: the first reference case's; cases[i]: heads ablated ('SET L.H', 0-based; sets "
                         "encoder, decoder, cross), mode ('zero': context zeroed; 'mean': replaced by its mean over the "
                         f"query tokens), and at each target position the {TOP} most probable ids and their "
                         "probabilities (softmax in float64)",
               "text": case["source"], "target": case["target"], "target_ids": case["target_ids"], "cases": cases}
        write_ablation(folder, doc)


if __name__ == "__main__":
    main()
