"""The logit lens of tiny test models, from the project's PyTorch definitions, as goldens for the core's in-graph lens
(src/core/onnx/logitLensPatch.ts): each layer's output hidden state through the model's own final norm and head
(BERT: the MLM transform and decoder; GPT-2: ln_f and lm_head; Llama / Gemma 2: the final RMSNorm, lm_head and
Gemma 2's final soft-cap), softmax over the vocabulary, at every position of the fixture's first reference case.

The weights are made again as the fixtures' makers made them (same seed, same order); the model's logits are checked
against the fixture's reference.json before anything is written. Writes test/fixtures/models/<name>/logit_lens.json.

    cd tools && python3 -m lens_models.logit_lens_reference ../test/fixtures/models
"""
import argparse
import json
import os
from typing import Callable

import torch
from torch import Tensor, nn

from . import make_decoder_models, make_test_models
from .decoder_configs import decoder_config
from .families import FAMILIES
from .hub_folder import TOKENIZERS
from .llama import DecoderForCausalLM
from .llama import randomize as randomize_decoder
from .test_references import randomize
from .tiny_configs import BERT_CONFIG, GPT2_CONFIG

TOP_K = 10
# PyTorch's float32 logits against those committed in reference.json by the fixture's maker.
REMADE_TOLERANCE = 1e-4


class Lens:
    """A remade model, its layers (whose first output is the layer's hidden state) and its final norm and head."""

    def __init__(self, model: nn.Module, layers: nn.ModuleList, head: Callable[[Tensor], Tensor],
                 run: Callable[[Tensor], Tensor], causal: bool) -> None:
        self.model, self.layers, self.head, self.run, self.causal = model, layers, head, run, causal


def bert_lens() -> Lens:
    torch.manual_seed(make_test_models.SEED)
    model = FAMILIES["bert"].build(BERT_CONFIG).eval()
    randomize(model)
    return Lens(model, model.bert.encoder.layer, model.cls,
                lambda t: model(t, torch.ones_like(t), torch.zeros_like(t)), False)


def gpt2_lens() -> Lens:
    torch.manual_seed(make_test_models.SEED + 1)
    model = FAMILIES["gpt2"].build(GPT2_CONFIG).eval()
    randomize(model)
    positions = FAMILIES["gpt2"].third_input
    return Lens(model, model.transformer.h, lambda h: model.lm_head(model.transformer.ln_f(h)),
                lambda t: model(t, torch.ones_like(t), positions(t)), True)


def decoder_lens(name: str) -> Lens:
    index, fixture = next((i, f) for i, f in enumerate(make_decoder_models.FIXTURES) if f.name == name)
    vocab, special = make_decoder_models.tokenizer_facts(os.path.join(TOKENIZERS, fixture.tokenizer))
    torch.manual_seed(make_decoder_models.SEED + index)
    model = DecoderForCausalLM(decoder_config(fixture.model_type, vocab, special)).eval()
    randomize_decoder(model)
    positions = make_decoder_models.positions_of(fixture)

    def head(h: Tensor) -> Tensor:
        logits = model.lm_head(model.model.norm(h))
        cap = model.final_softcap
        return logits if cap is None else torch.tanh(logits / cap) * cap

    return Lens(model, model.model.layers, head, lambda t: model(t, torch.ones_like(t), positions(t)), True)


MODELS: dict[str, Callable[[], Lens]] = {
    "tiny-bert": bert_lens,
    "tiny-gpt2": gpt2_lens,
    "tiny-llama": lambda: decoder_lens("tiny-llama"),
    "tiny-gemma2": lambda: decoder_lens("tiny-gemma2"),
}


def check_remade(name: str, logits: Tensor, case: dict) -> None:
    top = torch.topk(logits, TOP_K, dim=-1)
    assert top.indices.tolist() == case["top_ids"], f"{name}: the remade model's top ids differ from reference.json"
    diff = (top.values - torch.tensor(case["top_logits"])).abs().max().item()
    assert diff <= REMADE_TOLERANCE, f"{name}: the remade model's logits differ from reference.json by {diff}"
    print(f"{name}: remade model within {diff:.1e} of reference.json")


def lens_of(name: str, lens: Lens, case: dict) -> dict:
    ids = torch.tensor([case["input_ids"]])
    hidden: list[Tensor] = []
    hooks = [layer.register_forward_hook(lambda _m, _i, out: hidden.append(out[0] if isinstance(out, tuple) else out))
             for layer in lens.layers]
    with torch.no_grad():
        logits = lens.run(ids)
        logits = logits[0] if isinstance(logits, tuple) else logits
        check_remade(name, logits[0], case)
        layers = [torch.log_softmax(lens.head(h).double(), dim=-1)[0] for h in hidden]
    for hook in hooks:
        hook.remove()
    final = torch.argmax(logits[0], dim=-1)
    cells = []
    for log_probs in layers:
        top = torch.topk(log_probs, TOP_K, dim=-1)
        row = []
        for p in range(ids.shape[1]):
            cell = {"top_ids": top.indices[p].tolist(), "top_probabilities": top.values[p].exp().tolist(),
                    "final_probability": log_probs[p, final[p]].exp().item()}
            if lens.causal:
                cell["next_probability"] = log_probs[p, ids[0, p + 1]].exp().item() if p + 1 < ids.shape[1] else None
            row.append(cell)
        cells.append(row)
    return {"made_by": "tools/lens_models/logit_lens_reference.py", "text": case["text"],
            "input_ids": case["input_ids"], "final_ids": final.tolist(), "layers": cells}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", help="the fixtures folder, test/fixtures/models")
    args = parser.parse_args()
    torch.set_num_threads(2)
    for name, make in MODELS.items():
        folder = os.path.join(args.models, name)
        with open(os.path.join(folder, "reference.json"), encoding="utf-8") as f:
            case = json.load(f)["cases"][0]
        doc = lens_of(name, make(), case)
        with open(os.path.join(folder, "logit_lens.json"), "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
