"""Makes the tiny DeBERTa-v3 and ModernBERT test models under test/fixtures/models/, in optimum's layout, with
PyTorch reference outputs. Run through tools/testModels/make.sh (it tokenizes first):

    cd tools && python3 -m lens_models.make_encoder_models <tokenized.json> <out dir>

- tiny-deberta-v3: deberta.DebertaV2ForMaskedLM (disentangled attention, log-bucketed relative positions, no
  token_type_ids as type_vocab_size is 0), tokenizer tiny-deberta-v3-sp (SentencePiece Unigram, [MASK]);
- tiny-modernbert: modernbert.ModernBertForMaskedLM (rotary, layers 0 and 2 global, layer 1 a ±4 window,
  8,192 positions), tokenizer tiny-modernbert-bpe (byte-level BPE, [MASK]).
"""
import os
from collections.abc import Callable

import torch
from torch import nn

from .deberta import DebertaV2ForMaskedLM
from .encoder_configs import DEBERTA_V3_CONFIG, MODERNBERT_CONFIG
from .hub_folder import write_json
from .make_test_models import fresh_folder
from .modernbert import ModernBertForMaskedLM
from .onnx_graph import export_onnx
from .test_references import MADE_BY, describe, randomize, reference_case, reference_doc, summarize, tokenized_cli

SEED = 20261203
FIXTURES: list[tuple[str, str, Callable[[dict], nn.Module], dict, str]] = [
    ("tiny-deberta-v3", "deberta-v2", DebertaV2ForMaskedLM, DEBERTA_V3_CONFIG, "tiny-deberta-v3-sp"),
    ("tiny-modernbert", "modernbert", ModernBertForMaskedLM, MODERNBERT_CONFIG, "tiny-modernbert-bpe"),
]


def randomize_norms(model: nn.Module) -> None:
    """randomize(), with the norms test_references does not recognise by name (ModernBERT's *norm, DeBERTa's
    LayerNorm is) near 1, so no layer's output is scaled to nothing."""
    randomize(model)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.1 * torch.randn_like(p))


def reference_cases(model: nn.Module, texts: list[dict]) -> list[dict]:
    """Each tokenized text alone (batch 1, mask all ones, no token types) with its attentions."""
    model.return_attentions = True
    cases = []
    with torch.no_grad():
        for item in texts:
            t = torch.tensor([item["input_ids"]])
            logits, attentions = model(t, torch.ones_like(t))
            cases.append(reference_case(item["text"], item["input_ids"], logits[0], attentions))
    model.return_attentions = False
    return cases


def check_padding(model: nn.Module, ids: list[int], pad: int) -> None:
    """A right-padded copy gives the same logits at the real positions: the masks are wired as transformers's."""
    t = torch.tensor([ids])
    padded = torch.tensor([ids + [pad] * 3])
    mask = torch.tensor([[1] * len(ids) + [0] * 3])
    with torch.no_grad():
        diff = (model(padded, mask)[0, :len(ids)] - model(t, torch.ones_like(t))[0]).abs().max().item()
    assert diff < 1e-4, f"padding changes the logits by {diff}"


def make_fixture(name: str, make: Callable[[dict], nn.Module], config: dict, tokenizer: str, texts: list[dict],
                 out_dir: str) -> None:
    model = make(config).eval()
    randomize_norms(model)
    cases = reference_cases(model, texts)
    summarize(name, cases)
    check_padding(model, texts[0]["input_ids"], config["pad_token_id"])
    folder = fresh_folder(out_dir, name, config, tokenizer)
    ids = torch.tensor([texts[0]["input_ids"]])
    graph, shared = export_onnx(model, (ids, torch.ones_like(ids)), os.path.join(folder, "onnx", "model.onnx"),
                                ["input_ids", "attention_mask"])
    doc = reference_doc(name, SEED, {**describe(graph), "tied_weights_shared": shared}, cases)
    doc["made_by"] = doc["made_by"].replace(MADE_BY, "tools/lens_models/make_encoder_models.py")
    doc["format"] = doc["format"].split(" Inputs:")[0] + " Inputs: batch 1, attention_mask all ones (no token_type_ids)."
    write_json(os.path.join(folder, "reference.json"), doc)


def main() -> None:
    tokenized, out = tokenized_cli(__doc__, "folder to write tiny-deberta-v3/ and tiny-modernbert/ into")
    for i, (name, model_type, make, config, tokenizer) in enumerate(FIXTURES):
        torch.manual_seed(SEED + i)  # each model's weights independent of the other's
        make_fixture(name, make, config, tokenizer, tokenized[model_type], out)


if __name__ == "__main__":
    main()
