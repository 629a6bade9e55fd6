"""Makes the tiny encoder test models (RoBERTa, XLM-RoBERTa, DistilBERT, ALBERT, ELECTRA's generator) under
test/fixtures/models/, in optimum's layout, with PyTorch reference outputs. Run through tools/testModels/make.sh (it
tokenizes first, with each model's tokenizer: texts.json names them by model_type):

    cd tools && python3 -m lens_models.make_encoder_models <tokenized.json> <out dir>

Each graph takes the inputs optimum gives the family (RoBERTa, XLM-RoBERTa, DistilBERT: input_ids and
attention_mask; ALBERT, ELECTRA: token_type_ids too) and returns logits; attention is one Softmax per layer.
tiny-roberta's Softmax outputs go through transformers ≥ 4.53's Where(IsNaN(p), 0, p) before the MatMul.
"""
import json
import os
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from . import encoder_configs, encoders
from .hub_folder import TOKENIZERS, write_json
from .make_test_models import fresh_folder
from .onnx_graph import export_onnx, softmax_nodes
from .test_references import MADE_BY, describe, randomize, reference_cases, reference_doc, summarize, tokenized_cli

SEED = 20261203


@dataclass(frozen=True)
class EncoderFixture:
    name: str
    model_type: str  # the key of its texts in texts.json
    tokenizer: str  # folder under test/fixtures/tokenizers
    config: Callable[[int], dict]  # from the vocabulary size
    model: Callable[[dict], nn.Module]
    token_types: bool  # whether the graph takes token_type_ids


FIXTURES = [
    EncoderFixture("tiny-roberta", "roberta", "tiny-roberta-bpe",
                   lambda v: encoder_configs.roberta("roberta", "RobertaForMaskedLM", v),
                   lambda c: encoders.RobertaForMaskedLM(c, nan_guard=True), False),
    EncoderFixture("tiny-xlm-roberta", "xlm-roberta", "tiny-xlmr-unigram",
                   lambda v: encoder_configs.roberta("xlm-roberta", "XLMRobertaForMaskedLM", v),
                   encoders.RobertaForMaskedLM, False),
    EncoderFixture("tiny-distilbert", "distilbert", "bert-base-uncased", encoder_configs.distilbert,
                   encoders.DistilBertForMaskedLM, False),
    EncoderFixture("tiny-albert", "albert", "tiny-albert-unigram", encoder_configs.albert, encoders.AlbertForMaskedLM,
                   True),
    EncoderFixture("tiny-electra", "electra", "bert-base-uncased", encoder_configs.electra,
                   encoders.ElectraForMaskedLM, True),
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


def make(fixture: EncoderFixture, out_dir: str, texts: list[dict]) -> None:
    config = fixture.config(vocabulary_size(os.path.join(TOKENIZERS, fixture.tokenizer)))
    model = fixture.model(config).eval()
    randomize(model)
    if isinstance(model, encoders.DistilBertForMaskedLM):
        model.distilbert.embeddings.reset_positions()
    folder = fresh_folder(out_dir, fixture.name, config, fixture.tokenizer)
    ids = torch.tensor([[2, 7, 11, 5, 3, 1, 1]])
    third = token_types if fixture.token_types else None
    names = ["input_ids", "attention_mask", *(["token_type_ids"] if third else [])]
    graph, shared = export_onnx(model, (ids, torch.ones_like(ids), *([third(ids)] if third else [])),
                                os.path.join(folder, "onnx", "model.onnx"), names)
    layers = config.get("num_hidden_layers", config.get("n_layers"))
    assert len(softmax_nodes(graph)) == layers, f"{fixture.name}: expected one Softmax per layer"
    cases = reference_cases(model, texts, third)
    summarize(fixture.name, cases)
    doc = reference_doc(fixture.name, SEED, {**describe(graph), "tied_weights_shared": shared}, cases)
    doc["made_by"] = doc["made_by"].replace(MADE_BY, "tools/lens_models/make_encoder_models.py")
    doc["format"] = doc["format"].split(" Inputs:")[0] + (" Inputs: batch 1, attention_mask all ones, token_type_ids "
                                                          "zeros where the graph takes them.")
    write_json(os.path.join(folder, "reference.json"), doc)


def main() -> None:
    tokenized, out = tokenized_cli(__doc__, "folder to write the tiny-<encoder>/ folders into")
    os.makedirs(out, exist_ok=True)
    for i, fixture in enumerate(FIXTURES):
        torch.manual_seed(SEED + i)
        make(fixture, out, tokenized[fixture.model_type])


if __name__ == "__main__":
    main()
