"""Makes, once, the benchmark's random-weight models of real size in the Hub's ONNX layout:
  bert-base-shaped/  BertForMaskedLM, 12 layers, 12 heads, d=768, intermediate 3072, vocab 30,522, 512 positions
  gpt2-shaped/       GPT2LMHeadModel, 12 layers, 12 heads, d=768, vocab 50,257, 1024 positions
Each folder: config.json, tokenizer files (copied from test/fixtures/tokenizers), onnx/model.onnx (opset 14,
plain Softmax attention, tied embeddings stored once). The models live outside the repository (hundreds of MB):
default ~/.cache/attention-lens-bench, or --out / $ATTENTION_LENS_BENCH_MODELS. A finished folder is never remade.

The architectures and the tied-weight sharing are the test models' (tools/testModels/tiny_bert.py, tiny_gpt2.py,
onnx_tools.py), imported, so the benchmark runs the same graph shapes the tests check; only the size differs.

Run: /usr/bin/python3 tools/bench/makeModels.py [--out DIR] [--only bert|gpt2]
"""
import argparse
import json
import os
import shutil
import sys
import time

import onnx
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "testModels"))
from onnx_tools import share_transposed_initializers  # noqa: E402
from tiny_bert import BertForMaskedLM  # noqa: E402
from tiny_gpt2 import GPT2LMHeadModel  # noqa: E402

OPSET = 14
FIXTURES = os.path.join(ROOT, "test", "fixtures", "tokenizers")

BERT_CONFIG = {
    "architectures": ["BertForMaskedLM"],
    "model_type": "bert",
    "vocab_size": 30522,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
    "transformers_version": "4.30.0",
}

GPT2_CONFIG = {
    "architectures": ["GPT2LMHeadModel"],
    "model_type": "gpt2",
    "vocab_size": 50257,
    "n_positions": 1024,
    "n_ctx": 1024,
    "n_embd": 768,
    "n_layer": 12,
    "n_head": 12,
    "n_inner": None,
    "activation_function": "gelu_new",
    "layer_norm_epsilon": 1e-5,
    "initializer_range": 0.02,
    "bos_token_id": 50256,
    "eos_token_id": 50256,
    "transformers_version": "4.30.0",
}


def init_like_hf(model, std):
    """HF's _init_weights: normal(0, initializer_range) weights, zero biases, unit LayerNorm. Random weights
    only change the numbers, not the work, but this keeps activations in the range trained models have."""
    for module in model.modules():
        if isinstance(module, (torch.nn.Linear, torch.nn.Embedding)):
            module.weight.data.normal_(0.0, std)
            if getattr(module, "bias", None) is not None:
                module.bias.data.zero_()
        elif isinstance(module, torch.nn.LayerNorm):
            module.weight.data.fill_(1.0)
            module.bias.data.zero_()
    for name, param in model.named_parameters():
        if name.endswith(".weight") and param.dim() == 2 and "c_" in name:  # GPT-2 Conv1D [in, out]
            param.data.normal_(0.0, std)
        elif name.endswith(".bias") and "c_" in name:
            param.data.zero_()


def export(model, feeds, input_names, path):
    dynamic = {name: {0: "batch_size", 1: "sequence_length"} for name in input_names}
    dynamic["logits"] = {0: "batch_size", 1: "sequence_length"}
    with torch.no_grad():
        torch.onnx.export(model, feeds, path, input_names=input_names, output_names=["logits"],
                          dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)
    proto = onnx.load(path)
    shared = share_transposed_initializers(proto)
    onnx.checker.check_model(proto)
    onnx.save(proto, path)
    softmax = sum(1 for n in proto.graph.node if n.op_type == "Softmax")
    return shared, softmax


def make(name, out_root, build):
    target = os.path.join(out_root, name)
    if os.path.exists(os.path.join(target, "onnx", "model.onnx")):
        print(f"{name}: present at {target}")
        return
    work = target + ".partial"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "onnx"))
    started = time.time()
    config, tokenizer_dir, shared, softmax = build(os.path.join(work, "onnx", "model.onnx"))
    with open(os.path.join(work, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    for file in os.listdir(os.path.join(FIXTURES, tokenizer_dir)):
        shutil.copy(os.path.join(FIXTURES, tokenizer_dir, file), os.path.join(work, file))
    os.replace(work, target)  # only a complete folder ever has the final name
    size = os.path.getsize(os.path.join(target, "onnx", "model.onnx"))
    print(f"{name}: {size / 1e6:.0f} MB, {softmax} Softmax nodes, tied copies shared: {len(shared)}, "
          f"{time.time() - started:.0f} s -> {target}")


def build_bert(path):
    torch.manual_seed(1)
    model = BertForMaskedLM(BERT_CONFIG).eval()
    init_like_hf(model, BERT_CONFIG["initializer_range"])
    ids = torch.randint(0, BERT_CONFIG["vocab_size"], (1, 16))
    feeds = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    shared, softmax = export(model, feeds, ["input_ids", "attention_mask", "token_type_ids"], path)
    return BERT_CONFIG, "bert-base-uncased", shared, softmax


def build_gpt2(path):
    torch.manual_seed(2)
    model = GPT2LMHeadModel(GPT2_CONFIG).eval()
    init_like_hf(model, GPT2_CONFIG["initializer_range"])
    ids = torch.randint(0, GPT2_CONFIG["vocab_size"], (1, 16))
    feeds = (ids, torch.ones_like(ids), torch.arange(16).unsqueeze(0))
    shared, softmax = export(model, feeds, ["input_ids", "attention_mask", "position_ids"], path)
    return GPT2_CONFIG, "gpt2", shared, softmax


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = os.environ.get("ATTENTION_LENS_BENCH_MODELS",
                             os.path.join(os.path.expanduser("~"), ".cache", "attention-lens-bench"))
    parser.add_argument("--out", default=default)
    parser.add_argument("--only", choices=["bert", "gpt2"])
    args = parser.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    os.makedirs(args.out, exist_ok=True)
    if args.only in (None, "bert"):
        make("bert-base-shaped", args.out, build_bert)
    if args.only in (None, "gpt2"):
        make("gpt2-shaped", args.out, build_gpt2)


if __name__ == "__main__":
    main()
