"""Int8 weights with one scale per output row: rounding a PyTorch model's weights, storing them in the ONNX
file as int8 + DequantizeLinear, and reading them back into float PyTorch weights."""
import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper
from torch import Tensor, nn

MIN_SIZE = 4096  # smaller matrices stay float: their scales would cost more than the bytes saved


def quantize_in_place(model: nn.Module) -> list[str]:
    """Rounds every large 2-D weight to int8 x per-output-row scale; returns the names quantized."""
    names = []
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() != 2 or p.numel() < MIN_SIZE:
                continue
            # output rows: Linear and Embedding store them along dim 0, GPT-2's Conv1D along dim 1
            axis = 1 if name.startswith("transformer.h.") else 0
            scale = (p.abs().amax(dim=1 - axis, keepdim=True) / 127.0).clamp(min=1e-12)
            p.copy_(torch.round(p / scale).clamp(-127, 127) * scale)
            names.append(name)
    return names


def _as_int8(a: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(int8 values, scales) when a is exactly int8 x a scale per row (axis 0) or column (axis 1)."""
    scale = np.maximum(np.abs(a).max(axis=1 - axis) / 127.0, 1e-12).astype(np.float32)
    shaped = scale[:, None] if axis == 0 else scale[None, :]
    q = np.round(a / shaped)
    if np.abs(q).max() <= 127 and np.abs(q * shaped - a).max() <= 1e-6 * max(1e-6, float(np.abs(a).max())):
        return q.astype(np.int8), scale
    return None


def int8_initializers(model_proto: onnx.ModelProto) -> list[tuple[str, list[int], int]]:
    """Stores float initializers whose rows or columns are int8 x scale as int8 + a DequantizeLinear node that
    rebuilds them under their old name. Returns (name, shape, axis) of each."""
    g = model_proto.graph
    converted, nodes = [], []
    for init in list(g.initializer):
        a = numpy_helper.to_array(init)
        if a.dtype != np.float32 or a.ndim != 2 or a.size < MIN_SIZE:
            continue
        for axis in (0, 1):
            found = _as_int8(a, axis)
            if found is None:
                continue
            n, (q, scale) = init.name, found
            g.initializer.remove(init)
            g.initializer.extend([numpy_helper.from_array(q, f"{n}_int8"), numpy_helper.from_array(scale, f"{n}_scale"),
                                  numpy_helper.from_array(np.zeros(scale.shape, np.int8), f"{n}_zero_point")])
            nodes.append(helper.make_node("DequantizeLinear", [f"{n}_int8", f"{n}_scale", f"{n}_zero_point"], [n],
                                          name=f"{n}_dequantize", axis=axis))
            converted.append((n, list(a.shape), axis))
            break
    old = list(g.node)
    del g.node[:]
    g.node.extend(nodes + old)  # producers first: the graph must stay topologically sorted
    return converted


def dequantize(node: onnx.NodeProto, tensors: dict[str, np.ndarray]) -> np.ndarray:
    """DequantizeLinear: (x - zero_point) * scale, per-axis when scale is a vector."""
    x, scale, zero = (tensors[name].astype(np.float32) for name in node.input)
    axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
    shape = [1] * x.ndim
    shape[axis] = -1
    return (x - zero.reshape(shape)) * scale.reshape(shape)


def state_dict_from_onnx(path: str) -> dict[str, Tensor]:
    """Every parameter by its Hugging Face name. torch.onnx names a Linear's weight after its MatMul
    (`onnx::MatMul_N`, stored transposed), so that name is mapped through the Add that applies the bias."""
    graph = onnx.load(path).graph
    tensors = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "DequantizeLinear" and all(name in tensors for name in node.input):
            tensors[node.output[0]] = dequantize(node, tensors)
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    state = {}
    for name, value in tensors.items():
        if name.endswith(("_int8", "_scale", "_zero_point")):
            continue
        if not name.startswith("onnx::MatMul"):
            state[name] = torch.from_numpy(np.array(value))
            continue
        (matmul,) = [n for n in consumers[name] if n.op_type == "MatMul"]
        (add,) = [n for n in consumers[matmul.output[0]] if n.op_type == "Add"]
        (bias,) = [i for i in add.input if i.endswith(".bias")]
        state[bias[: -len("bias")] + "weight"] = torch.from_numpy(np.array(value.T))
    return state
