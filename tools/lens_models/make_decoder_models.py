"""Makes the tiny modern-decoder test models (Llama, Qwen3, Gemma 2, Gemma 3, GPT-NeoX, OPT) under
test/fixtures/models/, in two export styles (GPT-NeoX and OPT in optimum's only), with PyTorch reference outputs.
Run through tools/testModels/make.sh (it tokenizes first):

    cd tools && python3 -m lens_models.make_decoder_models <tokenized.json> <out dir> [--probes DIR]

- optimum style, tiny-<family>/onnx/model.onnx: torch.onnx.export of llama.DecoderForCausalLM (gpt_neox.py's and
  opt.py's models for those two) with a KV cache (tiny-llama's weights as external data, onnx/model.onnx_data);
- onnxruntime-genai's fused style, tiny-<family>-gqa/onnx/model.onnx: GroupQueryAttention (gqa_graph.py), same
  weights and references.
--probes writes throwaway copies of the fused graphs with qk_output=2 and output_qk exposed, for verify.mjs.
"""
import argparse
import json
import os
from collections.abc import Callable
from dataclasses import dataclass

import onnx
import torch
from torch import Tensor, nn

from . import layer_norm_decoders
from .decoder_configs import decoder_config
from .gqa_graph import MS, gqa_model
from .hub_folder import TOKENIZERS, write_json
from .llama import DecoderForCausalLM, randomize
from .make_test_models import fresh_folder, past_io
from .onnx_graph import export_onnx
from .test_references import MADE_BY, describe, reference_cases, reference_doc, summarize

SEED = 20261202


@dataclass(frozen=True)
class DecoderFixture:
    name: str
    model_type: str
    tokenizer: str  # folder under test/fixtures/tokenizers
    position_ids: int | None  # the first position the graph's position_ids input takes; None: no such input
    external_data: bool = False
    gqa: bool = True
    # What reference.json says of positions when the graph takes none
    no_positions: str = "absent: the graph counts positions from the past length"


FIXTURES = [
    DecoderFixture("tiny-llama", "llama", "tiny-llama3-bpe", 0, external_data=True),
    DecoderFixture("tiny-gemma2", "gemma2", "tiny-sp-bpe", None),
    DecoderFixture("tiny-qwen3", "qwen3", "tiny-llama3-bpe", 0),
    # onnx-community's Gemma 3 exports take position_ids and transformers.js feeds them from 1; rotary is relative,
    # so the maps equal 0-based positions' within rounding, but the reference uses 1..n as those feeds do.
    DecoderFixture("tiny-gemma3", "gemma3_text", "tiny-sp-bpe", 1),
    # Pythia's tokenizer is GPT-2's byte-level BPE with no BOS; OPT's is GPT-2's BPE behind a BOS, as tiny-llama3-bpe.
    DecoderFixture("tiny-gpt-neox", "gpt_neox", "gpt2", 0, gqa=False),
    # optimum exports OPT without position_ids: its graph counts them from attention_mask, as modeling_opt does.
    DecoderFixture("tiny-opt", "opt", "tiny-llama3-bpe", None, gqa=False,
                   no_positions="absent: the graph counts them from attention_mask (cumsum(mask) * mask - 1), +2 rows"),
]


def cache_shape(c: dict) -> tuple[int, int, int]:
    """Layers, key/value heads and head size of a config, whichever family's keys it has."""
    heads = c["num_attention_heads"]
    return c["num_hidden_layers"], c.get("num_key_value_heads", heads), c.get("head_dim") or c["hidden_size"] // heads


def decoder_reference(name: str, info: dict, cases: list[dict]) -> dict:
    """reference_doc, saying which tool made it and what a decoder's inputs were."""
    doc = reference_doc(name, SEED, info, cases)
    doc["made_by"] = doc["made_by"].replace(MADE_BY, "tools/lens_models/make_decoder_models.py")
    doc["format"] = doc["format"].split(" Inputs:")[0] + (" Inputs: batch 1, attention_mask all ones, position_ids (where "
                                                          "the graph has them) as onnx.position_ids says, empty pasts.")
    return doc


def tokenizer_facts(folder: str) -> tuple[int, dict[str, int]]:
    """The vocabulary size (largest id + 1, added tokens included) and the bos/eos/pad ids of a tokenizer folder."""
    with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
        tok = json.load(f)
    with open(os.path.join(folder, "tokenizer_config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    ids = {**tok["model"]["vocab"], **{a["content"]: a["id"] for a in tok["added_tokens"]}}
    special = {}
    for key in ("bos", "eos", "pad"):
        token = cfg.get(f"{key}_token")
        token = token.get("content") if isinstance(token, dict) else token
        if token in ids:
            special[f"{key}_token_id"] = ids[token]
    return max(ids.values()) + 1, special


def positions_of(fixture: DecoderFixture) -> Callable[[Tensor], Tensor | None]:
    """The position_ids a fixture's graph takes for ids [batch, n], or None where it has no such input."""
    start = fixture.position_ids
    return lambda t: None if start is None else torch.arange(start, start + t.shape[1])[None, :].expand(t.shape[0], -1)


def export_optimum(fixture: DecoderFixture, model: nn.Module, config: dict, folder: str) -> onnx.ModelProto:
    (layers, kv_heads, head_dim), past_len = cache_shape(config), 3
    past = [torch.randn(1, kv_heads, past_len, head_dim) for _ in range(2 * layers)]
    past_names, present_names, axes = past_io(layers)
    ids = torch.tensor([[1, 5, 9, 2, 7]])
    positions = positions_of(fixture)(torch.zeros(1, past_len + ids.shape[1]))
    with_positions = fixture.position_ids is not None
    args = (ids, torch.ones(1, past_len + ids.shape[1], dtype=torch.int64),
            *([positions[:, past_len:]] if with_positions else []), *past)
    names = ["input_ids", "attention_mask", *(["position_ids"] if with_positions else []), *past_names]
    if not with_positions:
        del axes["position_ids"]
    path = os.path.join(folder, "onnx", "model.onnx")
    model.with_past, model.position_ids_input = True, with_positions
    graph, _ = export_onnx(model, args, path, names, ["logits", *present_names], axes)
    model.with_past, model.position_ids_input = False, True
    if fixture.external_data:
        onnx.save_model(graph, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location="model.onnx_data", size_threshold=1024)
    return graph


def write_probe(graph: onnx.ModelProto, path: str) -> list[str]:
    """A copy whose GroupQueryAttention nodes fill output 3 with probabilities (qk_output=2), exposed as outputs."""
    probe = onnx.ModelProto()
    probe.CopyFrom(graph)
    names = []
    for node in probe.graph.node:
        if node.op_type == "GroupQueryAttention" and node.domain == MS:
            node.attribute.append(onnx.helper.make_attribute("qk_output", 2))
            while len(node.output) < 3:
                node.output.append("")
            node.output.append(node.name + "/output_qk")
            names.append(node.name + "/output_qk")
            probe.graph.output.append(onnx.helper.make_empty_tensor_value_info(names[-1]))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(probe, path)
    return names


def make_fixture(fixture: DecoderFixture, texts: list[dict], out_dir: str, probes: str | None) -> None:
    vocab, special = tokenizer_facts(os.path.join(TOKENIZERS, fixture.tokenizer))
    config = decoder_config(fixture.model_type, vocab, special)
    if fixture.external_data:
        config["transformers.js_config"] = {"use_external_data_format": {"model.onnx": 1}}
    if fixture.model_type in layer_norm_decoders.MODELS:
        model = layer_norm_decoders.build(config)
    else:
        model = DecoderForCausalLM(config).eval()
        randomize(model)
    cases = reference_cases(model, texts, positions_of(fixture))
    summarize(fixture.name, cases)
    check_cache_in_pytorch(model, config, torch.tensor([texts[0]["input_ids"]]), positions_of(fixture))
    folder = fresh_folder(out_dir, fixture.name, config, fixture.tokenizer)
    graph = export_optimum(fixture, model, config, folder)
    start = fixture.position_ids
    positions = {"position_ids": fixture.no_positions if start is None
                 else f"{start}..n{start - 1:+d}" if start != 1 else "1..n"}
    write_json(os.path.join(folder, "reference.json"),
               decoder_reference(fixture.name, {**describe(graph), **positions}, cases))
    if not fixture.gqa:
        return
    folder = fresh_folder(out_dir, fixture.name + "-gqa", config, fixture.tokenizer)
    fused = gqa_model(model)
    onnx.save(fused, os.path.join(folder, "onnx", "model.onnx"))
    nodes = [n.name for n in fused.graph.node if n.op_type == "GroupQueryAttention"]
    info = {**describe(fused), "position_ids": "absent: GroupQueryAttention rotates by the past length (do_rotary=1)",
            "attention_nodes": [{"name": n, "op_type": "GroupQueryAttention", "qk_output_name": n + "/output_qk"}
                                for n in nodes],
            "note": f"the weights and cases of {fixture.name}; attention is output 3 of each GroupQueryAttention once "
                    "its qk_output attribute is 2 (not set in the file)"}
    write_json(os.path.join(folder, "reference.json"), decoder_reference(fixture.name + "-gqa", info, cases))
    if probes:
        write_probe(fused, os.path.join(probes, fixture.name + "-gqa.onnx"))


def check_cache_in_pytorch(model: nn.Module, config: dict, t: Tensor, positions: Callable[[Tensor], Tensor | None]) -> None:
    """A run split in two, the second half fed the first's presents, gives the full run's logits."""
    (layers, kv_heads, head_dim), n = cache_shape(config), t.shape[1]
    k = n // 2
    empty = [torch.zeros(1, kv_heads, 0, head_dim)] * (2 * layers)
    pos = positions(t)
    model.with_past = True
    with torch.no_grad():
        full = model(t, torch.ones_like(t), pos, *empty)[0]
        first = model(t[:, :k], torch.ones(1, k, dtype=torch.int64), None if pos is None else pos[:, :k], *empty)
        second = model(t[:, k:], torch.ones_like(t), None if pos is None else pos[:, k:], *first[1:])
    model.with_past = False
    diff = (torch.cat([first[0], second[0]], dim=1) - full).abs().max().item()
    assert diff < 1e-4, f"split-run logits differ by {diff}"
    print(f"  split-run vs full-run max |Δlogit| in PyTorch {diff:.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tokenized", help="the texts' ids, from tools/lens_models/tokenize.mjs texts")
    parser.add_argument("out", help="folder to write the model folders into")
    parser.add_argument("--probes", help="folder for the throwaway qk_output=2 copies of the fused graphs")
    parser.add_argument("--only", nargs="*", help="fixture names to make (default all)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    with open(args.tokenized, encoding="utf-8") as f:
        tokenized = json.load(f)
    for i, fixture in enumerate(FIXTURES):
        if args.only and fixture.name not in args.only:
            continue
        torch.manual_seed(SEED + i)  # each model's weights independent of the others'
        make_fixture(fixture, tokenized[fixture.model_type], args.out, args.probes)


if __name__ == "__main__":
    main()
