"""Post-processing of the exported ONNX graphs: keep one copy of tied embeddings, list the attention Softmax
nodes, and rewrite Softmax into elementary ops for the "no Softmax" fixture."""
import numpy as np
import onnx
from onnx import helper, numpy_helper


def share_transposed_initializers(model, min_elements=1 << 16):
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


def softmax_nodes(model):
    return [n for n in model.graph.node if n.op_type == "Softmax"]


def decompose_softmax(model):
    """Rewrites every Softmax(axis=-1) as Exp(x - ReduceMax(x)) / ReduceSum(...), keeping its output name, so
    the graph computes the same numbers while containing no Softmax node."""
    graph = model.graph
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    if opset < 13 or opset >= 18:
        raise ValueError(f"decompose_softmax expects opset 13-17, got {opset}")
    axes_name = "softmax_decomposed_axes"
    graph.initializer.append(numpy_helper.from_array(np.array([-1], dtype=np.int64), axes_name))
    new_nodes = []
    count = 0
    for node in graph.node:
        if node.op_type != "Softmax":
            new_nodes.append(node)
            continue
        axis = next((a.i for a in node.attribute if a.name == "axis"), -1)
        if axis != -1:
            raise ValueError(f"{node.name}: Softmax over axis {axis}, expected -1")
        x, y, base = node.input[0], node.output[0], node.name + "_decomposed"
        new_nodes += [
            helper.make_node("ReduceMax", [x], [base + "/max"], name=base + "/ReduceMax", axes=[-1], keepdims=1),
            helper.make_node("Sub", [x, base + "/max"], [base + "/shifted"], name=base + "/Sub"),
            helper.make_node("Exp", [base + "/shifted"], [base + "/exp"], name=base + "/Exp"),
            helper.make_node("ReduceSum", [base + "/exp", axes_name], [base + "/sum"], name=base + "/ReduceSum",
                             keepdims=1),
            helper.make_node("Div", [base + "/exp", base + "/sum"], [y], name=base + "/Div"),
        ]
        count += 1
    del graph.node[:]
    graph.node.extend(new_nodes)
    return count
