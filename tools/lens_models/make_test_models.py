"""Makes the tiny test models in the Hub's ONNX layout under test/fixtures/models/, with reference outputs
computed by PyTorch. Run through tools/testModels/make.sh (it tokenizes the texts first, in Node):

    cd tools && python3 -m lens_models.make_test_models <tokenized.json> <out dir>
"""
import argparse
import json
import os
import shutil

import onnx
import torch
from torch import Tensor

from .families import FAMILIES
from .gpt2 import GPT2LMHeadModel
from .hub_folder import TOKENIZERS, write_hub_folder, write_json
from .onnx_graph import BATCH_SEQ, decompose_softmax, export_onnx, softmax_nodes
from .test_references import TOP_K, describe, randomize, reference_cases, reference_doc, summarize
from .tiny_configs import BERT_CONFIG, GPT2_CONFIG

SEED = 20261123
BERT, GPT2 = FAMILIES["bert"], FAMILIES["gpt2"]


def fresh_folder(out_dir: str, name: str, config: dict, tokenizer: str) -> str:
    folder = os.path.join(out_dir, name)
    shutil.rmtree(folder, ignore_errors=True)
    return write_hub_folder(folder, config, os.path.join(TOKENIZERS, tokenizer))


def write_reference(folder: str, name: str, info: dict, cases: list[dict]) -> None:
    write_json(os.path.join(folder, "reference.json"), reference_doc(name, SEED, info, cases))


def make_bert(out_dir: str, texts: list[dict]) -> None:
    model = BERT.build(BERT_CONFIG).eval()
    randomize(model)
    folder = fresh_folder(out_dir, "tiny-bert", BERT_CONFIG, BERT.tokenizer)
    path = os.path.join(folder, "onnx", "model.onnx")
    ids = torch.tensor([[101, 7592, 103, 2088, 102, 0, 0, 0]])
    graph, shared = export_onnx(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), path,
                                list(BERT.input_names))
    cases = reference_cases(model, texts, BERT.third_input)
    summarize("tiny-bert", cases)
    write_reference(folder, "tiny-bert", {**describe(graph), "tied_weights_shared": shared}, cases)
    make_bert_nosoftmax(out_dir, path, len(softmax_nodes(graph)), cases)


def make_bert_nosoftmax(out_dir: str, bert_path: str, softmax_count: int, cases: list[dict]) -> None:
    """The same weights with Softmax spelled out in elementary ops: a graph with no attention to expose."""
    folder = fresh_folder(out_dir, "tiny-bert-nosoftmax", BERT_CONFIG, BERT.tokenizer)
    rewritten = onnx.load(bert_path)
    decompose_softmax(rewritten)
    onnx.checker.check_model(rewritten)
    assert not softmax_nodes(rewritten)
    onnx.save(rewritten, os.path.join(folder, "onnx", "model.onnx"))
    info = {**describe(rewritten), "softmax_decomposed": f"each of the {softmax_count} Softmax nodes of tiny-bert "
            "as ReduceMax/Sub/Exp/ReduceSum/Div, same output names"}
    write_reference(folder, "tiny-bert-nosoftmax", info, cases)


def make_gpt2(out_dir: str, texts: list[dict]) -> None:
    model = GPT2.build(GPT2_CONFIG).eval()
    randomize(model)
    folder = fresh_folder(out_dir, "tiny-gpt2", GPT2_CONFIG, GPT2.tokenizer)
    ids = torch.tensor([[15496, 995, 11, 314, 716, 257]])
    graph, shared = export_onnx(model, (ids, torch.ones_like(ids), GPT2.third_input(ids)),
                                os.path.join(folder, "onnx", "model.onnx"), list(GPT2.input_names))
    cases = reference_cases(model, texts, GPT2.third_input)
    summarize("tiny-gpt2", cases)
    write_reference(folder, "tiny-gpt2", {**describe(graph), "tied_weights_shared": shared}, cases)
    make_gpt2_past(out_dir, model, ids, texts, cases)


def past_io(layers: int) -> tuple[list[str], list[str], dict[str, dict[int, str]]]:
    """The KV-cache input and output names of transformers.js's Hub exports, and their dynamic axes."""
    past = [f"past_key_values.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]
    present = [f"present.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]
    total = "past_sequence_length + sequence_length"
    axes = {"input_ids": BATCH_SEQ, "position_ids": BATCH_SEQ, "attention_mask": {0: "batch_size", 1: total},
            "logits": BATCH_SEQ}
    axes.update({n: {0: "batch_size", 2: "past_sequence_length"} for n in past})
    axes.update({n: {0: "batch_size", 2: total} for n in present})
    return past, present, axes


def make_gpt2_past(out_dir: str, model: GPT2LMHeadModel, ids: Tensor, texts: list[dict], cases: list[dict]) -> None:
    """The same weights exported the way transformers.js's Hub exports take a KV cache."""
    config = GPT2_CONFIG
    folder = fresh_folder(out_dir, "tiny-gpt2-past", {**config, "use_cache": True}, GPT2.tokenizer)
    model.with_past = True
    heads, head_dim, past_len = config["n_head"], config["n_embd"] // config["n_head"], 3
    past = [torch.randn(1, heads, past_len, head_dim) for _ in range(2 * config["n_layer"])]
    past_names, present_names, axes = past_io(config["n_layer"])
    args = (ids, torch.ones(1, past_len + ids.size(1), dtype=torch.int64),
            torch.arange(past_len, past_len + ids.size(1))[None, :], *past)
    graph, shared = export_onnx(model, args, os.path.join(folder, "onnx", "model.onnx"),
                                [*GPT2.input_names, *past_names], ["logits", *present_names], axes)
    check_cache_in_pytorch(model, torch.tensor([texts[0]["input_ids"]]), cases[0])
    info = {**describe(graph), "tied_weights_shared": shared,
            "past_note": "with past_sequence_length 0 (empty past tensors [batch, 4, 0, 8]) the logits equal "
                         "tiny-gpt2's; the cases below are tiny-gpt2's, computed by the same weights"}
    write_reference(folder, "tiny-gpt2-past", info, cases)


def check_cache_in_pytorch(model: GPT2LMHeadModel, t: Tensor, case: dict) -> None:
    """An empty cache gives tiny-gpt2's logits, and a run split in two matches a full one."""
    heads, head_dim = GPT2_CONFIG["n_head"], GPT2_CONFIG["n_embd"] // GPT2_CONFIG["n_head"]
    empty = [torch.zeros(1, heads, 0, head_dim)] * (2 * GPT2_CONFIG["n_layer"])
    n, k = t.size(1), t.size(1) // 2
    with torch.no_grad():
        full = model(t, torch.ones_like(t), torch.arange(n)[None, :], *empty)
        first = model(t[:, :k], torch.ones(1, k, dtype=torch.int64), torch.arange(k)[None, :], *empty)
        second = model(t[:, k:], torch.ones_like(t), torch.arange(k, n)[None, :], *first[1:])
    assert torch.equal(torch.topk(full[0][0], TOP_K).values, torch.tensor(case["top_logits"])), "empty-cache logits differ"
    split_diff = (torch.cat([first[0], second[0]], dim=1) - full[0]).abs().max().item()
    print(f"tiny-gpt2-past: split-run vs full-run max |Δlogit| in PyTorch {split_diff:.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tokenized", help="the texts' ids, from tools/lens_models/tokenize.mjs texts")
    parser.add_argument("out", help="folder to write tiny-bert/, tiny-bert-nosoftmax/, tiny-gpt2/, tiny-gpt2-past/ into")
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    with open(args.tokenized, encoding="utf-8") as f:
        tokenized = json.load(f)
    os.makedirs(args.out, exist_ok=True)
    make_bert(args.out, tokenized["bert"])
    torch.manual_seed(SEED + 1)  # each model's weights independent of the other's
    make_gpt2(args.out, tokenized["gpt2"])


if __name__ == "__main__":
    main()
