"""The PyTorch reference outputs written beside each tiny test model (reference.json), and the random weights
they come from."""
import argparse
import json
import math
from collections.abc import Callable

import numpy as np
import onnx
import torch
from torch import Tensor, nn

from .onnx_graph import OPSET, softmax_nodes

TOP_K = 10
MADE_BY = "tools/lens_models/make_test_models.py"


def randomize(model: nn.Module) -> None:
    """Random weights scaled so attention and predictions are far from uniform (std 0.02 would give nearly
    flat distributions), with every bias and LayerNorm parameter non-trivial so wiring mistakes show."""
    for name, p in model.named_parameters():
        with torch.no_grad():
            if "LayerNorm" in name or ".ln_" in name or "layer_norm" in name:
                p.copy_(1.0 + 0.1 * torch.randn_like(p) if name.endswith("weight") else 0.1 * torch.randn_like(p))
            elif p.dim() == 1:
                p.normal_(0.0, 0.1)
            elif "embeddings" in name or ".wte." in name or ".wpe." in name:
                p.normal_(0.0, 0.5)
            else:
                p.normal_(0.0, 0.25)


def describe(graph: onnx.ModelProto) -> dict:
    # onnx 1.12's shape inference cannot follow these graphs' Reshapes, so shapes are recorded by verify.mjs.
    return {
        "inputs": [i.name for i in graph.graph.input],
        "outputs": [o.name for o in graph.graph.output],
        "softmax_nodes": [{"name": n.name, "output": n.output[0]} for n in softmax_nodes(graph)],
    }


def reference_case(text: str, ids: list[int], logits: Tensor, attentions: list[Tensor]) -> dict:
    """logits [seq, vocab] and attentions [layer][1, heads, q, k] for one unbatched text."""
    top = torch.topk(logits, TOP_K, dim=-1)
    return {
        "text": text,
        "input_ids": ids,
        "attentions": [a[0].tolist() for a in attentions],
        "top_ids": top.indices.tolist(),
        "top_logits": top.values.tolist(),
        "logsumexp": torch.logsumexp(logits.double(), dim=-1).tolist(),
    }


def reference_cases(model: nn.Module, texts: list[dict], third_input: Callable[[Tensor], Tensor] | None) -> list[dict]:
    """Each tokenized text alone (batch 1, mask all ones) through the model with its attentions returned; no
    third_input: the model takes input_ids and attention_mask only (RoBERTa, DistilBERT)."""
    model.return_attentions = True
    cases = []
    with torch.no_grad():
        for item in texts:
            t = torch.tensor([item["input_ids"]])
            logits, attentions = model(t, torch.ones_like(t), *([third_input(t)] if third_input else []))
            cases.append(reference_case(item["text"], item["input_ids"], logits[0], attentions))
    model.return_attentions = False
    return cases


def summarize(name: str, cases: list[dict]) -> None:
    """Prints how peaked predictions and attention are, as a check that the random weights are not flat."""
    probs = [math.exp(c["top_logits"][i][0] - c["logsumexp"][i]) for c in cases for i in range(len(c["input_ids"]))]
    maxes = [max(row) for c in cases for layer in c["attentions"] for head in layer for row in head[1:]]
    print(f"{name}: top-1 probability mean {np.mean(probs):.3f}, attention row max mean {np.mean(maxes):.3f}")


def reference_doc(name: str, seed: int, info: dict, cases: list[dict]) -> dict:
    return {
        "model": name,
        "made_by": f"{MADE_BY}: PyTorch {torch.__version__} float32 on CPU, seed {seed}, "
                   f"ONNX opset {OPSET}; random weights (not trained)",
        "format": "cases[i].attentions[layer][head][query][key] are the attention probabilities; "
                  f"top_ids/top_logits[position] are the {TOP_K} largest logits at each position, best first; "
                  "logsumexp[position] is log(sum(exp(logits))) over the whole vocabulary (float64), so "
                  "p(token) = exp(logit - logsumexp). Inputs: batch 1, attention_mask all ones, token_type_ids "
                  "zeros (BERT), position_ids 0..n-1 (GPT-2).",
        "onnx": info,
        "cases": cases,
    }


def tokenized_cli(doc: str, out_help: str) -> tuple[dict, str]:
    """The command line the model makers share: the tokenized texts (tools/lens_models/tokenize.mjs texts) and an
    output folder. Returns the texts by model type and the folder; PyTorch is set to 2 threads."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tokenized", help="the texts' ids, from tools/lens_models/tokenize.mjs texts")
    parser.add_argument("out", help=out_help)
    args = parser.parse_args()
    torch.set_num_threads(2)
    with open(args.tokenized, encoding="utf-8") as f:
        return json.load(f), args.out
