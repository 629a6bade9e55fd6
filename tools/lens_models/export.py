"""Evaluates a trained embedded model, quantizes it to int8 weights and writes the Hub-layout folder.

    cd tools && python3 -m lens_models.export --ckpt ../.cache/train-bert/ckpt.pt --name lens-bert-mini \\
        --tokenizer ../test/fixtures/tokenizers/bert-base-uncased --models ../models --work ../.cache/export-bert \\
        --corpus ../.cache/corpus

1. Held-out evaluation of the fp32 weights on --eval-tokens tokens of the test split (heldout.py).
2. Int8 weights: every 2-D weight of >= 4096 values is rounded to int8 with one scale per output row
   (symmetric, zero point 0). The PyTorch model is given the dequantized values, so evaluating it again gives the
   exact accuracy of the int8 file, and the ONNX export of it holds floats that are exactly int8 x scale.
3. ONNX export (onnx_graph.export_onnx: opset 14, dynamic batch and sequence axes, HF input/output names,
   attention as plain Softmax nodes [batch, heads, q, k], the tied embedding stored once); then each such float
   initializer is stored as int8 + scale and rebuilt by a DequantizeLinear node under its old name.
4. The folder: config.json, tokenizer files (copied from --tokenizer), onnx/model.onnx; and in --work the
   metrics (metrics.json) and reference logits from PyTorch for tools/defaultModels/verify.mjs.
"""
import argparse
import json
import os
import shutil
import time

import numpy as np
import onnx
import torch

from . import embedded
from .batches import BERT, GPT2, load_sources, load_tokens
from .families import Family, family_of, load_weights
from .heldout import evaluate
from .hub_folder import write_hub_folder
from .metrics import export_metrics
from .onnx_graph import export_onnx, softmax_nodes
from .quantize import int8_initializers, quantize_in_place


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--models", default="models")
    ap.add_argument("--work", required=True)
    ap.add_argument("--corpus", default=".cache/corpus")
    ap.add_argument("--eval-tokens", type=int, default=60000)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1)
    return ap.parse_args()


def write_onnx(model: torch.nn.Module, family: Family, cfg: dict, work: str) -> tuple[str, dict]:
    """Exports the (int8-rounded) model and stores its weights as int8; returns the file and what was done."""
    ids = torch.tensor([[101, 7592, 2088, 102, 0, 0]]) if family.kind == "masked" else torch.tensor([[464, 1468, 582, 290]])
    proto, transposed = export_onnx(model, (ids, torch.ones_like(ids), family.third_input(ids)),
                                    f"{work}/model-fp32graph.onnx", list(family.input_names))
    converted = int8_initializers(proto)
    onnx.checker.check_model(proto)
    softmax = [n.output[0] for n in softmax_nodes(proto)]
    assert len(softmax) == cfg[family.layers_key], f"expected {cfg[family.layers_key]} Softmax nodes, found {len(softmax)}"
    onnx.save(proto, f"{work}/model.onnx")
    return f"{work}/model.onnx", {"int8_initializers": converted, "transposed_initializers": transposed,
                                  "softmax_nodes": softmax}


def reference_logits(model: torch.nn.Module, family: Family, tokens: torch.Tensor, work: str) -> None:
    """Two rows (the second padded at the end) of held-out ids, with PyTorch's logits, for verify.mjs."""
    t, masked = 40, family.kind == "masked"
    body = tokens[1000:1000 + t].clone()
    if masked:
        body[:2] = torch.tensor([BERT["cls"], BERT["mask"]])
        body[-1] = BERT["sep"]
        body[10] = BERT["mask"]
    ids = torch.stack([body, tokens[5000:5000 + t]])
    mask = torch.ones_like(ids)
    mask[1, t - 12:] = 0
    ids[1, t - 12:] = 0 if masked else GPT2["eos"]
    third = family.third_input(ids)
    with torch.no_grad():
        logits = model(ids, mask, third)
    np.asarray(logits, dtype=np.float32).tofile(f"{work}/reference-logits.f32")
    with open(f"{work}/reference.json", "w") as f:
        json.dump({"kind": family.kind, "input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                   "third_input": third.tolist(), "logits_shape": list(logits.shape)}, f)


def write_folder(cfg: dict, args: argparse.Namespace, onnx_path: str) -> str:
    folder = write_hub_folder(f"{args.models}/{args.name}", cfg, args.tokenizer,
                              max_length=cfg.get("max_position_embeddings") or cfg.get("n_positions"))
    shutil.copyfile(onnx_path, f"{folder}/onnx/model.onnx")
    return folder


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.work, exist_ok=True)
    ck = torch.load(args.ckpt, map_location="cpu")
    cfg, family = ck["cfg"], family_of(ck["cfg"])
    model = embedded.build(cfg)
    load_weights(model, ck["model"])
    model.eval()
    name = family.model_type
    tokens, src = load_tokens(args.corpus, name, "test"), load_sources(args.corpus, name, "test")
    with open(f"{args.corpus}/sources.json") as f:
        corpus_info = json.load(f)
    t0 = time.time()
    fp32 = evaluate(model, family.kind, tokens, src, corpus_info["sources"], args.seq, args.eval_tokens)
    print("fp32", json.dumps(fp32), f"{time.time() - t0:.0f} s", flush=True)
    quantized = quantize_in_place(model)
    int8 = evaluate(model, family.kind, tokens, src, corpus_info["sources"], args.seq, args.eval_tokens)
    print("int8", json.dumps(int8), flush=True)
    onnx_path, graph_facts = write_onnx(model, family, cfg, args.work)
    reference_logits(model, family, tokens, args.work)
    folder = write_folder(cfg, args, onnx_path)
    metrics = export_metrics(model, family, ck, args, corpus_info, {"heldout_fp32": fp32, "heldout_int8": int8,
                             "quantized_params": quantized, **graph_facts}, os.path.getsize(f"{folder}/onnx/model.onnx"))
    with open(f"{args.work}/metrics.json", "w") as f:
        json.dump(metrics, f, indent=1)
    print(json.dumps({k: metrics[k] for k in ("params", "onnx_bytes", "train_steps", "train_minutes")}))
    print(f"wrote {folder}")


if __name__ == "__main__":
    main()
