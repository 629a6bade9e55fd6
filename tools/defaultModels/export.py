"""Evaluates a trained default model, quantizes it to int8 weights and writes the Hub-layout folder.

  /usr/bin/python3 tools/defaultModels/export.py --ckpt .cache/train-bert/ckpt.pt --name lens-bert-mini \
      --tokenizer test/fixtures/tokenizers/bert-base-uncased --models models --work .cache/export-bert

1. Held-out evaluation of the fp32 weights on --eval-tokens tokens of the test split (non-overlapping windows
   spread over the whole split; masked LM: fixed-seed BERT masking), overall and for prose and code.
2. Int8 weights: every 2-D weight of >= 4096 values is rounded to int8 with one scale per output row
   (symmetric, zero point 0). The PyTorch model is given the dequantized values, so evaluating it again gives the
   exact accuracy of the int8 file, and the ONNX export of it holds floats that are exactly int8 x scale.
3. ONNX export (opset 14, dynamic batch and sequence axes, HF input/output names; attention as plain Softmax
   nodes [batch, heads, q, k]); then each such float initializer is stored as int8 + scale and rebuilt by a
   DequantizeLinear node under its old name, and the transposed copy of the tied embedding that constant
   folding makes is replaced by a Transpose node.
4. The folder: config.json, tokenizer files (copied from --tokenizer), onnx/model.onnx; and in --work the
   metrics (metrics.json) and reference logits from PyTorch for verify.mjs.
"""
import argparse
import json
import math
import os
import shutil
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper

from models import build
from train import BERT, GPT2, masked_batch

CODE_SOURCES = {"python-src", "typescript-lib", "lodash"}


def parse_args():
    ap = argparse.ArgumentParser()
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


@torch.no_grad()
def evaluate(model, kind, tokens, src, sources, seq, n_tokens):
    """Loss/top-1/top-5 over non-overlapping windows spread evenly over the split, by prose/code group."""
    model.eval()
    gen = torch.Generator().manual_seed(4321)
    span = seq if kind == "causal" else seq - 2
    n_win = min(n_tokens // seq, (len(tokens) - span - 1) // span)
    starts = torch.linspace(0, len(tokens) - span - 2, n_win).long()
    acc = {g: {"n": 0, "loss": 0.0, "top1": 0, "top5": 0} for g in ("all", "prose", "code")}
    code_ids = torch.tensor([i for i, s in enumerate(sources) if s in CODE_SOURCES])
    for i in range(0, n_win, 16):
        s = starts[i:i + 16]
        if kind == "masked":
            inp, pick, tgt = masked_batch(tokens, s, seq, gen)
            logits = model.head(model.hidden(inp)[pick])
            # source of each masked token: the window body starts one position after [CLS]
            src_rows = torch.stack([src[a:a + span] for a in s.tolist()])
            src_rows = torch.cat([src_rows[:, :1], src_rows, src_rows[:, -1:]], dim=1)
            tsrc = src_rows[pick]
        else:
            rows = torch.stack([tokens[a:a + seq + 1] for a in s.tolist()])
            logits = model(rows[:, :-1], None, None).reshape(-1, GPT2["vocab"])
            tgt = rows[:, 1:].reshape(-1)
            tsrc = torch.stack([src[a + 1:a + seq + 1] for a in s.tolist()]).reshape(-1)
        lossv = F.cross_entropy(logits, tgt, reduction="none")
        top = logits.topk(5, dim=-1).indices
        hit1 = top[:, 0] == tgt
        hit5 = (top == tgt[:, None]).any(dim=1)
        is_code = torch.isin(tsrc, code_ids)
        for g, m in (("all", torch.ones_like(is_code)), ("prose", ~is_code), ("code", is_code)):
            a = acc[g]
            a["n"] += int(m.sum())
            a["loss"] += float(lossv[m].sum())
            a["top1"] += int(hit1[m].sum())
            a["top5"] += int(hit5[m].sum())
    out = {}
    for g, a in acc.items():
        n = max(1, a["n"])
        out[g] = {"tokens": a["n"], "loss": round(a["loss"] / n, 4), "top1": round(a["top1"] / n, 4),
                  "top5": round(a["top5"] / n, 4)}
        if kind == "causal":
            out[g]["perplexity"] = round(math.exp(a["loss"] / n), 2)
    return out


def quantize_in_place(model):
    """Rounds every large 2-D weight to int8 x per-output-row scale; returns the names quantized."""
    names = []
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() != 2 or p.numel() < 4096:
                continue
            # output rows: Linear and Embedding store them along dim 0, GPT-2's Conv1D along dim 1
            axis = 1 if name.startswith("transformer.h.") else 0
            scale = (p.abs().amax(dim=1 - axis, keepdim=True) / 127.0).clamp(min=1e-12)
            p.copy_(torch.round(p / scale).clamp(-127, 127) * scale)
            names.append(name)
    return names


def int8_initializers(model_proto, min_size=4096):
    """Stores float initializers whose rows or columns are int8 x scale as int8 + DequantizeLinear."""
    g = model_proto.graph
    inits = {i.name: i for i in g.initializer}
    arrays = {n: numpy_helper.to_array(i) for n, i in inits.items()}
    deq_nodes, tr_nodes, converted, transposed = [], [], [], []
    # the tied embedding's transposed copy (constant folding of weight.t()) -> Transpose of the original
    by_shape = {}
    for n, a in arrays.items():
        if a.ndim == 2 and a.size >= min_size:
            by_shape.setdefault(a.shape, []).append(n)
    for n, a in list(arrays.items()):
        if a.ndim != 2 or a.size < min_size or a.shape[0] == a.shape[1]:
            continue
        for m in by_shape.get((a.shape[1], a.shape[0]), []):
            if m in arrays and n in arrays and a.shape[0] < a.shape[1] and np.array_equal(a, arrays[m].T):
                g.initializer.remove(inits[n])
                del arrays[n]
                tr_nodes.append(helper.make_node("Transpose", [m], [n], name=f"{n}_transpose", perm=[1, 0]))
                transposed.append((n, m))
                break
    for n, a in list(arrays.items()):
        if a.dtype != np.float32 or a.ndim != 2 or a.size < min_size:
            continue
        for axis in (0, 1):
            amax = np.abs(a).max(axis=1 - axis)
            scale = np.maximum(amax / 127.0, 1e-12).astype(np.float32)
            shaped = scale[:, None] if axis == 0 else scale[None, :]
            q = np.round(a / shaped)
            if np.abs(q).max() <= 127 and np.abs(q * shaped - a).max() <= 1e-6 * max(1e-6, float(np.abs(a).max())):
                g.initializer.remove(inits[n])
                g.initializer.extend([
                    numpy_helper.from_array(q.astype(np.int8), f"{n}_int8"),
                    numpy_helper.from_array(scale, f"{n}_scale"),
                    numpy_helper.from_array(np.zeros(scale.shape, np.int8), f"{n}_zero_point"),
                ])
                deq_nodes.append(helper.make_node("DequantizeLinear", [f"{n}_int8", f"{n}_scale", f"{n}_zero_point"],
                                                  [n], name=f"{n}_dequantize", axis=axis))
                converted.append((n, list(a.shape), axis))
                break
    # producers first: the graph must stay topologically sorted
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(deq_nodes + tr_nodes + nodes)
    return converted, transposed


def export_onnx(model, kind, path, max_pos):
    ids = torch.tensor([[101, 7592, 2088, 102, 0, 0]]) if kind == "masked" else torch.tensor([[464, 1468, 582, 290]])
    mask = torch.ones_like(ids)
    if kind == "masked":
        args, names = (ids, mask, torch.zeros_like(ids)), ["input_ids", "attention_mask", "token_type_ids"]
    else:
        args, names = (ids, mask, torch.arange(ids.shape[1]).unsqueeze(0)), ["input_ids", "attention_mask",
                                                                            "position_ids"]
    axes = {n: {0: "batch_size", 1: "sequence_length"} for n in names}
    axes["logits"] = {0: "batch_size", 1: "sequence_length"}
    model.eval()
    torch.onnx.export(model, args, path, input_names=names, output_names=["logits"], dynamic_axes=axes,
                      opset_version=14, do_constant_folding=True)


def reference_logits(model, kind, tokens, work):
    """Two rows (the second padded at the end) of held-out ids, with PyTorch's logits, for verify.mjs."""
    t = 40
    body = tokens[1000:1000 + t].clone()
    if kind == "masked":
        body[:2] = torch.tensor([BERT["cls"], BERT["mask"]])
        body[-1] = BERT["sep"]
        body[10] = BERT["mask"]
    ids = torch.stack([body, tokens[5000:5000 + t]])
    mask = torch.ones_like(ids)
    mask[1, t - 12:] = 0
    if kind == "masked":
        ids[1, t - 12:] = 0
        third = torch.zeros_like(ids)
    else:
        ids[1, t - 12:] = GPT2["eos"]
        third = torch.arange(t).unsqueeze(0).repeat(2, 1)
    with torch.no_grad():
        logits = model(ids, mask, third)
    np.asarray(logits, dtype=np.float32).tofile(f"{work}/reference-logits.f32")
    with open(f"{work}/reference.json", "w") as f:
        json.dump({"kind": kind, "input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                   "third_input": third.tolist(), "logits_shape": list(logits.shape)}, f)


def write_folder(cfg, args, kind, onnx_path):
    folder = f"{args.models}/{args.name}"
    os.makedirs(f"{folder}/onnx", exist_ok=True)
    with open(f"{folder}/config.json", "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    for fname in ("tokenizer.json", "special_tokens_map.json"):
        shutil.copyfile(f"{args.tokenizer}/{fname}", f"{folder}/{fname}")
    with open(f"{args.tokenizer}/tokenizer_config.json") as f:
        tcfg = json.load(f)
    tcfg["model_max_length"] = cfg.get("max_position_embeddings") or cfg.get("n_positions")
    with open(f"{folder}/tokenizer_config.json", "w") as f:
        json.dump(tcfg, f, indent=2)
        f.write("\n")
    shutil.copyfile(onnx_path, f"{folder}/onnx/model.onnx")
    return folder


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.work, exist_ok=True)
    ck = torch.load(args.ckpt, map_location="cpu")
    cfg = ck["cfg"]
    kind = "masked" if cfg["model_type"] == "bert" else "causal"
    model = build(cfg)
    model.load_state_dict(ck["model"])
    model.eval()
    tok_name = "bert" if kind == "masked" else "gpt2"
    tokens = torch.from_numpy(np.fromfile(f"{args.corpus}/{tok_name}-test.u16", dtype=np.uint16).astype(np.int64))
    src = torch.from_numpy(np.fromfile(f"{args.corpus}/{tok_name}-test.src", dtype=np.uint8).astype(np.int64))
    with open(f"{args.corpus}/sources.json") as f:
        corpus_info = json.load(f)
    t0 = time.time()
    fp32 = evaluate(model, kind, tokens, src, corpus_info["sources"], args.seq, args.eval_tokens)
    print("fp32", json.dumps(fp32), f"{time.time() - t0:.0f} s", flush=True)
    quantized = quantize_in_place(model)
    int8 = evaluate(model, kind, tokens, src, corpus_info["sources"], args.seq, args.eval_tokens)
    print("int8", json.dumps(int8), flush=True)

    raw = f"{args.work}/model-fp32graph.onnx"
    export_onnx(model, kind, raw, cfg.get("max_position_embeddings") or cfg.get("n_positions"))
    proto = onnx.load(raw)
    converted, transposed = int8_initializers(proto)
    onnx.checker.check_model(proto)
    softmax = [n for n in proto.graph.node if n.op_type == "Softmax"]
    n_layers = cfg.get("num_hidden_layers") or cfg.get("n_layer")
    assert len(softmax) == n_layers, f"expected {n_layers} Softmax nodes, found {len(softmax)}"
    final = f"{args.work}/model.onnx"
    onnx.save(proto, final)
    reference_logits(model, kind, tokens, args.work)
    folder = write_folder(cfg, args, kind, final)

    n_params = sum(p.numel() for p in model.parameters())
    meta = ck.get("meta", {})
    metrics = {
        "name": args.name, "kind": kind, "params": n_params,
        "non_embedding_params": n_params - sum(p.numel() for n, p in model.named_parameters()
                                               if "embeddings" in n or n.startswith(("transformer.wte",
                                                                                     "transformer.wpe"))),
        "onnx_bytes": os.path.getsize(f"{folder}/onnx/model.onnx"), "fp32_bytes_estimate": 4 * n_params,
        "train_steps": ck["step"], "train_minutes": round(ck["elapsed"] / 60, 1),
        "train_tokens_seen": None, "hardware": meta.get("hardware"), "train_args": meta.get("args"),
        "corpus_train_tokens": meta.get("train_tokens"), "corpus_test_tokens": meta.get("test_tokens"),
        "eval_windows_seq": args.seq, "heldout_fp32": fp32, "heldout_int8": int8,
        "quantized_params": quantized, "int8_initializers": converted, "transposed_initializers": transposed,
        "softmax_nodes": [n.output[0] for n in softmax], "corpus_stats": corpus_info["stats"],
    }
    a = meta.get("args") or {}
    if a:
        metrics["train_tokens_seen"] = ck["step"] * a["batch"] * a["seq"]
    with open(f"{args.work}/metrics.json", "w") as f:
        json.dump(metrics, f, indent=1)
    print(json.dumps({k: metrics[k] for k in ("params", "onnx_bytes", "train_steps", "train_minutes")}))
    print(f"wrote {folder}")


if __name__ == "__main__":
    main()
