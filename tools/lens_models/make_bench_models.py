"""Makes, once, the benchmark's random-weight models of real size in the Hub's ONNX layout:
  bert-base-shaped/  BertForMaskedLM, 12 layers, 12 heads, d=768, intermediate 3072, vocab 30,522, 512 positions
  gpt2-shaped/       GPT2LMHeadModel, 12 layers, 12 heads, d=768, vocab 50,257, 1024 positions
  qwen2.5-0.5b-shaped/  Qwen2ForCausalLM, 24 layers, 14 heads sharing 2 key/value heads, d=896, vocab 151,936,
                     fp32 and q4 files with external data (qwen_bench.py; --tiny makes the same layout at test size)
Each folder: config.json, tokenizer files (copied from test/fixtures/tokenizers), onnx/model.onnx (opset 14,
plain Softmax attention, tied embeddings stored once). The models live outside the repository (hundreds of MB):
default ~/.cache/attention-lens-bench, or --out / $ATTENTION_LENS_BENCH_MODELS. A finished folder is never remade.

The definitions and the export are the test models' (bert.py, gpt2.py, onnx_graph.py), so the benchmark runs the
graph shapes the tests check; only the size differs.

    cd tools && python3 -m lens_models.make_bench_models [--out DIR] [--only bert|gpt2|qwen] [--tiny]
"""
import argparse
import os
import shutil
import time
from typing import Any

import torch

from .families import FAMILIES, Family, init_weights
from .hub_folder import TOKENIZERS, write_hub_folder
from .onnx_graph import export_onnx, softmax_nodes
from .qwen_bench import make_qwen

BERT_CONFIG = {
    "architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": 30522, "hidden_size": 768,
    "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072, "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512,
    "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0,
    "position_embedding_type": "absolute", "transformers_version": "4.30.0",
}
GPT2_CONFIG = {
    "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 50257, "n_positions": 1024,
    "n_ctx": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12, "n_inner": None, "activation_function": "gelu_new",
    "layer_norm_epsilon": 1e-5, "initializer_range": 0.02, "bos_token_id": 50256, "eos_token_id": 50256,
    "transformers_version": "4.30.0",
}
SHAPED = {"bert": ("bert-base-shaped", BERT_CONFIG, 1), "gpt2": ("gpt2-shaped", GPT2_CONFIG, 2)}  # folder, config, seed


def build_model(path: str, family: Family, config: dict[str, Any], seed: int) -> tuple[list, int]:
    """Random weights as transformers initialises them (they change the numbers, not the work, and keep
    activations in the range trained models have), exported to path. Returns the tied pairs and Softmax count."""
    torch.manual_seed(seed)
    model = family.build(config).eval()
    init_weights(model, family, config[family.layers_key], config["initializer_range"])
    ids = torch.randint(0, config["vocab_size"], (1, 16))
    with torch.no_grad():
        proto, shared = export_onnx(model, (ids, torch.ones_like(ids), family.third_input(ids)), path,
                                    list(family.input_names))
    return shared, len(softmax_nodes(proto))


def make(key: str, out_root: str) -> None:
    name, config, seed = SHAPED[key]
    target = os.path.join(out_root, name)
    if os.path.exists(os.path.join(target, "onnx", "model.onnx")):
        print(f"{name}: present at {target}")
        return
    work = target + ".partial"
    shutil.rmtree(work, ignore_errors=True)
    started = time.time()
    family = FAMILIES[key]
    tokenizer_dir = os.path.join(TOKENIZERS, family.tokenizer)
    write_hub_folder(work, config, tokenizer_dir, files=sorted(os.listdir(tokenizer_dir)))
    shared, softmax = build_model(os.path.join(work, "onnx", "model.onnx"), family, config, seed)
    os.replace(work, target)  # only a complete folder ever has the final name
    size = os.path.getsize(os.path.join(target, "onnx", "model.onnx"))
    print(f"{name}: {size / 1e6:.0f} MB, {softmax} Softmax nodes, tied copies shared: {len(shared)}, "
          f"{time.time() - started:.0f} s -> {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = os.environ.get("ATTENTION_LENS_BENCH_MODELS",
                             os.path.join(os.path.expanduser("~"), ".cache", "attention-lens-bench"))
    parser.add_argument("--out", default=default)
    parser.add_argument("--only", choices=[*SHAPED, "qwen"])
    parser.add_argument("--tiny", action="store_true", help="the Qwen layout at test size (qwen2.5-0.5b-shaped-tiny)")
    args = parser.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    os.makedirs(args.out, exist_ok=True)
    for key in SHAPED:
        if args.only in (None, key):
            make(key, args.out)
    if args.only in (None, "qwen"):
        make_qwen(args.out, tiny=args.tiny)


if __name__ == "__main__":
    main()
