"""Attention Lens run files from Python: show attention that PyTorch (or anything else) computed in VS Code.

Copy this one file next to your notebook or script. It needs numpy only; torch tensors are accepted as they are.

    from transformers import AutoModel, AutoTokenizer
    import attention_lens

    tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
    model = AutoModel.from_pretrained("bert-base-uncased", attn_implementation="eager")
    text = "The cat sat on the mat."
    encoding = tokenizer(text, return_offsets_mapping=True, return_tensors="pt")
    outputs = model(input_ids=encoding["input_ids"], attention_mask=encoding["attention_mask"], output_attentions=True)
    run = attention_lens.from_transformers(text, encoding, outputs, tokenizer, model=model)
    run.write("cat.attention.json")   # open it with "Attention Lens: Open Run File…"
    run                               # in a VS Code notebook: drawn inline by Attention Lens's renderer

Or from plain arrays, one map per layer and head:

    run = attention_lens.from_arrays(["The", "cat", "sat"], attentions)  # [layers][heads][query][key]

The file is the extension's JSON export (format FORMAT): tokens with their ids, pieces and spans in `text`, one
attention set "self" whose maps are stored once, in attention.perLayer[layer][head][query][key], and the run's
next-token or masked-token rankings when logits are given. What it is given is checked first (shapes, token
count, spans, every attention row summing to 1) and refused with a ValueError that says what is wrong.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable, Sequence

import numpy as np

__all__ = ["FORMAT", "MIME_TYPE", "Run", "from_arrays", "from_transformers", "write", "display"]
__version__ = "1.0.0"

FORMAT = "attention-lens-run/3"
MIME_TYPE = "application/vnd.attention-lens.run+json"
LAYOUT = "perLayer[layer][head][query][key]"
# Attention rows are probabilities: float32 softmax rows sum to 1 within ~1e-6, float16 ones within ~1e-3.
ROW_TOLERANCE = 1e-3
TOP_K = 10

_VISIBLE = {" ": "\u2423", "\n": "\u21b5", "\t": "\u21e5", "\r": "\u240d", "\x7f": "\u2421"}
_SPACE_MARKERS = ("\u0120", "\u2581")  # byte-level BPE's "Ġ", SentencePiece's "▁"


def _visible(text: str) -> str:
    """Whitespace made visible as the extension shows it (space ␣, newline ↵, tab ⇥, other controls as pictures)."""
    return "".join(_VISIBLE.get(c, chr(0x2400 + ord(c)) if ord(c) < 0x20 else c) for c in text)


def _array(value: Any, what: str) -> np.ndarray:
    """A float64 numpy array of a torch tensor, a numpy array or nested lists."""
    if hasattr(value, "detach"):  # a torch tensor, on any device, in any float type
        value = value.detach().cpu().float().numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what}: not an array of numbers ({error})") from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what}: holds NaN or infinite values")
    return array


def _ints(value: Any, what: str) -> list[int]:
    array = _array(value, what)
    if array.ndim == 2 and array.shape[0] == 1:
        array = array[0]  # a batch of one, as tokenizers return with return_tensors
    if array.ndim != 1 or not np.all(array == np.round(array)):
        raise ValueError(f"{what}: expected one list of integers, got shape {array.shape}")
    return [int(v) for v in array]


def _stack_layers(attentions: Any, batch_index: int | None) -> np.ndarray:
    """[layers, heads, query, key] from one array or a list of per-layer arrays ([heads, q, k] or [batch, heads, q, k])."""
    if isinstance(attentions, (list, tuple)):
        if len(attentions) == 0:
            raise ValueError("attentions: no layers (did the model run with output_attentions=True?)")
        layers = [_array(a, f"attentions[{l}]") for l, a in enumerate(attentions)]
        shapes = {a.shape for a in layers}
        if len(shapes) > 1:
            raise ValueError(f"attentions: the layers have different shapes {sorted(shapes)}")
        stacked = np.stack(layers)
    else:
        stacked = _array(attentions, "attentions")
    if stacked.ndim == 5:  # [layers, batch, heads, q, k]
        batch = stacked.shape[1]
        if batch_index is None and batch != 1:
            raise ValueError(f"attentions: a batch of {batch} sequences; pass batch_index to pick one")
        index = batch_index or 0
        if not 0 <= index < batch:
            raise ValueError(f"batch_index {index}: the batch has {batch} sequences")
        stacked = stacked[:, index]
    if stacked.ndim != 4:
        raise ValueError(f"attentions: expected [layers][heads][query][key] (4 dimensions), got shape {stacked.shape}")
    return stacked


def _check_maps(maps: np.ndarray, tokens: int, tolerance: float) -> bool:
    """Checks every map is tokens × tokens of probabilities whose rows sum to 1; returns whether all are causal."""
    layers, heads, queries, keys = maps.shape
    if layers == 0 or heads == 0:
        raise ValueError(f"attentions: {layers} layers × {heads} heads; a run needs at least one map")
    if (queries, keys) != (tokens, tokens):
        raise ValueError(f"attentions: each map is {queries} × {keys} but there are {tokens} tokens")
    low = np.argwhere(maps < -tolerance)
    if len(low):
        l, h, q, k = low[0]
        raise ValueError(f"attentions: layer {l}, head {h}, query {q}, key {k} is {maps[l, h, q, k]:.4g}, below 0; "
                         "pass the softmax probabilities (output_attentions=True), not scores")
    sums = maps.sum(axis=-1)
    off = np.argwhere(np.abs(sums - 1) > tolerance)
    if len(off):
        l, h, q = off[0]
        raise ValueError(f"attentions: layer {l}, head {h}, query {q} sums to {sums[l, h, q]:.6g}, not 1 "
                         f"(tolerance {tolerance}); pass the softmax probabilities, one row per query token")
    above = np.triu(np.ones((tokens, tokens), dtype=bool), 1)
    return bool(np.all(np.abs(maps[..., above]) <= tolerance)) if tokens > 1 else False


def _spans(text: str | None, pieces: Sequence[str],
           offsets: Any) -> tuple[str, list[tuple[int, int]]]:
    """The text and each token's [start, end) in it: given offsets, or the pieces joined by spaces when no text is given."""
    if offsets is None:
        if text is not None:
            raise ValueError("offsets: a text needs each token's span in it (the tokenizer's offset_mapping); "
                             "or leave text out and the tokens are joined by spaces")
        spans, at = [], 0
        for piece in pieces:
            spans.append((at, at + len(piece)))
            at += len(piece) + 1
        return " ".join(pieces), spans
    array = _array(offsets, "offsets")
    if array.ndim == 3 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"offsets: expected one [start, end] per token, got shape {array.shape}")
    if len(array) != len(pieces):
        raise ValueError(f"offsets: {len(array)} spans for {len(pieces)} tokens")
    if text is None:
        raise ValueError("offsets are given without the text they index")
    spans = [(int(s), int(e)) for s, e in array]
    for i, (s, e) in enumerate(spans):
        if not 0 <= s <= e <= len(text):
            raise ValueError(f"offsets: token {i}'s span [{s}, {e}) is outside the text ({len(text)} characters)")
    return text, spans


def _utf16(text: str, index: int) -> int:
    """A Python (code point) index as the UTF-16 index the extension's spans use."""
    return index + sum(1 for c in text[:index] if ord(c) > 0xFFFF)


def _tokens(text: str, pieces: Sequence[str], ids: Sequence[int], spans: Sequence[tuple[int, int]],
            special: Sequence[bool], words: Sequence[int | None] | None) -> list[dict]:
    """The run's token list in the extension's TokenView shape. A token continues a word when it shares the word
    of the token before it (`words`, the tokenizer's word_ids()); without them, when no space precedes it."""
    tokens = []
    for i, (piece, (start, end)) in enumerate(zip(pieces, spans)):
        is_special = bool(special[i]) or start == end
        shown = text[start:end]
        if shown and piece.startswith(_SPACE_MARKERS) and start > 0 and text[start - 1] == " ":
            shown = " " + shown  # the marker stands for the space before the word that offsets leave out
        if words is not None:
            continuation = not is_special and i > 0 and words[i] is not None and words[i] == words[i - 1]
        else:
            continuation = not is_special and start > 0 and not text[start - 1].isspace()
        tokens.append({
            "index": i, "id": int(ids[i]), "piece": piece, "display": _visible(shown or piece),
            "start": _utf16(text, start), "end": _utf16(text, end) if not is_special else _utf16(text, start),
            "special": is_special, "continuation": continuation, "partialChar": False,
        })
    return tokens


def _softmax(rows: np.ndarray) -> np.ndarray:
    shifted = rows - rows.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def _ranked(probabilities: np.ndarray, decode: Callable[[int], str]) -> list[dict]:
    top = np.argsort(-probabilities, kind="stable")[:TOP_K]
    return [{"id": int(i), "token": _visible(decode(int(i))), "probability": float(probabilities[i])} for i in top]


def _predictions(task: str, logits: Any, ids: Sequence[int], mask_id: int | None,
                 decode: Callable[[int], str]) -> dict:
    """The rankings the extension shows: the next token after every position, or the fills of each mask token."""
    if logits is None:
        return {"task": task, "ranked": []}
    rows = _array(logits, "logits")
    if rows.ndim == 3 and rows.shape[0] == 1:
        rows = rows[0]
    if rows.ndim != 2 or rows.shape[0] != len(ids):
        raise ValueError(f"logits: expected [tokens, vocabulary] with {len(ids)} tokens, got shape {rows.shape}")
    probabilities = _softmax(rows)
    if task == "next-token":
        actual = [None] + [float(probabilities[p - 1, ids[p]]) for p in range(1, len(ids))]
        ranked = [{"position": p, "top": _ranked(probabilities[p], decode)} for p in range(len(ids))]
        return {"task": task, "ranked": ranked, "actual": actual}
    masks = [p for p, i in enumerate(ids) if i == mask_id]
    return {"task": task, "ranked": [{"position": p, "top": _ranked(probabilities[p], decode)} for p in masks]}


class Run:
    """One run as the extension's JSON export has it; `data` is that JSON object."""

    def __init__(self, data: dict) -> None:
        self.data = data

    @property
    def tokens(self) -> list[dict]:
        return self.data["tokens"]

    def to_json(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, allow_nan=False)

    def write(self, path: str) -> str:
        """Writes the run file (name it *.attention.json to open it from VS Code's explorer); returns the path."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json())
        return path

    def display(self) -> None:
        """Shows the run in a notebook output, drawn by Attention Lens's renderer (IPython is imported only here)."""
        from IPython.display import display as show
        show(self._repr_mimebundle_(), raw=True)

    def _repr_mimebundle_(self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None) -> dict:
        return {MIME_TYPE: self.data, "text/plain": repr(self)}

    def __repr__(self) -> str:
        m = self.data["model"]
        return f"<Attention Lens run: {m['id']}, {len(self.tokens)} tokens, {m['layers']} layers × {m['heads']} heads>"


def from_arrays(tokens: Sequence[str], attentions: Any, *, text: str | None = None, offsets: Any = None,
                ids: Any = None, special: Sequence[bool] | None = None, words: Sequence[int | None] | None = None,
                model: str = "python",
                task: str | None = None, logits: Any = None, decode: Callable[[int], str] | None = None,
                mask_id: int | None = None, architecture: str = "", max_positions: int | None = None,
                device: str = "python", batch_index: int | None = None,
                tolerance: float = ROW_TOLERANCE) -> Run:
    """A run from plain arrays.

    tokens: each token's vocabulary piece. attentions: [layers][heads][query][key] (or a list of per-layer
    [heads][q][k] or [1][heads][q][k] arrays). text and offsets: the text and each token's [start, end) in it
    (characters; special tokens empty); without both, the tokens joined by spaces are the text. ids: vocabulary
    ids (default 0, 1, 2, …). special: which tokens are special ([CLS], <s>…). words: each token's word index
    (the encoding's word_ids(); None for special tokens), which says which tokens continue a word. task: "next-token" or "fill-mask"
    (default: next-token when every map is causal). logits: [tokens][vocabulary], for the rankings; decode turns
    an id into its text, mask_id is the mask token's id (fill-mask).
    """
    pieces = [str(t) for t in tokens]
    if not pieces:
        raise ValueError("tokens: a run needs at least one token")
    id_list = list(range(len(pieces))) if ids is None else _ints(ids, "ids")
    if len(id_list) != len(pieces):
        raise ValueError(f"ids: {len(id_list)} ids for {len(pieces)} tokens")
    specials = [False] * len(pieces) if special is None else [bool(s) for s in special]
    if len(specials) != len(pieces):
        raise ValueError(f"special: {len(specials)} flags for {len(pieces)} tokens")
    if words is not None and len(words) != len(pieces):
        raise ValueError(f"words: {len(words)} word indices for {len(pieces)} tokens")
    maps = _stack_layers(attentions, batch_index)
    causal = _check_maps(maps, len(pieces), tolerance)
    task = task or ("next-token" if causal else "fill-mask")
    if task not in ("next-token", "fill-mask"):
        raise ValueError(f'task: "next-token" or "fill-mask", not {task!r}')
    full_text, spans = _spans(text, pieces, offsets)
    layers, heads = maps.shape[:2]
    vocab = _array(logits, "logits").shape[-1] if logits is not None else 0
    sets = [{"name": "self", "label": "Self-attention", "queries": "input", "keys": "input", "layers": layers,
             "heads": heads, "causal": causal, "layout": LAYOUT, "perLayerIn": "attention.perLayer"}]
    return Run({
        "format": FORMAT,
        "text": full_text,
        "stale": None,
        "model": {
            "id": model, "source": "local", "family": "python", "task": task,
            "familyLabel": "causal LM" if task == "next-token" else "masked LM",
            "architecture": architecture or "computed in Python", "tokenizerKind": "given",
            "layers": layers, "heads": heads, "maxPositions": max_positions or len(pieces), "vocabSize": vocab,
            "onnxFile": None, "madeBy": f"attention_lens.py {__version__}",
        },
        "device": {"provider": device, "label": device},
        "tokens": _tokens(full_text, pieces, id_list, spans, specials, words),
        "pair": None,
        "truncation": None,
        "predictions": _predictions(task, logits, id_list, mask_id, decode or (lambda i: f"<id {i}>")),
        "capabilities": {"maskPosition": False, "unmasked": False, "logits": False},
        "maskedAtPosition": {},
        "unmaskedAtPosition": None,
        "ablation": None,
        "logitLens": None,
        "attentionSets": sets,
        "attention": {"layers": layers, "heads": heads, "tokens": "input", "layout": LAYOUT,
                      "perLayer": maps.astype(np.float32).tolist()},
        "timings": {"tokenizeMs": 0, "runMs": 0, "totalMs": 0},
    })


def _get(mapping: Any, key: str) -> Any:
    """A field of a BatchEncoding or ModelOutput (both are dicts and objects), or of a plain dict."""
    if isinstance(mapping, dict) or hasattr(mapping, "keys"):
        return mapping[key] if key in mapping.keys() else None
    return getattr(mapping, key, None)


def from_transformers(text: str, encoding: Any, outputs: Any, tokenizer: Any = None, *, model: Any = None,
                      batch_index: int | None = None, tolerance: float = ROW_TOLERANCE) -> Run:
    """A run from Hugging Face transformers.

    encoding: tokenizer(text, return_offsets_mapping=True) (tensors or lists); outputs: the model's output run
    with output_attentions=True (its logits give the rankings when present). tokenizer: for the pieces, special
    tokens and predicted tokens' text. model: the model or its id, for the run's name and facts.
    Padding (attention_mask 0) is dropped.
    """
    ids = _get(encoding, "input_ids")
    offsets = _get(encoding, "offset_mapping")
    if ids is None:
        raise ValueError("encoding: no input_ids")
    if offsets is None:
        raise ValueError("encoding: no offset_mapping; call the tokenizer with return_offsets_mapping=True")
    attentions = _get(outputs, "attentions")
    if attentions is None:
        raise ValueError("outputs: no attentions; run the model with output_attentions=True "
                         "(and attn_implementation=\"eager\": fused attention kernels return none)")
    row = batch_index or 0
    ids_array, offsets_array = _array(ids, "input_ids"), _array(offsets, "offset_mapping")
    logits = _get(outputs, "logits")
    logits = None if logits is None else _array(logits, "logits")
    maps = _stack_layers(attentions, batch_index)
    if ids_array.ndim == 2:
        ids_array, offsets_array = ids_array[row], offsets_array[row]
        logits = logits[row] if logits is not None and logits.ndim == 3 else logits
    if maps.shape[-1] != len(ids_array):
        raise ValueError(f"attentions: each map is {maps.shape[-2]} × {maps.shape[-1]} but there are {len(ids_array)} input_ids")
    mask = _get(encoding, "attention_mask")
    keep = np.arange(len(ids_array))
    if mask is not None:
        mask_array = _array(mask, "attention_mask")
        keep = np.flatnonzero(mask_array[row] if mask_array.ndim == 2 else mask_array)
    ids_list = [int(ids_array[i]) for i in keep]
    word_ids = encoding.word_ids(row) if callable(getattr(encoding, "word_ids", None)) else None
    maps = maps[:, :, keep][:, :, :, keep]
    config = getattr(model, "config", None)
    name = getattr(config, "name_or_path", None) or (model if isinstance(model, str) else None)
    pieces = tokenizer.convert_ids_to_tokens(ids_list) if tokenizer is not None else [f"<id {i}>" for i in ids_list]
    special_ids = set(getattr(tokenizer, "all_special_ids", []) or [])
    decode = (lambda i: tokenizer.decode([i])) if tokenizer is not None else None
    architectures = getattr(config, "architectures", None) or []
    return from_arrays(
        pieces, maps, text=text, offsets=offsets_array[keep], ids=ids_list,
        special=[i in special_ids for i in ids_list], words=None if word_ids is None else [word_ids[i] for i in keep],
        model=name or getattr(tokenizer, "name_or_path", "") or "transformers",
        logits=None if logits is None else logits[keep], decode=decode,
        mask_id=getattr(tokenizer, "mask_token_id", None), architecture=architectures[0] if architectures else "",
        max_positions=getattr(config, "max_position_embeddings", None), device="pytorch", tolerance=tolerance,
    )


def write(run: Run, path: str) -> str:
    """Writes a run file; returns the path."""
    return run.write(path)


def display(run: Run) -> None:
    """Shows a run in a notebook output."""
    run.display()
