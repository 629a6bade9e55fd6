"""Makes test/fixtures/models/tiny-gemma2-longrope: tiny-gemma2's graph with its rotary inverse frequencies chosen
by a top-level `If`, as LongRoPE exports (Phi-3-128k, Phi-3.5) choose short or long rope factors by the sequence
length. The `If` holds no attention, so the layers' Softmax nodes must still be found and read.

    cd tools && python3 -m lens_models.longrope_graph <models dir>

The condition is Greater(total length (attention_mask's second dimension), ORIGINAL_MAX); the else branch holds
tiny-gemma2's own frequencies and the then branch those ÷ LONG_FACTOR. Every reference text is shorter than
ORIGINAL_MAX, so the cases are tiny-gemma2's (same weights, same numbers); a longer text would rotate otherwise.
"""
import argparse
import json
import os
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .hub_folder import write_json
from .llama import inverse_frequencies

SOURCE, NAME = "tiny-gemma2", "tiny-gemma2-longrope"
ORIGINAL_MAX = 64
LONG_FACTOR = 4.0


def rotary_constants(graph: onnx.GraphProto, inv_freq: np.ndarray) -> list[tuple[onnx.NodeProto, np.ndarray]]:
    """The Constant nodes holding exactly these inverse frequencies (in any shape: the export folds them as
    [1, d/2, 1]), with their values."""
    found = []
    for node in graph.node:
        if node.op_type != "Constant" or node.attribute[0].name != "value":
            continue
        value = numpy_helper.to_array(node.attribute[0].t)
        if value.size == inv_freq.size and np.array_equal(value.ravel(), inv_freq):
            found.append((node, value))
    return found


def branch(name: str, output: str, value: np.ndarray) -> onnx.GraphProto:
    """A subgraph whose one Constant node is its output."""
    constant = helper.make_node("Constant", [], [output], name=f"{name}/Constant",
                                value=numpy_helper.from_array(value.astype(np.float32)))
    info = helper.make_tensor_value_info(output, TensorProto.FLOAT, list(value.shape))
    return helper.make_graph([constant], name, [], [info])


def choose_by_length(model: onnx.ModelProto, inv_freq: np.ndarray) -> int:
    """Replaces each Constant of inv_freq by an If on the total length; returns how many it replaced."""
    graph = model.graph
    targets = rotary_constants(graph, inv_freq)
    condition = [
        helper.make_node("Shape", ["attention_mask"], ["longrope/shape"], name="/longrope/Shape"),
        helper.make_node("Constant", [], ["longrope/axis"], name="/longrope/Axis",
                         value=numpy_helper.from_array(np.array(1, dtype=np.int64))),
        helper.make_node("Gather", ["longrope/shape", "longrope/axis"], ["longrope/length"], name="/longrope/Gather"),
        helper.make_node("Constant", [], ["longrope/original_max"], name="/longrope/OriginalMax",
                         value=numpy_helper.from_array(np.array(ORIGINAL_MAX, dtype=np.int64))),
        helper.make_node("Greater", ["longrope/length", "longrope/original_max"], ["longrope/is_long"],
                         name="/longrope/Greater"),
    ]
    replaced = []
    for i, (node, value) in enumerate(targets):
        replaced.append(helper.make_node(
            "If", ["longrope/is_long"], [node.output[0]], name=f"/longrope/If_{i}",
            then_branch=branch(f"long_{i}", f"longrope/long_{i}", value / LONG_FACTOR),
            else_branch=branch(f"short_{i}", f"longrope/short_{i}", value)))
    kept = [n for n in graph.node if all(n is not node for node, _ in targets)]
    del graph.node[:]
    graph.node.extend([*condition, *replaced, *kept])
    return len(targets)


def make(models_dir: str) -> None:
    source, folder = os.path.join(models_dir, SOURCE), os.path.join(models_dir, NAME)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(source, folder)
    with open(os.path.join(source, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    inv_freq = inverse_frequencies(config["head_dim"], config["rope_theta"]).numpy()
    model = onnx.load(os.path.join(source, "onnx", "model.onnx"))
    count = choose_by_length(model, inv_freq)
    assert count > 0, "no rotary Constant found"
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(folder, "onnx", "model.onnx"))
    with open(os.path.join(source, "reference.json"), encoding="utf-8") as f:
        reference = json.load(f)
    reference.pop("onnxruntime", None)  # verify.mjs --write measures this graph again
    reference["model"] = NAME
    reference["made_by"] = f"tools/lens_models/longrope_graph.py from {SOURCE}: " + reference["made_by"]
    reference["onnx"]["longrope_if"] = (f"{count} top-level If node(s) choose the rotary inverse frequencies: "
                                        f"÷{LONG_FACTOR:g} when the total length exceeds {ORIGINAL_MAX}, else "
                                        f"{SOURCE}'s; the cases (all shorter) are {SOURCE}'s")
    write_json(os.path.join(folder, "reference.json"), reference)
    print(f"{NAME}: {count} rotary Constant(s) now chosen by an If")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", help="the folder holding tiny-gemma2 (test/fixtures/models)")
    make(parser.parse_args().models)


if __name__ == "__main__":
    main()
