"""Makes, once, the encoder-decoder benchmark model: a T5-base-shaped T5ForConditionalGeneration with random
weights (12 + 12 layers, 12 heads, d_model 768, d_kv 64, d_ff 3072 ReLU, vocabulary 32,128, relative position bias
of 32 buckets up to 128) in optimum's layout (seq2seq_export.py: encoder_model.onnx, decoder_model.onnx,
decoder_model_merged.onnx; ~2.6 GB), with the tiny Unigram test tokenizer (its ids lie inside the vocabulary) and a
generation_config.json for transformers.js. Default folder ~/.cache/attention-lens-bench/t5-base-shaped.

    cd tools && PYTHONPATH=. python3 -m lens_models.make_seq2seq_bench [--out DIR]
"""
import argparse
import os

import torch

from .hub_folder import TOKENIZERS, write_hub_folder, write_json
from .make_seq2seq_models import T5_CONFIG, TOKENIZER
from .seq2seq_export import export_seq2seq
from .t5 import T5ForConditionalGeneration

CONFIG = {
    **T5_CONFIG, "vocab_size": 32128, "d_model": 768, "d_kv": 64, "d_ff": 3072, "num_layers": 12,
    "num_decoder_layers": 12, "num_heads": 12, "relative_attention_num_buckets": 32,
    "relative_attention_max_distance": 128, "feed_forward_proj": "relu", "dense_act_fn": "relu", "is_gated_act": False,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.environ.get("ATTENTION_LENS_BENCH_MODELS",
                                                    os.path.expanduser("~/.cache/attention-lens-bench")))
    folder = os.path.join(ap.parse_args().out, "t5-base-shaped")
    if os.path.exists(os.path.join(folder, "onnx", "decoder_model_merged.onnx")):
        print(f"{folder} exists")
        return
    torch.manual_seed(5)
    torch.set_num_threads(2)
    model = T5ForConditionalGeneration(CONFIG).eval()
    with torch.no_grad():
        # T5's initialisation scale (_init_weights, factor 1): activations in a trained model's range.
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.fill_(1.0)  # layer norms
            else:
                p.normal_(0.0, 1.0 if "shared" in name or "relative" in name else p.shape[-1] ** -0.5)
    write_hub_folder(folder, CONFIG, os.path.join(TOKENIZERS, TOKENIZER))
    write_json(os.path.join(folder, "generation_config.json"),
               {"decoder_start_token_id": 0, "eos_token_id": 1, "pad_token_id": 0})
    export_seq2seq(model, layers=12, heads=12, head_dim=64, d_model=768, onnx_dir=os.path.join(folder, "onnx"))
    print(f"wrote {folder}")


if __name__ == "__main__":
    main()
