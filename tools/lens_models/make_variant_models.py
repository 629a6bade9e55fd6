"""Makes test/fixtures/models/tiny-llama-variants: a tiny LlamaForCausalLM in optimum's layout with the variant
files transformers.js loads besides onnx/model.onnx (float32, with reference.json from PyTorch):

- onnx/model_fp16.onnx: float16 weights, activations, pasts, presents and logits (float16.py);
- onnx/model_q4.onnx: the MatMul weights as com.microsoft.MatMulNBits, 4 bits in blocks of 32 (q4_graph.py);
- onnx/model_q4f16.onnx: model_q4.onnx in float16 (MatMulNBits with float16 scales and activations);
- onnx/model_int8.onnx: the MatMul weights as int8 behind DynamicQuantizeLinear / MatMulInteger (int8_graph.py).

    cd tools && python3 -m lens_models.make_variant_models <tokenized.json> <out dir>

tiny-llama's 50,259-id vocabulary would make the folder 10 MB, so this one reads the 2,000-id SentencePiece BPE of
the Gemma fixtures (a Llama 2 / Mistral style tokenizer), and is 32 wide so every MatMul's K is a whole number of
q4 blocks; head_dim 16 ≠ 32 / 4 heads and 2 key/value heads as in tiny-llama.
"""
import os

import onnx
import torch

from .decoder_configs import decoder_config
from .float16 import convert_float_to_float16
from .hub_folder import TOKENIZERS, write_json
from .int8_graph import quantize_matmuls_int8
from .llama import DecoderForCausalLM, randomize
from .make_decoder_models import DecoderFixture, decoder_reference, export_optimum, positions_of, tokenizer_facts
from .make_test_models import fresh_folder
from .q4_graph import quantize_matmuls
from .test_references import describe, reference_cases, summarize, tokenized_cli

SEED = 20261203
FIXTURE = DecoderFixture("tiny-llama-variants", "llama", "tiny-sp-bpe", 0, gqa=False)
TEXTS = "gemma2"  # the tokenized texts of tiny-sp-bpe, the tokenizer this fixture shares with tiny-gemma2
WIDER = {"hidden_size": 32, "intermediate_size": 64}


def make_variants(texts: list[dict], out_dir: str) -> None:
    vocab, special = tokenizer_facts(os.path.join(TOKENIZERS, FIXTURE.tokenizer))
    config = {**decoder_config(FIXTURE.model_type, vocab, special), **WIDER}
    torch.manual_seed(SEED)
    model = DecoderForCausalLM(config).eval()
    randomize(model)
    cases = reference_cases(model, texts, positions_of(FIXTURE))
    summarize(FIXTURE.name, cases)
    folder = fresh_folder(out_dir, FIXTURE.name, config, FIXTURE.tokenizer)
    graph = export_optimum(FIXTURE, model, config, folder)
    info = {**describe(graph), "position_ids": "0..n-1",
            "variants": {"onnx/model_fp16.onnx": "float16 throughout (float16.py); not compared with PyTorch here",
                         "onnx/model_q4.onnx": "MatMulNBits 4 bits, block 32 (q4_graph.py): other weights than PyTorch's",
                         "onnx/model_q4f16.onnx": "model_q4.onnx in float16 throughout (float16.py)",
                         "onnx/model_int8.onnx": "MatMulInteger, int8 weights, activations quantized per run "
                                                 "(int8_graph.py): other numbers than PyTorch's"}}
    write_json(os.path.join(folder, "reference.json"), decoder_reference(FIXTURE.name, info, cases))
    save_variant(convert_float_to_float16(graph), folder, "fp16")
    q4, errors = quantize_matmuls(graph)
    save_variant(q4, folder, "q4", errors)
    save_variant(convert_float_to_float16(q4), folder, "q4f16")
    int8, errors = quantize_matmuls_int8(graph)
    save_variant(int8, folder, "int8", errors)


def save_variant(graph: onnx.ModelProto, folder: str, variant: str, errors: dict[str, float] | None = None) -> None:
    """Checks and writes onnx/model_<variant>.onnx; prints how far quantization moved the weights."""
    onnx.checker.check_model(graph)
    onnx.save(graph, os.path.join(folder, "onnx", f"model_{variant}.onnx"))
    if errors:
        print(f"  {variant}: {len(errors)} MatMuls, largest |Δw| {max(errors.values()):.3g}")


def main() -> None:
    tokenized, out = tokenized_cli(__doc__, "folder to write the model folder into")
    make_variants(tokenized[TEXTS], out)


if __name__ == "__main__":
    main()
