"""The query·key golden of a tiny test model: for the first text of its reference.json, every layer's and head's
queries and keys as the scores product reads them (after rotary embedding where the family has one) and the
scores that go into the Softmax, computed by the family's PyTorch definition with the weights of the fixture's
own ONNX file. Written beside the fixture as query_key.json, for the query·key view's unit test:

    cd tools && PYTHONPATH=. python3 -m lens_models.query_key_reference ../test/fixtures/models/tiny-llama

The scores product is the matmul of two activations that comes last before each attention Softmax (q · kᵀ; a
grouped-query model's keys are already repeated for each query head there); its inputs and the Softmax's input
are recorded by wrapping torch.matmul and softmax during the forward pass, so the definitions stay untouched.
"""
import argparse
import json
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import Tensor, nn

from .families import FAMILIES, load_weights
from .llama import DecoderForCausalLM

DECIMALS = 7


def onnx_weights(path: str) -> dict[str, Tensor]:
    """Every initializer by its Hugging Face name: a bias-less Linear's weight, which torch.onnx names
    `onnx::MatMul_N` (stored transposed), takes the name of the module its MatMul node belongs to."""
    graph = onnx.load(path).graph
    matmul_of = {i: n for n in graph.node if n.op_type == "MatMul" for i in n.input}
    state = {}
    for t in graph.initializer:
        value = torch.from_numpy(np.array(numpy_helper.to_array(t)))
        if not t.name.startswith("onnx::MatMul"):
            state[t.name] = value
            continue
        module = matmul_of[t.name].name.strip("/").rsplit("/", 1)[0].replace("/", ".")
        state[module + ".weight"] = value.T.contiguous()
    return state


def build(folder: str) -> tuple[nn.Module, bool]:
    """The fixture's model with its weights, and whether it is causal (BERT, GPT-2, or llama.py's decoders)."""
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    family = FAMILIES.get(config["model_type"])
    model = family.build(config) if family else DecoderForCausalLM(config)
    load_weights(model, onnx_weights(os.path.join(folder, "onnx", "model.onnx")))
    return model.eval(), family is None or family.kind == "causal"


def third_input(model: nn.Module, ids: Tensor) -> Tensor:
    """token_type_ids (zeros) for BERT, position_ids 0…n−1 for the causal models."""
    return torch.zeros_like(ids) if model.__class__.__name__.startswith("Bert") else torch.arange(ids.shape[1]).unsqueeze(0)


def recorded_run(model: nn.Module, ids: Tensor) -> list[tuple[Tensor, Tensor, Tensor, Tensor]]:
    """Per layer: the scores product's two inputs, the Softmax's input and output."""
    matmul, softmax = torch.matmul, nn.functional.softmax
    products: list[tuple[Tensor, Tensor]] = []
    layers: list[tuple[Tensor, Tensor, Tensor, Tensor]] = []

    def recording_matmul(a: Tensor, b: Tensor, *rest, **kw) -> Tensor:
        if not isinstance(a, nn.Parameter) and not isinstance(b, nn.Parameter):
            products.append((a, b))
        return matmul(a, b, *rest, **kw)

    def recording_softmax(x: Tensor, *rest, **kw) -> Tensor:
        out = softmax(x, *rest, **kw)
        q, kt = products[-1]
        layers.append((q, kt, x, out))
        return out

    torch.matmul, nn.functional.softmax = recording_matmul, recording_softmax
    try:
        with torch.no_grad():
            model(ids, torch.ones_like(ids), third_input(model, ids))
    finally:
        torch.matmul, nn.functional.softmax = matmul, softmax
    return layers


def rounded(x: Tensor) -> list:
    return np.round(x.double().numpy(), DECIMALS).tolist()


def golden(folder: str) -> dict:
    model, causal = build(folder)
    with open(os.path.join(folder, "reference.json")) as f:
        case = json.load(f)["cases"][0]
    ids = torch.tensor([case["input_ids"]])
    layers = recorded_run(model, ids)
    n = ids.shape[1]
    out_layers = []
    for layer, (q, kt, scores, probs) in enumerate(layers):
        # The maps these come from are the fixture's own reference: the recording saw the right matmul.
        expected = torch.tensor(case["attentions"][layer])
        assert (probs[0] - expected).abs().max() < 1e-5, f"layer {layer}'s recorded probabilities are not the reference's"
        keys = kt.transpose(-1, -2)  # [1, heads, n, d]
        s = scores[0].double()
        # Masked (−∞ in the view): a causal model's keys after the query; nothing in an encoder without padding.
        masked = torch.triu(torch.ones(n, n, dtype=torch.bool), 1) if causal else torch.zeros(n, n, dtype=torch.bool)
        score_rows = [[[None if masked[i, j] else round(float(s[h, i, j]), DECIMALS) for j in range(n)]
                       for i in range(n)] for h in range(s.shape[0])]
        out_layers.append({"q": rounded(q[0]), "k": rounded(keys[0]), "scores": score_rows})
    return {
        "made_by": f"tools/lens_models/query_key_reference.py: PyTorch {torch.__version__} float32 on CPU, the weights of "
                   "onnx/model.onnx",
        "format": "layers[l]: q[head][query][d] and k[head][key][d] as the scores product reads them (after rotary "
                  "embedding; keys repeated per query head in grouped-query models), scores[head][query][key] the Softmax's "
                  "input (scale, soft-cap and mask applied), null where the mask removes the key",
        "text": case["text"],
        "input_ids": case["input_ids"],
        "causal": causal,
        "layers": out_layers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", help="fixture folders (config.json, onnx/model.onnx, reference.json)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for folder in args.folders:
        doc = golden(folder)
        with open(os.path.join(folder, "query_key.json"), "w", encoding="utf-8") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        print(f"{folder}: {len(doc['layers'])} layers, {len(doc['input_ids'])} tokens")


if __name__ == "__main__":
    main()
