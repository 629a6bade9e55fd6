"""export's metrics.json: every number the model card (card.py) states about a trained embedded model."""
import argparse
from typing import Any

from torch import nn

from .families import Family


def export_metrics(model: nn.Module, family: Family, ck: dict[str, Any], args: argparse.Namespace,
                   corpus_info: dict[str, Any], results: dict[str, Any], onnx_bytes: int) -> dict[str, Any]:
    """results: held-out evaluations and what the export did to the graph, merged in as they are."""
    n_params = sum(p.numel() for p in model.parameters())
    embedding = sum(p.numel() for n, p in model.named_parameters()
                    if "embeddings" in n or n.startswith(("transformer.wte", "transformer.wpe")))
    meta = ck.get("meta", {})
    train_args = meta.get("args") or {}
    return {
        "name": args.name, "kind": family.kind, "params": n_params, "non_embedding_params": n_params - embedding,
        "onnx_bytes": onnx_bytes, "fp32_bytes_estimate": 4 * n_params,
        "train_steps": ck["step"], "train_minutes": round(ck["elapsed"] / 60, 1),
        "train_tokens_seen": ck["step"] * train_args["batch"] * train_args["seq"] if train_args else None,
        "hardware": meta.get("hardware"), "train_args": meta.get("args"),
        "corpus_train_tokens": meta.get("train_tokens"), "corpus_test_tokens": meta.get("test_tokens"),
        "eval_windows_seq": args.seq, **results, "corpus_stats": corpus_info["stats"],
    }
