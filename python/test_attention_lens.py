"""Tests of attention_lens.py: runs from plain arrays and from the project's tiny GPT-2 in PyTorch, and refusals.

    cd python && python3 -m unittest test_attention_lens        # PYTHONPATH=../tools for the PyTorch test

Run by test/unit/pythonHelper.test.ts (`npm test`), which sets ATTENTION_LENS_TEST_OUT to a folder: the runs
written there are then read by the extension's own code and held to its ONNX run of the same model.
The PyTorch test needs Debian's python3-torch and python3-onnx (test/harness/setup.sh installs them).
"""
import bisect
import json
import os
import re
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

import attention_lens as al

REPO = Path(__file__).resolve().parent.parent
GPT2 = REPO / "test" / "fixtures" / "models" / "tiny-gpt2"
# The reference cases the GPT-2 run is made from: plain ASCII words, and code with a newline, tabs and punctuation.
GPT2_CASES = (0, 2)


def out_dir() -> Path:
    folder = os.environ.get("ATTENTION_LENS_TEST_OUT")
    path = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="attention-lens-py-"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def rows(n: int, causal: bool) -> np.ndarray:
    """One head's map of n tokens whose rows sum to 1 (uniform over the keys a query sees)."""
    seen = np.tril(np.ones((n, n))) if causal else np.ones((n, n))
    return seen / seen.sum(axis=1, keepdims=True)


class PlainArrays(unittest.TestCase):
    def test_a_run_from_arrays_is_the_export_format_and_round_trips(self):
        maps = np.stack([np.stack([rows(3, False), np.eye(3)])])  # 1 layer, 2 heads
        run = al.from_arrays(["The", "cat", "sat"], maps, model="arrays")
        path = run.write(str(out_dir() / "plain.attention.json"))
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        self.assertEqual(data["format"], "attention-lens-run/3")
        self.assertEqual(data["text"], "The cat sat")
        self.assertEqual([(t["piece"], t["start"], t["end"]) for t in data["tokens"]],
                         [("The", 0, 3), ("cat", 4, 7), ("sat", 8, 11)])
        self.assertEqual([t["id"] for t in data["tokens"]], [0, 1, 2])
        self.assertEqual(data["attention"]["perLayer"], maps.astype(np.float32).tolist(), "float32, as the extension keeps maps")
        self.assertEqual(data["attentionSets"][0]["perLayerIn"], "attention.perLayer")
        self.assertEqual((data["model"]["layers"], data["model"]["heads"], data["model"]["task"]), (1, 2, "fill-mask"))
        self.assertFalse(data["attentionSets"][0]["causal"])

    def test_causal_maps_make_a_next_token_run_and_logits_its_rankings(self):
        maps = [rows(4, True)[None], rows(4, True)[None]]  # 2 layers of [1 head, q, k]
        logits = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.25, 0.25, 0.5], [1 / 3, 1 / 3, 1 / 3]]))
        run = al.from_arrays(["a", "b", "a", "c"], maps, ids=[0, 1, 0, 2], logits=logits, decode="abc".__getitem__)
        self.assertEqual(run.data["model"]["task"], "next-token")
        self.assertTrue(run.data["attentionSets"][0]["causal"])
        predictions = run.data["predictions"]
        self.assertEqual(predictions["actual"][0], None)
        np.testing.assert_allclose(predictions["actual"][1:], [0.2, 0.1, 0.5], rtol=1e-9)
        first = predictions["ranked"][0]["top"]
        self.assertEqual([(p["token"], round(p["probability"], 9)) for p in first], [("a", 0.7), ("b", 0.2), ("c", 0.1)])
        self.assertEqual(len(predictions["ranked"]), 4)

    def test_spans_are_utf16_and_special_tokens_are_empty(self):
        text = "😀 ok"
        run = al.from_arrays(["<s>", "😀", "ok"], rows(3, False)[None, None], text=text,
                             offsets=[[0, 0], [0, 1], [2, 4]], special=[True, False, False])
        self.assertEqual([(t["start"], t["end"], t["special"]) for t in run.tokens],
                         [(0, 0, True), (0, 2, False), (3, 5, False)])
        self.assertEqual(run.tokens[2]["display"], "ok")

    def test_a_notebook_output_is_the_run_under_the_mime_type_and_ipython_is_not_imported(self):
        run = al.from_arrays(["x"], [[[[1.0]]]])
        bundle = run._repr_mimebundle_()
        self.assertIs(bundle["application/vnd.attention-lens.run+json"], run.data)
        self.assertIn("1 tokens", bundle["text/plain"])
        self.assertNotIn("IPython", sys.modules)


class Refusals(unittest.TestCase):
    def refused(self, pattern: str, *args, **kwargs):
        with self.assertRaisesRegex(ValueError, pattern):
            al.from_arrays(*args, **kwargs)

    def test_rows_that_are_not_probabilities(self):
        scores = rows(3, False)[None, None] * 2
        self.refused(r"layer 0, head 0, query 0 sums to 2, not 1 .*softmax probabilities", ["a", "b", "c"], scores)
        negative = np.array([[[[1.5, -0.5], [0.5, 0.5]]]])
        self.refused(r"query 0, key 1 is -0.5, below 0", ["a", "b"], negative)
        self.refused(r"NaN or infinite", ["a"], [[[[float("nan")]]]])

    def test_shapes_and_counts(self):
        self.refused(r"each map is 3 × 3 but there are 2 tokens", ["a", "b"], rows(3, False)[None, None])
        self.refused(r"expected \[layers\]\[heads\]\[query\]\[key\] \(4 dimensions\), got shape \(3, 3\)",
                     ["a", "b", "c"], rows(3, False))
        self.refused(r"a batch of 2 sequences; pass batch_index", ["a"], np.ones((1, 2, 1, 1, 1)))
        self.refused(r"the layers have different shapes", ["a"], [np.ones((1, 1, 1)), np.ones((2, 1, 1))])
        self.refused(r"ids: 1 ids for 2 tokens", ["a", "b"], rows(2, False)[None, None], ids=[5])
        self.refused(r"at least one token", [], np.zeros((1, 1, 0, 0)))

    def test_spans(self):
        one = rows(2, False)[None, None]
        self.refused(r"token 1's span \[3, 9\) is outside the text \(5 characters\)", ["a", "b"], one, text="a bcd",
                     offsets=[[0, 1], [3, 9]])
        self.refused(r"offsets: 1 spans for 2 tokens", ["a", "b"], one, text="a b", offsets=[[0, 1]])
        self.refused(r"a text needs each token's span", ["a", "b"], one, text="a b")

    def test_transformers_outputs_without_attentions_or_offsets(self):
        with self.assertRaisesRegex(ValueError, r"output_attentions=True"):
            al.from_transformers("a", {"input_ids": [1], "offset_mapping": [[0, 1]]}, {"logits": [[0.0]]})
        with self.assertRaisesRegex(ValueError, r"return_offsets_mapping=True"):
            al.from_transformers("a", {"input_ids": [1]}, {"attentions": [[[[1.0]]]]})
        with self.assertRaisesRegex(ValueError, r"each map is 1 × 1 but there are 2 input_ids"):
            al.from_transformers("ab", {"input_ids": [1, 2], "offset_mapping": [[0, 1], [1, 2]]}, {"attentions": [[[[1.0]]]]})


class ByteLevelStandIn:
    """What the test needs of a Hugging Face GPT-2 tokenizer, from the fixture's tokenizer.json (no transformers
    here): pieces by id, decoding, and offset_mapping for given ids (spans trimmed of the space a piece carries)."""

    def __init__(self, folder: Path) -> None:
        model = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
        self.pieces = {i: p for p, i in model["model"]["vocab"].items()}
        self.all_special_ids = [t["id"] for t in model["added_tokens"] if t["special"]]
        visible = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAC + 1), *range(0xAE, 0xFF + 1)]
        hidden = [b for b in range(256) if b not in visible]
        self.byte_of = {chr(c): c for c in visible} | {chr(256 + n): b for n, b in enumerate(hidden)}
        self.name_or_path = folder.name

    def convert_ids_to_tokens(self, ids):
        return [self.pieces[i] for i in ids]

    def decode(self, ids):
        return bytes(self.byte_of[c] for i in ids for c in self.pieces[i]).decode("utf-8", "replace")

    def encoding(self, text, ids):
        return Encoding(text, ids, [self.decode([i]) for i in ids])


class Encoding(dict):
    """A BatchEncoding of one text: input_ids, attention_mask and offset_mapping (GPT-2's spans keep the space a
    piece starts with), and word_ids(): the pre-token each token starts in (GPT-2's split, ASCII cases only)."""
    PRE_TOKENS = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")

    def __init__(self, text, ids, decoded):
        starts = [m.start() for m in self.PRE_TOKENS.finditer(text)]
        offsets, at = [], 0
        for piece in decoded:
            offsets.append([at, at + len(piece)])
            at += len(piece)
        self.words = [bisect.bisect_right(starts, s) - 1 for s, _ in offsets]
        super().__init__(input_ids=[ids], attention_mask=[[1] * len(ids)], offset_mapping=[offsets])

    def word_ids(self, batch_index=0):
        return self.words


class TinyGpt2InPyTorch(unittest.TestCase):
    def test_runs_written_from_the_projects_tiny_gpt2(self):
        try:
            import torch
            from lens_models.reference import load_shipped
        except ImportError as error:
            self.skipTest(f"needs python3-torch, python3-onnx and PYTHONPATH=tools ({error})")
        config, model = load_shipped(str(GPT2))
        model.return_attentions = True
        tokenizer = ByteLevelStandIn(GPT2)
        cases = json.loads((GPT2 / "reference.json").read_text(encoding="utf-8"))["cases"]
        for n in GPT2_CASES:
            case = cases[n]
            encoding = tokenizer.encoding(case["text"], case["input_ids"])
            ids = torch.tensor(encoding["input_ids"])
            with torch.no_grad():
                logits, attentions = model(ids, torch.ones_like(ids), torch.arange(ids.shape[1])[None])
            outputs = {"logits": logits, "attentions": tuple(attentions)}  # a ModelOutput is a dict as well
            run = al.from_transformers(case["text"], encoding, outputs, tokenizer, model="tiny-gpt2")
            run.write(str(out_dir() / f"tiny-gpt2-{n}.attention.json"))
            self.assertEqual([t["id"] for t in run.tokens], case["input_ids"])
            self.assertEqual(run.data["model"]["task"], "next-token")
            self.assertEqual((run.data["model"]["layers"], run.data["model"]["heads"]), (config["n_layer"], config["n_head"]))
            np.testing.assert_allclose(run.data["attention"]["perLayer"], case["attentions"], atol=1e-5)


if __name__ == "__main__":
    unittest.main()
