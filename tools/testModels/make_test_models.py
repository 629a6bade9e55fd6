"""Makes the tiny test models in the Hub's ONNX layout under test/fixtures/models/, with reference outputs
computed by PyTorch. Run through tools/testModels/make.sh (it tokenizes the texts first, in Node).

    /usr/bin/python3 tools/testModels/make_test_models.py <tokenized.json> <out dir>
"""
import json
import math
import os
import shutil
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_tools import decompose_softmax, share_transposed_initializers, softmax_nodes  # noqa: E402
from tiny_bert import BertForMaskedLM  # noqa: E402
from tiny_gpt2 import GPT2LMHeadModel  # noqa: E402

SEED = 20261123
OPSET = 14
TOP_K = 10
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TOKENIZERS = os.path.join(REPO, "test", "fixtures", "tokenizers")
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]

BERT_CONFIG = {
    "architectures": ["BertForMaskedLM"],
    "attention_probs_dropout_prob": 0.1,
    "classifier_dropout": None,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "hidden_size": 32,
    "initializer_range": 0.02,
    "intermediate_size": 64,
    "layer_norm_eps": 1e-12,
    "max_position_embeddings": 64,
    "model_type": "bert",
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
    "type_vocab_size": 2,
    "use_cache": True,
    "vocab_size": 30522,
}

GPT2_CONFIG = {
    "activation_function": "gelu_new",
    "architectures": ["GPT2LMHeadModel"],
    "attn_pdrop": 0.1,
    "bos_token_id": 50256,
    "embd_pdrop": 0.1,
    "eos_token_id": 50256,
    "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05,
    "model_type": "gpt2",
    "n_ctx": 64,
    "n_embd": 32,
    "n_head": 4,
    "n_inner": 64,
    "n_layer": 3,
    "n_positions": 64,
    "reorder_and_upcast_attn": False,
    "resid_pdrop": 0.1,
    "scale_attn_by_inverse_layer_idx": False,
    "scale_attn_weights": True,
    "summary_activation": None,
    "summary_first_dropout": 0.1,
    "summary_proj_to_labels": True,
    "summary_type": "cls_index",
    "summary_use_proj": True,
    "use_cache": False,
    "vocab_size": 50257,
}

BATCH_SEQ = {0: "batch_size", 1: "sequence_length"}


def randomize(model):
    """Random weights scaled so attention and predictions are far from uniform (std 0.02 would give nearly
    flat distributions), with every bias and LayerNorm parameter non-trivial so wiring mistakes show."""
    for name, p in model.named_parameters():
        with torch.no_grad():
            if "LayerNorm" in name or ".ln_" in name:
                p.copy_(1.0 + 0.1 * torch.randn_like(p) if name.endswith("weight") else 0.1 * torch.randn_like(p))
            elif p.dim() == 1:
                p.normal_(0.0, 0.1)
            elif "embeddings" in name or ".wte." in name or ".wpe." in name:
                p.normal_(0.0, 0.5)
            else:
                p.normal_(0.0, 0.25)


def write_json(path, value):
    """Pretty at the top level; each reference case on one line, which keeps the files a third the size."""
    with open(path, "w", encoding="utf-8") as f:
        if "cases" not in value:
            json.dump(value, f, indent=2, ensure_ascii=False)
        else:
            head = {k: v for k, v in value.items() if k != "cases"}
            text = json.dumps(head, indent=2, ensure_ascii=False)
            cases = ",\n".join("    " + json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in value["cases"])
            f.write(text[:-2] + ',\n  "cases": [\n' + cases + "\n  ]\n}")
        f.write("\n")


def prepare_folder(out_dir, name, config, tokenizer):
    folder = os.path.join(out_dir, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "onnx"))
    write_json(os.path.join(folder, "config.json"), config)
    for f in TOKENIZER_FILES:
        shutil.copyfile(os.path.join(TOKENIZERS, tokenizer, f), os.path.join(folder, f))
    return folder


def export(model, args, path, input_names, output_names, dynamic_axes):
    torch.onnx.export(model, args, path, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True)
    graph = onnx.load(path)
    shared = share_transposed_initializers(graph)
    onnx.checker.check_model(graph)
    onnx.save(graph, path)
    return graph, shared


def describe(graph):
    # onnx 1.12's shape inference cannot follow these graphs' Reshapes, so shapes are recorded by verify.mjs.
    return {
        "inputs": [i.name for i in graph.graph.input],
        "outputs": [o.name for o in graph.graph.output],
        "softmax_nodes": [{"name": n.name, "output": n.output[0]} for n in softmax_nodes(graph)],
    }


def reference_case(text, ids, logits, attentions):
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


def summarize(name, cases):
    """Prints how peaked predictions and attention are, as a check that the random weights are not flat."""
    probs = [math.exp(c["top_logits"][i][0] - c["logsumexp"][i]) for c in cases for i in range(len(c["input_ids"]))]
    maxes = [max(row) for c in cases for layer in c["attentions"] for head in layer for row in head[1:]]
    print(f"{name}: top-1 probability mean {np.mean(probs):.3f}, attention row max mean {np.mean(maxes):.3f}")


def make_bert(out_dir, texts):
    config = BERT_CONFIG
    model = BertForMaskedLM(config).eval()
    randomize(model)
    folder = prepare_folder(out_dir, "tiny-bert", config, "bert-base-uncased")
    path = os.path.join(folder, "onnx", "model.onnx")
    ids = torch.tensor([[101, 7592, 103, 2088, 102, 0, 0, 0]])
    dummy = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    names = ["input_ids", "attention_mask", "token_type_ids"]
    graph, shared = export(model, dummy, path, names, ["logits"],
                           {**{n: BATCH_SEQ for n in names}, "logits": BATCH_SEQ})
    model.return_attentions = True
    cases = []
    with torch.no_grad():
        for item in texts:
            t = torch.tensor([item["input_ids"]])
            logits, attentions = model(t, torch.ones_like(t), torch.zeros_like(t))
            cases.append(reference_case(item["text"], item["input_ids"], logits[0], attentions))
    summarize("tiny-bert", cases)
    info = describe(graph)
    info["tied_weights_shared"] = shared
    write_json(os.path.join(folder, "reference.json"), reference_doc("tiny-bert", info, cases))

    # The same weights with Softmax spelled out in elementary ops: a graph with no attention to expose.
    folder2 = prepare_folder(out_dir, "tiny-bert-nosoftmax", config, "bert-base-uncased")
    path2 = os.path.join(folder2, "onnx", "model.onnx")
    rewritten = onnx.load(path)
    decompose_softmax(rewritten)
    onnx.checker.check_model(rewritten)
    assert not softmax_nodes(rewritten)
    onnx.save(rewritten, path2)
    info2 = describe(rewritten)
    info2["softmax_decomposed"] = f"each of the {len(info['softmax_nodes'])} Softmax nodes of tiny-bert as " \
                                  "ReduceMax/Sub/Exp/ReduceSum/Div, same output names"
    write_json(os.path.join(folder2, "reference.json"), reference_doc("tiny-bert-nosoftmax", info2, cases))


def make_gpt2(out_dir, texts):
    config = GPT2_CONFIG
    model = GPT2LMHeadModel(config).eval()
    randomize(model)
    folder = prepare_folder(out_dir, "tiny-gpt2", config, "gpt2")
    path = os.path.join(folder, "onnx", "model.onnx")
    ids = torch.tensor([[15496, 995, 11, 314, 716, 257]])
    positions = torch.arange(ids.size(1))[None, :]
    names = ["input_ids", "attention_mask", "position_ids"]
    graph, shared = export(model, (ids, torch.ones_like(ids), positions), path, names, ["logits"],
                           {**{n: BATCH_SEQ for n in names}, "logits": BATCH_SEQ})

    model.return_attentions = True
    cases = []
    with torch.no_grad():
        for item in texts:
            t = torch.tensor([item["input_ids"]])
            logits, attentions = model(t, torch.ones_like(t), torch.arange(t.size(1))[None, :])
            cases.append(reference_case(item["text"], item["input_ids"], logits[0], attentions))
    model.return_attentions = False
    summarize("tiny-gpt2", cases)
    info = describe(graph)
    info["tied_weights_shared"] = shared
    write_json(os.path.join(folder, "reference.json"), reference_doc("tiny-gpt2", info, cases))

    # The same weights exported the way transformers.js's Hub exports take a KV cache.
    past_config = {**config, "use_cache": True}
    folder2 = prepare_folder(out_dir, "tiny-gpt2-past", past_config, "gpt2")
    path2 = os.path.join(folder2, "onnx", "model.onnx")
    model.with_past = True
    heads, head_dim, past_len = config["n_head"], config["n_embd"] // config["n_head"], 3
    past = [torch.randn(1, heads, past_len, head_dim) for _ in range(2 * config["n_layer"])]
    past_names, present_names = [], []
    for i in range(config["n_layer"]):
        past_names += [f"past_key_values.{i}.key", f"past_key_values.{i}.value"]
        present_names += [f"present.{i}.key", f"present.{i}.value"]
    total = "past_sequence_length + sequence_length"
    axes = {"input_ids": BATCH_SEQ, "position_ids": BATCH_SEQ, "attention_mask": {0: "batch_size", 1: total},
            "logits": BATCH_SEQ}
    axes.update({n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names})
    axes.update({n: {0: "batch_size", 2: total} for n in present_names})
    args = (ids, torch.ones(1, past_len + ids.size(1), dtype=torch.int64),
            torch.arange(past_len, past_len + ids.size(1))[None, :], *past)
    graph2, shared2 = export(model, args, path2, names + past_names, ["logits"] + present_names, axes)

    # Check in PyTorch that an empty cache gives tiny-gpt2's logits, and that a split run matches a full one.
    with torch.no_grad():
        t = torch.tensor([texts[0]["input_ids"]])
        n = t.size(1)
        full = model(t, torch.ones_like(t), torch.arange(n)[None, :], *[torch.zeros(1, heads, 0, head_dim)] * len(past))
        k = n // 2
        first = model(t[:, :k], torch.ones(1, k, dtype=torch.int64), torch.arange(k)[None, :],
                      *[torch.zeros(1, heads, 0, head_dim)] * len(past))
        second = model(t[:, k:], torch.ones_like(t), torch.arange(k, n)[None, :], *first[1:])
        ref_top = torch.tensor(cases[0]["top_logits"])
        assert torch.equal(torch.topk(full[0][0], TOP_K).values, ref_top), "empty-cache logits differ"
        split_diff = (torch.cat([first[0], second[0]], dim=1) - full[0]).abs().max().item()
        print(f"tiny-gpt2-past: split-run vs full-run max |Δlogit| in PyTorch {split_diff:.2e}")
    info2 = describe(graph2)
    info2["tied_weights_shared"] = shared2
    info2["past_note"] = "with past_sequence_length 0 (empty past tensors [batch, 4, 0, 8]) the logits equal " \
                         "tiny-gpt2's; the cases below are tiny-gpt2's, computed by the same weights"
    write_json(os.path.join(folder2, "reference.json"), reference_doc("tiny-gpt2-past", info2, cases))


def reference_doc(name, info, cases):
    return {
        "model": name,
        "made_by": f"tools/testModels/make_test_models.py: PyTorch {torch.__version__} float32 on CPU, seed {SEED}, "
                   f"ONNX opset {OPSET}; random weights (not trained)",
        "format": "cases[i].attentions[layer][head][query][key] are the attention probabilities; "
                  f"top_ids/top_logits[position] are the {TOP_K} largest logits at each position, best first; "
                  "logsumexp[position] is log(sum(exp(logits))) over the whole vocabulary (float64), so "
                  "p(token) = exp(logit - logsumexp). Inputs: batch 1, attention_mask all ones, token_type_ids "
                  "zeros (BERT), position_ids 0..n-1 (GPT-2).",
        "onnx": info,
        "cases": cases,
    }


def main():
    tokenized_path, out_dir = sys.argv[1], sys.argv[2]
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    with open(tokenized_path, encoding="utf-8") as f:
        tokenized = json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    make_bert(out_dir, tokenized["bert"])
    torch.manual_seed(SEED + 1)
    make_gpt2(out_dir, tokenized["gpt2"])


if __name__ == "__main__":
    main()
