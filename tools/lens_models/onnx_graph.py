"""Exporting a family's PyTorch model to ONNX, and the graph edits every export gets or a fixture needs: keep
one copy of tied embeddings, list the attention Softmax nodes, rewrite Softmax into elementary ops."""
import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper
from torch import Tensor, nn

OPSET = 14
BATCH_SEQ = {0: "batch_size", 1: "sequence_length"}


def export_onnx(model: nn.Module, args: tuple[Tensor, ...], path: str, input_names: list[str],
                output_names: list[str] | None = None,
                dynamic_axes: dict[str, dict[int, str]] | None = None) -> tuple[onnx.ModelProto, list[tuple[str, str]]]:
    """torch.onnx.export (opset 14, constant folding; by default dynamic batch and sequence axes on every input
    and on the logits), then the tied embedding's transposed copy becomes a Transpose. Returns the saved graph
    and the (copy, table) pairs shared."""
    output_names = output_names or ["logits"]
    if dynamic_axes is None:
        dynamic_axes = {name: BATCH_SEQ for name in [*input_names, *output_names]}
    model.eval()
    torch.onnx.export(model, args, path, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True)
    graph = onnx.load(path)
    shared = share_transposed_initializers(graph)
    onnx.checker.check_model(graph)
    onnx.save(graph, path)
    return graph, shared


def share_transposed_initializers(model: onnx.ModelProto, min_elements: int = 1 << 16) -> list[tuple[str, str]]:
    """Tied embeddings export as the [vocab, d] table plus a constant-folded [d, vocab] copy for the output
    projection. Replace each such copy by a Transpose of the table, so the weights are stored once."""
    graph = model.graph
    large = [t for t in graph.initializer if len(t.dims) == 2 and t.dims[0] * t.dims[1] >= min_elements]
    arrays = {t.name: numpy_helper.to_array(t) for t in large}
    gathered = {n.input[0] for n in graph.node if n.op_type == "Gather"}
    replaced = []
    for copy in large:
        if copy.name in gathered:
            continue  # the embedding table itself stays
        for source in large:
            if source.name not in gathered or tuple(copy.dims) != tuple(reversed(source.dims)):
                continue
            if np.array_equal(arrays[copy.name], arrays[source.name].T):
                replaced.append((copy.name, source.name))
                break
    for copy_name, source_name in replaced:
        graph.initializer.remove(next(t for t in graph.initializer if t.name == copy_name))
        node = helper.make_node("Transpose", [source_name], [copy_name], name=f"/{copy_name}/TiedTranspose",
                                perm=[1, 0])
        graph.node.insert(0, node)
    return replaced


def softmax_nodes(model: onnx.ModelProto) -> list[onnx.NodeProto]:
    return [n for n in model.graph.node if n.op_type == "Softmax"]


def _softmax_as_elementary_ops(node: onnx.NodeProto, axes_name: str) -> list[onnx.NodeProto]:
    axis = next((a.i for a in node.attribute if a.name == "axis"), -1)
    if axis != -1:
        raise ValueError(f"{node.name}: Softmax over axis {axis}, expected -1")
    x, y, base = node.input[0], node.output[0], node.name + "_decomposed"
    return [
        helper.make_node("ReduceMax", [x], [base + "/max"], name=base + "/ReduceMax", axes=[-1], keepdims=1),
        helper.make_node("Sub", [x, base + "/max"], [base + "/shifted"], name=base + "/Sub"),
        helper.make_node("Exp", [base + "/shifted"], [base + "/exp"], name=base + "/Exp"),
        helper.make_node("ReduceSum", [base + "/exp", axes_name], [base + "/sum"], name=base + "/ReduceSum",
                         keepdims=1),
        helper.make_node("Div", [base + "/exp", base + "/sum"], [y], name=base + "/Div"),
    ]


def decompose_softmax(model: onnx.ModelProto) -> int:
    """Rewrites every Softmax(axis=-1) as Exp(x - ReduceMax(x)) / ReduceSum(...), keeping its output name, so
    the graph computes the same numbers while containing no Softmax node. Returns how many it rewrote."""
    graph = model.graph
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    if opset < 13 or opset >= 18:
        raise ValueError(f"decompose_softmax expects opset 13-17, got {opset}")  # ReduceSum's axes input
    axes_name = "softmax_decomposed_axes"
    graph.initializer.append(numpy_helper.from_array(np.array([-1], dtype=np.int64), axes_name))
    new_nodes: list[onnx.NodeProto] = []
    for node in graph.node:
        new_nodes += _softmax_as_elementary_ops(node, axes_name) if node.op_type == "Softmax" else [node]
    count = sum(1 for n in graph.node if n.op_type == "Softmax")
    del graph.node[:]
    graph.node.extend(new_nodes)
    return count
