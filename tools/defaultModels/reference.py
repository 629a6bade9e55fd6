"""PyTorch's logits for a shipped default model, computed from the weights stored in its ONNX file.

  /usr/bin/python3 tools/defaultModels/reference.py --model models/lens-bert-mini \
      --examples .cache/export-bert/examples.json --out test/fixtures/defaultModels/lens-bert-mini

The shipped file holds int8 weights with one scale per output row (DequantizeLinear nodes); this script
dequantizes them exactly as the ONNX operator defines, loads them into the plain PyTorch definition of the
architecture (models.py, Hugging Face parameter names) and runs each example (ids and the position to predict
at, written by verify.mjs --write-examples with the model's own tokenizer). It writes OUT.json (the examples)
and OUT.logits.f32 (one full vocabulary row of logits per example, float32): the reference the unit tests and
verify.mjs hold onnxruntime to. Needs Debian's python3-torch and python3-onnx (tools/defaultModels/setup.sh).
"""
import argparse
import json
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from models import build


def dequantize(node, tensors):
    """DequantizeLinear: (x - zero_point) * scale, per-axis when scale is a vector."""
    x, scale, zero = (tensors[name].astype(np.float32) for name in node.input)
    axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
    shape = [1] * x.ndim
    shape[axis] = -1
    return (x - zero.reshape(shape)) * scale.reshape(shape)


def state_dict_from_onnx(path):
    """Every parameter by its Hugging Face name. torch.onnx names a Linear's weight after its MatMul
    (`onnx::MatMul_N`, stored transposed), so that name is mapped through the Add that applies the bias."""
    graph = onnx.load(path).graph
    tensors = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "DequantizeLinear" and all(name in tensors for name in node.input):
            tensors[node.output[0]] = dequantize(node, tensors)
    consumers = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    state = {}
    for name, value in tensors.items():
        if name.endswith(("_int8", "_scale", "_zero_point")):
            continue
        if not name.startswith("onnx::MatMul"):
            state[name] = torch.from_numpy(np.array(value))
            continue
        (matmul,) = [n for n in consumers[name] if n.op_type == "MatMul"]
        (add,) = [n for n in consumers[matmul.output[0]] if n.op_type == "Add"]
        (bias,) = [i for i in add.input if i.endswith(".bias")]
        state[bias[: -len("bias")] + "weight"] = torch.from_numpy(np.array(value.T))
    return state


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--examples", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    cfg = json.load(open(f"{a.model}/config.json"))
    model = build(cfg)
    missing, unexpected = model.load_state_dict(state_dict_from_onnx(f"{a.model}/onnx/model.onnx"), strict=False)
    parameters = {name for name, _ in model.named_parameters()}
    assert not unexpected, f"weights the model does not have: {unexpected}"
    assert not parameters & set(missing), f"parameters the file does not hold: {sorted(parameters & set(missing))}"
    model.eval()
    masked = cfg["model_type"] == "bert"
    examples = json.load(open(a.examples))
    rows = []
    with torch.no_grad():
        for ex in examples:
            ids = torch.tensor([ex["ids"]])
            ones = torch.ones_like(ids)
            third = torch.zeros_like(ids) if masked else torch.arange(ids.shape[1]).unsqueeze(0)
            rows.append(model(ids, ones, third)[0, ex["position"]].numpy().astype(np.float32))
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    np.stack(rows).tofile(f"{a.out}.logits.f32")
    with open(f"{a.out}.json", "w") as f:
        json.dump({"model": os.path.basename(os.path.normpath(a.model)), "vocabSize": cfg["vocab_size"],
                   "reference": f"PyTorch {torch.__version__}, fp32, CPU, weights dequantized from the ONNX file",
                   "examples": examples}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {a.out}.json and {a.out}.logits.f32 ({len(rows)} rows of {cfg['vocab_size']})")


if __name__ == "__main__":
    main()
