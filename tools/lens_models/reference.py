"""PyTorch's logits for a shipped embedded model, computed from the weights stored in its ONNX file.

    cd tools && python3 -m lens_models.reference --model ../models/lens-bert-mini \\
        --examples ../.cache/export-bert/examples.json --out ../test/fixtures/defaultModels/lens-bert-mini

The shipped file holds int8 weights with one scale per output row (DequantizeLinear nodes); this dequantizes them
exactly as the ONNX operator defines, loads them into the family's PyTorch definition (Hugging Face parameter
names) and runs each example (ids and the position to predict at, written by tools/defaultModels/verify.mjs
--write-examples with the model's own tokenizer). It writes OUT.json (the examples) and OUT.logits.f32 (one full
vocabulary row of logits per example, float32): the reference the unit tests and verify.mjs hold onnxruntime to.
Needs Debian's python3-torch and python3-onnx (tools/defaultModels/setup.sh).
"""
import argparse
import json
import os

import numpy as np
import torch
from torch import nn

from . import embedded
from .families import family_of, load_weights
from .quantize import state_dict_from_onnx


def load_shipped(folder: str) -> tuple[dict, nn.Module]:
    """The folder's config and its model with the weights of its ONNX file, in eval mode."""
    with open(f"{folder}/config.json") as f:
        config = json.load(f)
    model = embedded.build(config)
    load_weights(model, state_dict_from_onnx(f"{folder}/onnx/model.onnx"))
    return config, model.eval()


def example_logits(config: dict, model: nn.Module, examples: list[dict]) -> np.ndarray:
    """One float32 row of logits per example, at its position."""
    third_input = family_of(config).third_input
    rows = []
    with torch.no_grad():
        for ex in examples:
            ids = torch.tensor([ex["ids"]])
            rows.append(model(ids, torch.ones_like(ids), third_input(ids))[0, ex["position"]].numpy().astype(np.float32))
    return np.stack(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--examples", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    config, model = load_shipped(a.model)
    with open(a.examples) as f:
        examples = json.load(f)
    rows = example_logits(config, model, examples)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    rows.tofile(f"{a.out}.logits.f32")
    with open(f"{a.out}.json", "w") as f:
        json.dump({"model": os.path.basename(os.path.normpath(a.model)), "vocabSize": config["vocab_size"],
                   "reference": f"PyTorch {torch.__version__}, fp32, CPU, weights dequantized from the ONNX file",
                   "examples": examples}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {a.out}.json and {a.out}.logits.f32 ({len(rows)} rows of {config['vocab_size']})")


if __name__ == "__main__":
    main()
