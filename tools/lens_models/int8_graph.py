"""A float32 ONNX graph's MatMul weights as int8, the way onnxruntime's quantize_dynamic writes transformers.js's
`model_int8.onnx`: each constant-weight MatMul (q4_graph's choice of them) becomes DynamicQuantizeLinear of its input
(uint8, a scale and zero point per run) → MatMulInteger with the weights as int8 (one symmetric scale per tensor,
zero point 0) → Cast to float → Mul by the product of the two scales."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .q4_graph import replace_constant_matmuls


def _as_matmul_integer(node: onnx.NodeProto, rows: np.ndarray,
                       base: str) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto], float]:
    weights = rows.T  # [K, N], as MatMul reads B
    scale = np.float32(max(float(np.abs(weights).max()), 1e-12) / 127.0)
    quantized = np.clip(np.round(weights / scale), -127, 127).astype(np.int8)
    error = float(np.abs(quantized.astype(np.float32) * scale - weights).max())
    initializers = [numpy_helper.from_array(quantized, base + "_quantized"),
                    numpy_helper.from_array(np.array(scale, np.float32), base + "_scale"),
                    numpy_helper.from_array(np.array(0, np.int8), base + "_zero_point")]
    # Each MatMul quantizes its input itself (onnxruntime shares one DynamicQuantizeLinear among q, k and v: the same
    # numbers); its outputs are named by the node, as inputs are shared.
    name = node.name
    a = f"{name}_input"
    nodes = [
        helper.make_node("DynamicQuantizeLinear", [node.input[0]], [f"{a}_quantized", f"{a}_scale", f"{a}_zero_point"],
                         name=f"{name}_input_QuantizeLinear"),
        helper.make_node("MatMulInteger", [f"{a}_quantized", base + "_quantized", f"{a}_zero_point", base + "_zero_point"],
                         [f"{name}_output_quantized"], name=f"{name}_quant"),
        helper.make_node("Cast", [f"{name}_output_quantized"], [f"{name}_output_float"], name=f"{name}_output_Cast",
                         to=TensorProto.FLOAT),
        helper.make_node("Mul", [f"{a}_scale", base + "_scale"], [f"{name}_scales"], name=f"{name}_scales_Mul"),
        helper.make_node("Mul", [f"{name}_output_float", f"{name}_scales"], list(node.output), name=f"{name}_output_Mul"),
    ]
    return nodes, initializers, error


def quantize_matmuls_int8(model: onnx.ModelProto) -> tuple[onnx.ModelProto, dict[str, float]]:
    """A copy with each constant-weight MatMul in int8 as above, and per node the largest |Δw|."""
    return replace_constant_matmuls(model, _as_matmul_integer)
