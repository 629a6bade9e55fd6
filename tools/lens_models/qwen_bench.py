"""The benchmark's Qwen2.5-0.5B-shaped decoder with random weights (qwen_graph.py builds it), in optimum's layout:
  qwen2.5-0.5b-shaped/  config.json (Qwen2ForCausalLM, Qwen2.5-0.5B's), the GPT-2 tokenizer files (50,257 ids,
                        all inside the 151,936-row vocabulary), onnx/model.onnx + model.onnx_data (fp32, 2 GB),
                        onnx/model_q4.onnx + model_q4.onnx_data (MatMulNBits, 4 bits, blocks of 32), and
                        reference.json: numpy's logits (qwen_reference.py) at 16 tokens for both files, which
                        tools/bench/checkQwen.ts compares with onnxruntime's."""
import os
import shutil
import time
import zlib
from typing import Any

import numpy as np
import onnx

from .external_data import ExternalData
from .hub_folder import TOKENIZERS, write_hub_folder, write_json
from .q4 import dequantize_rows, quantize_rows
from .qwen_graph import Weight, build_qwen2
from .qwen_reference import forward

FOLDER = "qwen2.5-0.5b-shaped"
QWEN_CONFIG: dict[str, Any] = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": 151936, "hidden_size": 896,
    "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2,
    "hidden_act": "silu", "max_position_embeddings": 32768, "max_window_layers": 21, "rms_norm_eps": 1e-6,
    "rope_theta": 1000000.0, "sliding_window": 32768, "use_sliding_window": False, "tie_word_embeddings": True,
    "attention_dropout": 0.0, "initializer_range": 0.02, "use_cache": True, "torch_dtype": "float32",
    "bos_token_id": 50256, "eos_token_id": 50256,  # the GPT-2 tokenizer's, which stands in for Qwen's
    "transformers_version": "4.53.0", "transformers.js_config": {"use_external_data_format": True},
}
# The same layout at test size (make_bench_models --tiny): layers 2, 4 query heads sharing 2 key/value heads.
TINY_CONFIG = {**QWEN_CONFIG, "vocab_size": 50257, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
               "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 512}
VARIANTS = {"model": False, "model_q4": True}  # ONNX file name -> q4
CHECK_IDS = [50256, 464, 3797, 3332, 319, 257, 2603, 290, 262, 3290, 4966, 284, 262, 2156, 286, 257]  # 16 tokens


def random_weights(seed: int) -> Weight:
    """weight(name, shape, kind): the same array for the same name every call (its own seeded generator), so the
    fp32 and q4 files and the references hold one model; normal(0, 0.02) as transformers initialises, norms
    near 1 (not exactly 1, so a norm wired wrongly shows in the check)."""
    def weight(name: str, shape: tuple[int, ...], kind: str) -> np.ndarray:
        rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
        values = rng.standard_normal(shape, dtype=np.float32)
        if kind == "norm":
            return 1 + 0.1 * values
        return values * np.float32(0.02)
    return weight


def dims(config: dict[str, Any]) -> dict[str, Any]:
    """The config with head_dim (Qwen2's configs leave it to hidden_size / num_attention_heads)."""
    return {**config, "head_dim": config.get("head_dim", config["hidden_size"] // config["num_attention_heads"])}


def reference_rows(logits: np.ndarray) -> dict[str, Any]:
    """What reference.json keeps of [positions, vocab] logits: every position's argmax and first 32 logits."""
    return {"argmax": logits.argmax(-1).tolist(), "head": np.round(logits[:, :32], 6).tolist()}


def q4_rows(w: np.ndarray) -> np.ndarray:
    return dequantize_rows(*quantize_rows(w))


def make_qwen(out_root: str, tiny: bool = False, seed: int = 3) -> str:
    target = os.path.join(out_root, FOLDER + ("-tiny" if tiny else ""))
    if os.path.exists(os.path.join(target, "reference.json")):
        print(f"{os.path.basename(target)}: present at {target}")
        return target
    config = TINY_CONFIG if tiny else QWEN_CONFIG
    work = target + ".partial"
    shutil.rmtree(work, ignore_errors=True)
    started = time.time()
    tokenizer_dir = os.path.join(TOKENIZERS, "gpt2")
    write_hub_folder(work, config, tokenizer_dir, max_length=config["max_position_embeddings"],
                     files=sorted(os.listdir(tokenizer_dir)))
    weight = random_weights(seed)
    reference: dict[str, Any] = {"ids": CHECK_IDS, "variants": {}}
    for variant, q4 in VARIANTS.items():
        path = os.path.join(work, "onnx", f"{variant}.onnx")
        with ExternalData(path) as data:
            proto = build_qwen2(dims(config), weight, data, q4)
        onnx.save(proto, path)
        onnx.checker.check_model(path)  # by path, so it finds the external data
        logits = forward(dims(config), weight, CHECK_IDS, q4_rows if q4 else None)
        reference["variants"][f"onnx/{variant}.onnx"] = reference_rows(logits)
        size = os.path.getsize(path) + os.path.getsize(path + "_data")
        print(f"{variant}: {size / 1e6:.0f} MB, {len(proto.graph.node)} nodes, {time.time() - started:.0f} s")
    write_json(os.path.join(work, "reference.json"), reference)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(work, target)  # only a complete folder ever has the final name
    return target
