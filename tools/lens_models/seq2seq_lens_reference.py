"""The decoder's logit lens of the tiny encoder-decoder test models, from the project's PyTorch definitions, as goldens
for the core's in-graph lens (src/core/onnx/logitLensPatch.ts on the decoder graph): each decoder layer's output
hidden state through the model's own final decoder norm and LM head (T5: the final RMSNorm, x d_model^-0.5 with tied
embeddings, lm_head; BART and Marian: lm_head and final_logits_bias, their configs having no final layer norm),
softmax over the vocabulary in float64, at every target position of the fixture's first reference case (a given
target, teacher forcing).

The models are made again as make_seq2seq_models made them (same seed, same order, each exported to a temporary
folder because the export draws random inputs); their logits are checked against the fixture's reference.json first.
Writes test/fixtures/models/<name>/logit_lens.json, in logit_lens_reference.py's format with source_ids and
target_ids for input_ids.

    cd tools && PYTHONPATH=. python3 -m lens_models.seq2seq_lens_reference ../test/fixtures/models
"""
import argparse
import json
import os
import tempfile
from typing import Callable

import torch
from torch import Tensor, nn

from . import make_seq2seq_models as makers
from .bart import BartForConditionalGeneration
from .logit_lens_reference import TOP_K, check_remade
from .marian import MarianMTModel
from .seq2seq_export import export_seq2seq
from .t5 import T5ForConditionalGeneration

SHAPES = {"tiny-t5": 3, "tiny-marian": 2, "tiny-bart": 2}


def t5_head(model: T5ForConditionalGeneration) -> Callable[[Tensor], Tensor]:
    def head(h: Tensor) -> Tensor:
        h = model.decoder.final_layer_norm(h)
        if model.config.get("tie_word_embeddings", True):
            h = h * (model.config["d_model"] ** -0.5)
        return model.lm_head(h)
    return head


def marian_head(model: MarianMTModel) -> Callable[[Tensor], Tensor]:
    return lambda h: model.lm_head(h) + model.final_logits_bias


def decoder_layers(name: str, model: nn.Module) -> list[nn.Module]:
    """Modules whose output (first of a tuple) is each decoder layer's output hidden state."""
    if name == "tiny-t5":
        return [block.layer[-1] for block in model.decoder.block]
    return list(model.model.decoder.layers)


def remade(models: str) -> dict[str, tuple[nn.Module, Callable[[Tensor], Tensor]]]:
    """The three models as make_seq2seq_models.main made them, in its order."""
    made: dict[str, tuple[nn.Module, Callable[[Tensor], Tensor]]] = {}
    torch.manual_seed(makers.SEED)
    builds = [("tiny-t5", T5ForConditionalGeneration, makers.T5_CONFIG, t5_head),
              ("tiny-marian", MarianMTModel, makers.MARIAN_CONFIG, marian_head),
              ("tiny-bart", BartForConditionalGeneration, makers.BART_CONFIG, marian_head)]
    for name, build, config, head in builds:
        with open(os.path.join(models, name, "config.json"), encoding="utf-8") as f:
            vocab = json.load(f)["vocab_size"]
        model = build({**config, "vocab_size": vocab}).eval()
        makers.randomize(model)
        with tempfile.TemporaryDirectory() as tmp:
            export_seq2seq(model, layers=SHAPES[name], heads=4, head_dim=8, d_model=32, onnx_dir=tmp)
        made[name] = (model, head(model))
    return made


def lens_of(name: str, model: nn.Module, head: Callable[[Tensor], Tensor], case: dict) -> dict:
    source, target = torch.tensor([case["source_ids"]]), torch.tensor([case["target_ids"]])
    mask = torch.ones_like(source)
    hidden: list[Tensor] = []
    hooks = [layer.register_forward_hook(lambda _m, _i, out: hidden.append(out[0] if isinstance(out, tuple) else out))
             for layer in decoder_layers(name, model)]
    with torch.no_grad():
        encoded, _ = model.encode(source, mask)
        logits = model.decode(target, mask, encoded)[0]
        check_remade(name, logits[0], case)
        layers = [torch.log_softmax(head(h).double(), dim=-1)[0] for h in hidden]
    for hook in hooks:
        hook.remove()
    last = (layers[-1] - torch.log_softmax(logits[0].double(), dim=-1)).abs().max().item()
    assert last <= 1e-5, f"{name}: the last layer's lens differs from the model's log-probabilities by {last}"
    final = torch.argmax(logits[0], dim=-1)
    ids = target[0]
    cells = []
    for log_probs in layers:
        top = torch.topk(log_probs, TOP_K, dim=-1)
        cells.append([{"top_ids": top.indices[p].tolist(), "top_probabilities": top.values[p].exp().tolist(),
                       "final_probability": log_probs[p, final[p]].exp().item(),
                       "next_probability": log_probs[p, ids[p + 1]].exp().item() if p + 1 < len(ids) else None}
                      for p in range(len(ids))])
    return {"made_by": "tools/lens_models/seq2seq_lens_reference.py", "text": case["source"], "target": case["target"],
            "source_ids": case["source_ids"], "target_ids": case["target_ids"], "final_ids": final.tolist(),
            "layers": cells}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", help="the fixtures folder, test/fixtures/models")
    models = parser.parse_args().models
    torch.set_num_threads(2)
    for name, (model, head) in remade(models).items():
        folder = os.path.join(models, name)
        with open(os.path.join(folder, "reference.json"), encoding="utf-8") as f:
            case = json.load(f)["cases"][0]
        doc = lens_of(name, model, head, case)
        with open(os.path.join(folder, "logit_lens.json"), "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
