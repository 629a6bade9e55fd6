"""Makes the tiny encoder-decoder test models under test/fixtures/models/, with PyTorch reference outputs:

    cd tools && PYTHONPATH=. python3 -m lens_models.make_seq2seq_models ../test/fixtures/models

- tiny-t5: t5.T5ForConditionalGeneration (relative position bias, gated-GELU, tied embeddings, 2 encoder and 3
  decoder layers) with onnx/encoder_model.onnx, decoder_model.onnx and decoder_model_merged.onnx;
- tiny-marian: marian.MarianMTModel (sinusoidal positions, scaled queries, Softmax over [batch * heads, T, S]) with
  only onnx/encoder_model.onnx and decoder_model_merged.onnx, as some Hub repos carry;
- tiny-bart: bart.BartForConditionalGeneration (learned positions at offset 2, layernorm_embedding, GELU, decoder
  start </s>) with only onnx/encoder_model.onnx and decoder_model_merged.onnx, as tiny-marian.
T5 and Marian read test/fixtures/tokenizers/tiny-unigram (written here: a SentencePiece Unigram tokenizer.json, "▁"
pieces, "</s>" after each sequence, as T5's and Marian's are); BART RoBERTa's byte-level BPE, tiny-roberta-bpe
("<s> … </s>"). Ids come from tools/lens_models/tokenize.mjs, the library
the inference core uses. reference.json holds, for each case, the source and target ids and every attention map of
the three sets, and at each target position the top logits and log-sum-exp; a case without a target text has the
target PyTorch's greedy decoding wrote (at most MAX_NEW_TOKENS, stopping at </s>)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch
from torch import nn

from .bart import BartForConditionalGeneration
from .hub_folder import REPO, TOKENIZERS, write_hub_folder, write_json
from .marian import MarianMTModel
from .seq2seq_export import export_seq2seq
from .t5 import T5ForConditionalGeneration

SEED = 20261202
MAX_NEW_TOKENS = 32
TOP_K = 10
TOKENIZER = "tiny-unigram"
SPECIALS = ["<pad>", "</s>", "<unk>"]
WORDS = ("the quick brown fox jumps over lazy dog a an is are was were of to in on and or for with this that it "
         "hello world house cat sat mat der die das und ist ein eine haus katze hund schnell braun über faul "
         "le la les un une est chat chien maison rapide brun translate English German French : . , ! ?").split()
CASES = [
    {"source": "translate English to German: The quick brown fox jumps over the lazy dog.",
     "target": "Der schnelle braune Fuchs springt über den faulen Hund."},
    {"source": "The cat sat on the mat.", "target": "Die Katze."},
    {"source": "Hello world", "target": None},
    {"source": "a house is a house", "target": None},
]

T5_CONFIG = {
    "architectures": ["T5ForConditionalGeneration"], "model_type": "t5", "d_model": 32, "d_kv": 8, "d_ff": 48,
    "num_layers": 2, "num_decoder_layers": 3, "num_heads": 4, "relative_attention_num_buckets": 8,
    "relative_attention_max_distance": 20, "dropout_rate": 0.0, "layer_norm_epsilon": 1e-6,
    "feed_forward_proj": "gated-gelu", "dense_act_fn": "gelu_new", "is_gated_act": True, "tie_word_embeddings": True,
    "is_encoder_decoder": True, "pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0,
    "n_positions": 512, "torch_dtype": "float32", "transformers_version": "4.53.0", "use_cache": True,
}
MARIAN_CONFIG = {
    "architectures": ["MarianMTModel"], "model_type": "marian", "d_model": 32, "encoder_layers": 2,
    "decoder_layers": 2, "encoder_attention_heads": 4, "decoder_attention_heads": 4, "encoder_ffn_dim": 48,
    "decoder_ffn_dim": 48, "activation_function": "swish", "max_position_embeddings": 128, "scale_embedding": True,
    "share_encoder_decoder_embeddings": True, "is_encoder_decoder": True, "pad_token_id": 0, "eos_token_id": 1,
    "decoder_start_token_id": 0, "forced_eos_token_id": 1, "normalize_before": False, "static_position_embeddings": True,
    "dropout": 0.0, "attention_dropout": 0.0, "torch_dtype": "float32", "transformers_version": "4.53.0",
}
BART_TOKENIZER = "tiny-roberta-bpe"
BART_CONFIG = {
    "architectures": ["BartForConditionalGeneration"], "model_type": "bart", "d_model": 32, "encoder_layers": 2,
    "decoder_layers": 2, "encoder_attention_heads": 4, "decoder_attention_heads": 4, "encoder_ffn_dim": 48,
    "decoder_ffn_dim": 48, "activation_function": "gelu", "max_position_embeddings": 128, "scale_embedding": False,
    "is_encoder_decoder": True, "bos_token_id": 0, "pad_token_id": 1, "eos_token_id": 2, "decoder_start_token_id": 2,
    "forced_eos_token_id": 2, "normalize_before": False, "add_final_layer_norm": False, "dropout": 0.0,
    "attention_dropout": 0.0, "activation_dropout": 0.0, "torch_dtype": "float32", "transformers_version": "4.53.0",
}


def unigram_tokenizer(folder: str) -> int:
    """Writes a tiny SentencePiece Unigram tokenizer (T5's tokenizer.json layout); returns its vocabulary size.
    Whole words score above their letters, so words stay whole; any other text falls back to single characters."""
    chars = sorted({ch for case in CASES for text in case.values() if text for ch in text if ch != " "}
                   | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
    pieces = [[p, 0.0] for p in SPECIALS] + [["▁", -3.0]]
    seen = {p for p, _ in pieces}
    for word in WORDS:
        for piece in (f"▁{word}", word):
            if piece not in seen:
                seen.add(piece)
                pieces.append([piece, -4.0 - 0.01 * len(pieces)])
    for ch in chars:
        for piece in (ch, f"▁{ch}"):
            if piece not in seen:
                seen.add(piece)
                pieces.append([piece, -10.0])
    special = [{"id": i, "content": p, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
                "special": True} for i, p in enumerate(SPECIALS)]
    metaspace = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}
    eos = {"SpecialToken": {"id": "</s>", "type_id": 0}}
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": special, "normalizer": None,
        "pre_tokenizer": metaspace,
        "post_processor": {"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 0}}, eos],
                           "pair": [{"Sequence": {"id": "A", "type_id": 0}}, eos,
                                    {"Sequence": {"id": "B", "type_id": 0}}, eos],
                           "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}},
        "decoder": metaspace,
        "model": {"type": "Unigram", "unk_id": 2, "vocab": pieces, "byte_fallback": False},
    }
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "tokenizer.json"), tokenizer)
    write_json(os.path.join(folder, "tokenizer_config.json"), {
        "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>", "model_max_length": 512,
        "tokenizer_class": "T5Tokenizer", "added_tokens_decoder": {str(t["id"]): t for t in special}})
    write_json(os.path.join(folder, "special_tokens_map.json"), {"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"})
    return len(pieces)


def bart_vocab_size() -> int:
    """tiny-roberta-bpe's ids, <mask> (the last) included."""
    with open(os.path.join(TOKENIZERS, BART_TOKENIZER, "tokenizer.json"), encoding="utf-8") as f:
        tokenizer = json.load(f)
    return 1 + max([*tokenizer["model"]["vocab"].values(), *(t["id"] for t in tokenizer["added_tokens"])])


def tokenize(texts: list[str], model_type: str) -> list[list[int]]:
    """Ids of each text from tokenize.mjs (the inference core's library) with the tokenizer of model_type, special
    tokens included."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "texts.json"), os.path.join(tmp, "ids.json")
        with open(src, "w", encoding="utf-8") as f:
            json.dump({model_type: texts}, f, ensure_ascii=False)
        subprocess.run(["node", os.path.join(REPO, "tools", "lens_models", "tokenize.mjs"), "texts", src, out],
                       check=True, stdout=sys.stderr)
        with open(out, encoding="utf-8") as f:
            return [item["input_ids"] for item in json.load(f)[model_type]]


def randomize(model: nn.Module) -> None:
    """Weights far from uniform attention and flat predictions; norms near 1; fixed sinusoids left as they are."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if not p.requires_grad:
                continue
            if ("layer_norm" in name or "layernorm" in name) and name.endswith("weight"):
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            elif "relative_attention_bias" in name:
                p.normal_(0.0, 1.0)
            elif p.dim() == 1:
                p.normal_(0.0, 0.1)
            elif "shared" in name:
                p.normal_(0.0, 0.5 if "marian" in type(model).__name__.lower() else 1.0)
            elif name.endswith((".q.weight", ".k.weight")):
                # T5 does not scale its scores: smaller query and key weights keep them near a real model's (~10),
                # where float32 rounding leaves the maps within 1e-5 of PyTorch's.
                p.normal_(0.0, 0.15)
            else:
                p.normal_(0.0, 0.3)
        if hasattr(model, "final_logits_bias"):
            model.final_logits_bias.normal_(0.0, 0.5)


def run_case(model: nn.Module, config: dict, source: list[int], target: list[int] | None) -> dict:
    """The three sets' maps and the target's top logits; without a target, PyTorch's greedy target first."""
    src = torch.tensor([source])
    mask = torch.ones_like(src)
    with torch.no_grad():
        hidden, encoder_maps = model.encode(src, mask)
        margins = []
        if target is None:
            target = [config["decoder_start_token_id"]]
            while len(target) <= MAX_NEW_TOKENS:
                logits = model.decode(torch.tensor([target]), mask, hidden)[0][0, -1]
                top = torch.topk(logits, 2)
                margins.append(float(top.values[0] - top.values[1]))
                target.append(int(top.indices[0]))
                if target[-1] == config["eos_token_id"]:
                    break
        logits, decoder_maps, cross_maps, _ = model.decode(torch.tensor([target]), mask, hidden)
    # [1, heads, q, k] (T5) or [1 * heads, q, k] (Marian's batched MatMul): [heads, q, k] either way.
    as_4d = lambda maps: [(m[0] if m.dim() == 4 else m).tolist() for m in maps]
    top = torch.topk(logits[0], TOP_K, dim=-1)
    return {
        "source_ids": source, "target_ids": target,
        "encoder": as_4d(encoder_maps), "decoder": as_4d(decoder_maps), "cross": as_4d(cross_maps),
        "top_ids": top.indices.tolist(), "top_logits": top.values.tolist(),
        "logsumexp": torch.logsumexp(logits[0].double(), dim=-1).tolist(),
        **({"greedy_min_margin": min(margins)} if margins else {}),
    }


def make(out_dir: str, name: str, model: nn.Module, config: dict, shape: dict, keep: list[str],
         tokenizer: str = TOKENIZER) -> None:
    folder = os.path.join(out_dir, name)
    shutil.rmtree(folder, ignore_errors=True)
    write_hub_folder(folder, config, os.path.join(TOKENIZERS, tokenizer))
    onnx_dir = os.path.join(folder, "onnx")
    graphs = export_seq2seq(model, onnx_dir=onnx_dir, **shape)
    for file in os.listdir(onnx_dir):
        if file.removesuffix(".onnx") not in keep:
            os.remove(os.path.join(onnx_dir, file))
    sources = tokenize([c["source"] for c in CASES], config["model_type"])
    targets = tokenize([c["target"] or "" for c in CASES], config["model_type"])
    start = config["decoder_start_token_id"]
    cases = []
    for case, source, target in zip(CASES, sources, targets):
        result = run_case(model, config, source, [start, *target] if case["target"] else None)
        cases.append({"source": case["source"], "target": case["target"], "generated": case["target"] is None, **result})
        print(f"{name}: source {len(source)}, target {len(result['target_ids'])} tokens"
              + (f", greedy min margin {result['greedy_min_margin']:.4f}" if "greedy_min_margin" in result else ""))
    write_json(os.path.join(folder, "reference.json"), {
        "model": name,
        "made_by": f"tools/lens_models/make_seq2seq_models.py: PyTorch {torch.__version__} float32 on CPU, seed {SEED}; "
                   "random weights (not trained)",
        "format": "cases[i]: source_ids (with </s>), target_ids (decoder start token first; the given target's ids "
                  "with </s>, or PyTorch's greedy tokens when generated); encoder[layer][head][q][k] over the source, "
                  "decoder[layer][head][q][k] over the target, cross[layer][head][target q][source k]; "
                  f"top_ids/top_logits[position] the {TOP_K} largest logits at each target position, logsumexp its "
                  "log-sum-exp (float64). Inputs: batch 1, masks all ones.",
        "onnx": {k: v for k, v in graphs.items() if k in keep},
        "cases": cases,
    })


def main() -> None:
    out_dir = sys.argv[1]
    torch.set_num_threads(2)
    vocab = unigram_tokenizer(os.path.join(TOKENIZERS, TOKENIZER))
    torch.manual_seed(SEED)
    t5_config = {**T5_CONFIG, "vocab_size": vocab}
    t5 = T5ForConditionalGeneration(t5_config).eval()
    randomize(t5)
    make(out_dir, "tiny-t5", t5, t5_config, {"layers": 3, "heads": 4, "head_dim": 8, "d_model": 32},
         ["encoder_model", "decoder_model", "decoder_model_merged"])
    marian_config = {**MARIAN_CONFIG, "vocab_size": vocab}
    marian = MarianMTModel(marian_config).eval()
    randomize(marian)
    make(out_dir, "tiny-marian", marian, marian_config, {"layers": 2, "heads": 4, "head_dim": 8, "d_model": 32},
         ["encoder_model", "decoder_model_merged"])
    bart_config = {**BART_CONFIG, "vocab_size": bart_vocab_size()}
    bart = BartForConditionalGeneration(bart_config).eval()
    randomize(bart)
    make(out_dir, "tiny-bart", bart, bart_config, {"layers": 2, "heads": 4, "head_dim": 8, "d_model": 32},
         ["encoder_model", "decoder_model_merged"], BART_TOKENIZER)


if __name__ == "__main__":
    main()
