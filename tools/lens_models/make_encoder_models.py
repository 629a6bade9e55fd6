"""Makes the tiny encoder test models (RoBERTa, XLM-RoBERTa, DistilBERT, ALBERT, ELECTRA's generator, DeBERTa-v3,
ModernBERT) under test/fixtures/models/, in optimum's layout, with PyTorch reference outputs. Run through
tools/testModels/make.sh (it tokenizes first, with each model's tokenizer: texts.json names them by model_type):

    cd tools && python3 -m lens_models.make_encoder_models <tokenized.json> <out dir>

Each graph takes the inputs optimum gives the family (RoBERTa, XLM-RoBERTa, DistilBERT, ModernBERT: input_ids and
attention_mask; ALBERT, ELECTRA: token_type_ids too; DeBERTa-v3 none, as its type_vocab_size is 0) and returns logits;
attention is one Softmax per layer. tiny-roberta's Softmax outputs go through transformers ≥ 4.53's
Where(IsNaN(p), 0, p) before the MatMul; tiny-deberta-v3's through a Reshape to [batch·heads, q, k]; tiny-modernbert's
layer 1 is a ±4 window over 8,192 positions.
"""
import json
import os
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from . import encoder_configs, encoders
from .deberta import DebertaV2ForMaskedLM
from .hub_folder import TOKENIZERS, write_json
from .make_test_models import fresh_folder
from .modernbert import ModernBertForMaskedLM
from .onnx_graph import export_onnx, softmax_nodes
from .test_references import MADE_BY, describe, randomize, reference_cases, reference_doc, summarize, tokenized_cli

SEED = 20261203


def randomize_positions(model: nn.Module) -> None:
    """randomize(), then DistilBERT's sinusoidal position table put back (it is not a learnt weight)."""
    randomize(model)
    model.distilbert.embeddings.reset_positions()


def randomize_norms(model: nn.Module) -> None:
    """randomize(), with the norms test_references does not recognise by name (ModernBERT's *norm; DeBERTa's
    LayerNorm it does) near 1, so no layer's output is scaled to nothing."""
    randomize(model)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.1 * torch.randn_like(p))


@dataclass(frozen=True)
class EncoderFixture:
    name: str
    model_type: str  # the key of its texts in texts.json
    tokenizer: str  # folder under test/fixtures/tokenizers
    config: Callable[[int], dict]  # from the vocabulary size
    model: Callable[[dict], nn.Module]
    token_types: bool  # whether the graph takes token_type_ids
    seed: int  # each model's weights independent of the others'
    initialize: Callable[[nn.Module], None] = randomize


FIXTURES = [
    EncoderFixture("tiny-roberta", "roberta", "tiny-roberta-bpe",
                   lambda v: encoder_configs.roberta("roberta", "RobertaForMaskedLM", v),
                   lambda c: encoders.RobertaForMaskedLM(c, nan_guard=True), False, SEED),
    EncoderFixture("tiny-xlm-roberta", "xlm-roberta", "tiny-xlmr-unigram",
                   lambda v: encoder_configs.roberta("xlm-roberta", "XLMRobertaForMaskedLM", v),
                   encoders.RobertaForMaskedLM, False, SEED + 1),
    EncoderFixture("tiny-distilbert", "distilbert", "bert-base-uncased", encoder_configs.distilbert,
                   encoders.DistilBertForMaskedLM, False, SEED + 2, randomize_positions),
    EncoderFixture("tiny-albert", "albert", "tiny-albert-unigram", encoder_configs.albert, encoders.AlbertForMaskedLM,
                   True, SEED + 3),
    EncoderFixture("tiny-electra", "electra", "bert-base-uncased", encoder_configs.electra,
                   encoders.ElectraForMaskedLM, True, SEED + 4),
    # The seeds these two were first made with, when a separate maker numbered them from SEED.
    EncoderFixture("tiny-deberta-v3", "deberta-v2", "tiny-deberta-v3-sp", encoder_configs.deberta_v3,
                   DebertaV2ForMaskedLM, False, SEED, randomize_norms),
    EncoderFixture("tiny-modernbert", "modernbert", "tiny-modernbert-bpe", encoder_configs.modernbert,
                   ModernBertForMaskedLM, False, SEED + 1, randomize_norms),
]


def vocabulary_size(folder: str) -> int:
    """Largest id + 1 of a tokenizer folder, added tokens included (a Unigram vocabulary is a list of pieces)."""
    with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
        tok = json.load(f)
    vocab = tok["model"]["vocab"]
    return max(len(vocab) if isinstance(vocab, list) else max(vocab.values()) + 1,
               *(a["id"] + 1 for a in tok["added_tokens"]))


def token_types(ids: Tensor) -> Tensor:
    return torch.zeros_like(ids)


def check_padding(model: nn.Module, ids: list[int], pad: int, third: Callable[[Tensor], Tensor] | None) -> None:
    """A right-padded copy gives the same logits at the real positions: the masks are wired as transformers's."""
    t = torch.tensor([ids])
    padded = torch.tensor([ids + [pad] * 3])
    mask = torch.tensor([[1] * len(ids) + [0] * 3])
    with torch.no_grad():
        logits = model(t, torch.ones_like(t), *([third(t)] if third else []))
        diff = (model(padded, mask, *([third(padded)] if third else []))[0, :len(ids)] - logits[0]).abs().max().item()
    assert diff < 1e-4, f"padding changes the logits by {diff}"


def make(fixture: EncoderFixture, out_dir: str, texts: list[dict]) -> None:
    config = fixture.config(vocabulary_size(os.path.join(TOKENIZERS, fixture.tokenizer)))
    model = fixture.model(config).eval()
    fixture.initialize(model)
    third = token_types if fixture.token_types else None
    cases = reference_cases(model, texts, third)
    summarize(fixture.name, cases)
    check_padding(model, texts[0]["input_ids"], config["pad_token_id"], third)
    folder = fresh_folder(out_dir, fixture.name, config, fixture.tokenizer)
    ids = torch.tensor([texts[0]["input_ids"]])
    names = ["input_ids", "attention_mask", *(["token_type_ids"] if third else [])]
    graph, shared = export_onnx(model, (ids, torch.ones_like(ids), *([third(ids)] if third else [])),
                                os.path.join(folder, "onnx", "model.onnx"), names)
    layers = config.get("num_hidden_layers", config.get("n_layers"))
    assert len(softmax_nodes(graph)) == layers, f"{fixture.name}: expected one Softmax per layer"
    doc = reference_doc(fixture.name, SEED, {**describe(graph), "tied_weights_shared": shared}, cases)
    doc["made_by"] = doc["made_by"].replace(MADE_BY, "tools/lens_models/make_encoder_models.py")
    doc["format"] = doc["format"].split(" Inputs:")[0] + (" Inputs: batch 1, attention_mask all ones, token_type_ids "
                                                          "zeros where the graph takes them.")
    write_json(os.path.join(folder, "reference.json"), doc)


def main() -> None:
    tokenized, out = tokenized_cli(__doc__, "folder to write the tiny-<encoder>/ folders into")
    os.makedirs(out, exist_ok=True)
    for fixture in FIXTURES:
        torch.manual_seed(fixture.seed)
        make(fixture, out, tokenized[fixture.model_type])


if __name__ == "__main__":
    main()
