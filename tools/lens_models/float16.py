"""A float32 ONNX graph as a float16 one, the way transformers.js's `model_fp16.onnx` files are made: a port of
onnxconverter-common's `convert_float_to_float16` (keep_io_types=False) with onnx.helper and numpy, for one graph
without subgraphs. Every float tensor becomes float16: initializers, Constant / ConstantOfShape values, `Cast(to=
float)`, the graph's float inputs and outputs (pasts, logits, presents) and value_info. Nodes whose op is in the
block list run in float32 between Casts, as the converter wires them."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference

# onnxconverter-common's DEFAULT_OP_BLOCK_LIST (ops with no float16 kernel, or whose float16 results are unusable).
DEFAULT_OP_BLOCK_LIST = frozenset([
    "ArrayFeatureExtractor", "Binarizer", "CastMap", "CategoryMapper", "DictVectorizer", "FeatureVectorizer",
    "Imputer", "LabelEncoder", "LinearClassifier", "LinearRegressor", "LinearSVC", "LinearSVR", "Normalizer",
    "OneHotEncoder", "SVMClassifier", "SVMRegressor", "Scaler", "TreeEnsembleClassifier", "TreeEnsembleRegressor",
    "ZipMap", "NonMaxSuppression", "TopK", "RoiAlign", "Resize", "Range", "CumSum", "Min", "Max", "Upsample",
])
MIN_POSITIVE = 1e-7  # the converter's defaults: tiny magnitudes rounded up, huge finite ones clamped (inf kept)
MAX_FINITE = 1e4


def to_half(a: np.ndarray) -> np.ndarray:
    """The converter's convert_np_to_float16: clamp magnitudes into [1e-7, 1e4] (0 and ±inf stay), then round."""
    a = np.where((a > 0) & (a < MIN_POSITIVE), MIN_POSITIVE, a)
    a = np.where((a < 0) & (a > -MIN_POSITIVE), -MIN_POSITIVE, a)
    a = np.where((a > MAX_FINITE) & (a < np.inf), MAX_FINITE, a)
    a = np.where((a < -MAX_FINITE) & (a > -np.inf), -MAX_FINITE, a)
    return a.astype(np.float16)


def _half_tensor(t: TensorProto) -> None:
    if t.data_type == TensorProto.FLOAT:
        t.CopyFrom(numpy_helper.from_array(to_half(numpy_helper.to_array(t)), t.name))


def _float_values(model: onnx.ModelProto) -> set[str]:
    """Names of every float32 value in the graph, from shape inference over the original."""
    g = shape_inference.infer_shapes(model).graph
    infos = [*g.input, *g.output, *g.value_info]
    names = {v.name for v in infos if v.type.tensor_type.elem_type == TensorProto.FLOAT}
    return names | {t.name for t in g.initializer if t.data_type == TensorProto.FLOAT}


def convert_float_to_float16(model: onnx.ModelProto, op_block_list: frozenset[str] = DEFAULT_OP_BLOCK_LIST,
                             node_block_list: frozenset[str] = frozenset()) -> onnx.ModelProto:
    """A float16 copy of `model` (weights loaded, no subgraphs). Blocked nodes (by op type or name) keep float32:
    a Cast to float32 before each float input and a Cast back to float16 after each float output."""
    floats = _float_values(model)
    out = onnx.ModelProto()
    out.CopyFrom(model)
    g = out.graph
    if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for n in g.node for a in n.attribute):
        raise ValueError("graphs with subgraphs (If, Loop, Scan) are not handled here")
    for t in g.initializer:
        _half_tensor(t)
    nodes: list[onnx.NodeProto] = []
    for node in g.node:
        if node.op_type in op_block_list or node.name in node_block_list:
            nodes += _blocked(node, floats)
            continue
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.TENSOR:
                _half_tensor(attr.t)
            elif node.op_type == "Cast" and attr.name == "to" and attr.i == TensorProto.FLOAT:
                attr.i = TensorProto.FLOAT16
        nodes.append(node)
    del g.node[:]
    g.node.extend(nodes)
    for v in [*g.input, *g.output, *g.value_info]:
        if v.type.tensor_type.elem_type == TensorProto.FLOAT:
            v.type.tensor_type.elem_type = TensorProto.FLOAT16
    return out


def _blocked(node: onnx.NodeProto, floats: set[str]) -> list[onnx.NodeProto]:
    """The node in float32, wrapped in Casts from and to float16."""
    before, after = [], []
    for i, name in enumerate(node.input):
        if name in floats:
            cast = f"{name}_to_fp32_for_{node.name}"
            before.append(helper.make_node("Cast", [name], [cast], name=f"{node.name}/InputCast{i}", to=TensorProto.FLOAT))
            node.input[i] = cast
    for i, name in enumerate(node.output):
        if name in floats:
            node.output[i] = f"{name}_fp32"
            after.append(helper.make_node("Cast", [node.output[i]], [name], name=f"{node.name}/OutputCast{i}",
                                          to=TensorProto.FLOAT16))
    return [*before, node, *after]
