"""Writes an embedded model's card (models/<name>/README.md) from export's metrics and verify.mjs's predictions.

    cd tools && python3 -m lens_models.card --work ../.cache/export-bert --model ../models/lens-bert-mini \\
        --notes defaultModels/notes-bert.md
    cd tools && python3 -m lens_models.card --work ../.cache/export-bert --model ../models/lens-bert-mini --examples-only

Every number in the card comes from those two files; --examples-only rewrites only what verify.mjs measures (after
a change in how the extension runs the file). --notes holds the hand-written assessment (where the
model is weak), which must be re-read whenever the model is retrained.
"""
import argparse
import json
import os
from typing import Any

from .card_text import KIND_TEXT, SOURCES, reproduction_and_examples

Json = dict[str, Any]


def pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def replace_examples(card_path: str, pr: Json, masked: bool) -> None:
    """Rewrites only the reproduction paragraph and the example table of an existing card (after a change in how
    the file is run); the training and held-out sections need export's metrics, which do not change then."""
    card = open(card_path).read()
    start = card.index("\nRun with the session options")
    end = card.index("\n## Where it is weak")
    with open(card_path, "w") as f:
        f.write(card[:start] + "\n".join(reproduction_and_examples(pr, masked)) + "\n" + card[end:])
    print(f"rewrote the examples of {card_path}")


def model_section(m: Json, cfg: Json, size: int) -> list[str]:
    text = KIND_TEXT[m["kind"]]
    tied = "The tied output matrix is a `Transpose` of the dequantized embedding, not a second copy. "
    return [
        f"# {text['title']}\n",
        "Default model of Attention Lens, trained from scratch by the project "
        "(`tools/defaultModels/`, see its README to reproduce). It is small and was trained briefly on a shared CPU: it "
        "shows how a model of this architecture tokenizes, attends and predicts, but its predictions are weak (see "
        "the numbers and \"Where it is weak\" below). Switch to a Hub model (e.g. `bert-base-uncased`, `gpt2`) for "
        "real quality.\n",
        "## Model\n",
        f"- Architecture: {text['arch'].format(**cfg)}.",
        f"- Parameters: {m['params']:,} ({m['non_embedding_params']:,} outside the embeddings).",
        f"- Tokenizer: {text['tok']}.",
        f"- ONNX (`onnx/model.onnx`, opset 14): {text['io']}. Dynamic batch and sequence axes. Attention is computed as "
        f"MatMul, scale, mask, `Softmax`, MatMul: the {len(m['softmax_nodes'])} Softmax outputs "
        f"(`[batch, heads, query, key]`) are the attention maps.",
        f"- File size: {size / 1e6:.1f} MB. The {len(m['int8_initializers'])} large weight matrices are int8 with "
        f"one fp32 scale per output row, expanded by `DequantizeLinear` nodes; fp32 weights would take "
        f"{m['fp32_bytes_estimate'] / 1e6:.1f} MB. " + (tied if m["transposed_initializers"] else ""),
        "",
    ]


def objective(ta: Json, masked: bool) -> str:
    if masked:
        return ("masked-token prediction, 15 % of tokens chosen, of which 80 % replaced by `[MASK]`, 10 % by a "
                "random token, 10 % unchanged; windows of `[CLS]` + text + `[SEP]`")
    return (f"next-token prediction on windows of the token stream (documents separated by `<|endoftext|>`); "
            f"sampled softmax (the {ta.get('candidates')} most frequent tokens, the batch's targets and "
            f"{ta.get('negatives', 0)} uniform negatives with log-inclusion correction) for the first "
            f"{100 - 100 * ta.get('full_frac', 0):.0f} % of the time, the full 50,257-way softmax after that")


def training_section(m: Json, masked: bool) -> list[str]:
    ta = m["train_args"] or {}
    steps = (f"{m['train_steps']:,} steps in {m['train_minutes']} minutes of wall time, "
             f"{m['train_tokens_seen']:,} tokens seen" if m.get("train_tokens_seen") else
             f"{m['train_steps']:,} steps in {m['train_minutes']} minutes")
    lines = [
        "## Training\n",
        f"- Hardware: {m['hardware']}, shared with other jobs (most of the time this process had a small share "
        f"of one core). PyTorch {'bf16 autocast' if ta.get('bf16') else 'fp32'} on {ta.get('device', 'cpu').upper()}, "
        "`torch` 1.13 (Debian).",
        f"- {steps} (the training split has {m['corpus_train_tokens']:,} tokens: the model saw only a "
        f"fraction of it once).",
    ]
    if ta:
        lines += [
            f"- Objective: {objective(ta, masked)}.",
            f"- AdamW (betas 0.9/0.98, weight decay {ta['weight_decay']} on matrices), peak learning rate {ta['lr']}, "
            f"linear warm-up over {100 * ta['warmup']:.0f} % then cosine decay to {100 * ta['min_lr_frac']:.0f} %, "
            f"batches of {ta['batch']} x {ta['seq']} tokens; the last {100 * ta['long_frac']:.0f} % of the time on "
            f"{ta['long_seq']}-token windows (same tokens per batch) so that positions beyond {ta['seq']} are trained "
            f"at all. No dropout.",
        ]
    return lines + [""]


def data_section(m: Json) -> list[str]:
    lines = [
        "## Data\n",
        "Only public-domain or permissively licensed text and code, fetched by `tools/defaultModels/corpus.sh` from "
        "npm and Debian. Held-out split: about 3 % of the documents of each source (by a hash of the document id, "
        "never by lines).\n",
        "| source | from | licence | train characters | held-out documents |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for k, st in m["corpus_stats"].items():
        name, frm, lic = SOURCES[k]
        lines.append(f"| {name} | {frm} | {lic} | {st['train_chars']:,} | {st['test_docs']} |")
    lines.append(f"\nTraining split: {m['corpus_train_tokens']:,} tokens; held-out split: {m['corpus_test_tokens']:,} "
                 "tokens. Code (Python, TypeScript declarations, JavaScript) is about a quarter of the text.\n")
    return lines


def heldout_section(m: Json, masked: bool) -> list[str]:
    rows = (("fp32", m["heldout_fp32"]), ("int8 (shipped)", m["heldout_int8"]))
    if masked:
        lines = [
            "## Held-out results\n",
            f"Masked-token prediction on {m['heldout_int8']['all']['tokens']:,} masked positions of held-out windows "
            f"of {m['eval_windows_seq']} tokens (BERT masking with a fixed seed; accuracy counts the original token "
            "at every chosen position, also the 20 % not replaced by `[MASK]`).\n",
            "| weights | top-1 | top-5 | loss | top-1 prose | top-1 code |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        return lines + [f"| {label} | {pct(r['all']['top1'])} | {pct(r['all']['top5'])} | {r['all']['loss']:.3f} | "
                        f"{pct(r['prose']['top1'])} | {pct(r['code']['top1'])} |" for label, r in rows]
    lines = [
        "## Held-out results\n",
        f"Next-token prediction on {m['heldout_int8']['all']['tokens']:,} held-out tokens (windows of "
        f"{m['eval_windows_seq']} tokens spread over the held-out split; full softmax).\n",
        "| weights | top-1 | top-5 | perplexity | perplexity prose | perplexity code |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [f"| {label} | {pct(r['all']['top1'])} | {pct(r['all']['top5'])} | {r['all']['perplexity']:.1f} | "
              f"{r['prose']['perplexity']:.1f} | {r['code']['perplexity']:.1f} |" for label, r in rows]
    return lines + ["\nIn code, GPT-2's tokenizer spends one token per space of indentation; those are easy to predict "
                    "and lift the code accuracy."]


def licence_section(masked: bool) -> list[str]:
    return [
        "## Licence\n",
        "The weights are trained by the Attention Lens project and released under the project's licence; the "
        "training data licences are listed above. The tokenizer files reproduce "
        + ("bert-base-uncased's vocabulary (Apache-2.0)." if masked else "GPT-2's vocabulary and merges (MIT)."),
    ]


def write_card(work: str, model: str, notes_path: str) -> None:
    m, pr = (json.load(open(f"{work}/{name}.json")) for name in ("metrics", "predictions"))
    cfg = json.load(open(f"{model}/config.json"))
    notes = open(notes_path).read().strip()
    masked = m["kind"] == "masked"
    size = os.path.getsize(f"{model}/onnx/model.onnx")
    lines = (model_section(m, cfg, size) + training_section(m, masked) + data_section(m) + heldout_section(m, masked)
             + reproduction_and_examples(pr, masked) + ["", "## Where it is weak\n", notes, ""] + licence_section(masked))
    with open(f"{model}/README.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {model}/README.md")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--notes")
    ap.add_argument("--examples-only", action="store_true", help="rewrite only the examples of the existing card")
    a = ap.parse_args()
    if a.examples_only:
        cfg = json.load(open(f"{a.model}/config.json"))
        replace_examples(f"{a.model}/README.md", json.load(open(f"{a.work}/predictions.json")), cfg["model_type"] == "bert")
    else:
        write_card(a.work, a.model, a.notes)


if __name__ == "__main__":
    main()
