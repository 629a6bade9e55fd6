"""A float32 ONNX graph's MatMul weights as com.microsoft.MatMulNBits (4 bits, blocks of 32), as onnxruntime's
MatMulNBitsQuantizer makes transformers.js's `model_q4.onnx`: every MatMul whose B is a 2-D float initializer [K, N]
(torch.onnx.export stores a Linear's weight transposed), and the tied output projection whose B is a Transpose of
the embedding table, which stays float32 for its Gather. Packing: q4.py (copied unchanged from the bench branch,
where qwen_graph.py builds the benchmark model with it)."""
from collections.abc import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .q4 import BITS, BLOCK, dequantize_rows, quantize_rows

MS = "com.microsoft"


def _rows_of_b(graph: onnx.GraphProto, b: str) -> np.ndarray | None:
    """B as the [N, K] rows MatMulNBits stores, when B is constant: an initializer [K, N], or a Transpose(perm 1,0)
    of an initializer [N, K]. None otherwise."""
    inits = {t.name: t for t in graph.initializer}
    if b in inits and len(inits[b].dims) == 2 and inits[b].data_type == TensorProto.FLOAT:
        return numpy_helper.to_array(inits[b]).T
    producer = next((n for n in graph.node if b in n.output), None)
    if producer is None or producer.op_type != "Transpose" or producer.input[0] not in inits:
        return None
    perm = next((list(a.ints) for a in producer.attribute if a.name == "perm"), [1, 0])
    table = inits[producer.input[0]]
    return numpy_helper.to_array(table) if perm == [1, 0] and len(table.dims) == 2 else None


# A constant-weight MatMul's replacement: (node, B's rows [N, K], a name base) → nodes, initializers, largest |Δw|.
Replacement = Callable[[onnx.NodeProto, np.ndarray, str], tuple[list[onnx.NodeProto], list[onnx.TensorProto], float]]


def replace_constant_matmuls(model: onnx.ModelProto, replace: Replacement) -> tuple[onnx.ModelProto, dict[str, float]]:
    """A copy with each constant-weight MatMul replaced as `replace` says, the float weights only they read dropped,
    and per node the largest |Δw| of its quantized weights (a check that the packing round-trips within half a step)."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    g = out.graph
    nodes, errors, used = [], {}, set()
    for node in g.node:
        rows = _rows_of_b(g, node.input[1]) if node.op_type == "MatMul" else None
        if rows is None:
            nodes.append(node)
            continue
        new_nodes, initializers, errors[node.name] = replace(node, np.ascontiguousarray(rows, np.float32),
                                                             node.input[1].replace(":", "_"))
        g.initializer.extend(initializers)
        nodes.extend(new_nodes)
        used.add(node.input[1])
    del g.node[:]
    g.node.extend(nodes)
    _drop_unused(g, used)
    if any(n.domain == MS for n in g.node) and not any(o.domain == MS for o in out.opset_import):
        out.opset_import.append(helper.make_opsetid(MS, 1))
    return out, errors


def _as_matmul_nbits(node: onnx.NodeProto, rows: np.ndarray,
                     base: str) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto], float]:
    n, k = rows.shape
    packed, scales = quantize_rows(rows)
    error = float(np.abs(dequantize_rows(packed, scales) - rows).max())
    initializers = [numpy_helper.from_array(packed, base + "_Q4"), numpy_helper.from_array(scales, base + "_scales")]
    return [helper.make_node("MatMulNBits", [node.input[0], base + "_Q4", base + "_scales"], list(node.output),
                             name=node.name + "_Q4", domain=MS, K=k, N=n, bits=BITS, block_size=BLOCK)], initializers, error


def quantize_matmuls(model: onnx.ModelProto) -> tuple[onnx.ModelProto, dict[str, float]]:
    """A copy with each constant-weight MatMul replaced by MatMulNBits, and per node the largest |Δw|."""
    return replace_constant_matmuls(model, _as_matmul_nbits)


def _drop_unused(g: onnx.GraphProto, replaced: set[str]) -> None:
    """Removes the float weights only the replaced MatMuls read, and Transposes left without a reader."""
    read = {i for n in g.node for i in n.input} | {o.name for o in g.output}
    for node in [n for n in g.node if n.op_type == "Transpose" and not set(n.output) & read]:
        g.node.remove(node)
    read = {i for n in g.node for i in n.input} | {o.name for o in g.output}
    for t in [t for t in g.initializer if t.name in replaced and t.name not in read]:
        g.initializer.remove(t)
