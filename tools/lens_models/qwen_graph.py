"""A Qwen2 decoder (Qwen2ForCausalLM) as an ONNX graph in optimum's layout, built node by node with onnx.helper
and numpy, no PyTorch export: the benchmark's 0.5B shape would need several copies of its 2 GB of weights in
memory to trace. The operations are transformers' Qwen2 modeling code as torch.onnx exports it (transformers
>= 4.53, SDPA with a boolean mask):
  RMSNorm: x / sqrt(mean(x^2) + eps) * w          attention: q/k/v projections with biases, o without
  rotary (rotate_half, theta from config)         grouped-query: k/v repeated per query head (repeat_kv)
  scores = q.k^T / sqrt(head_dim) + Where(mask, 0, -inf) -> Softmax -> Where(IsNaN(p), 0, p) -> MatMul with v
  SwiGLU MLP: down(silu(gate(x)) * up(x))         tied embeddings: logits = norm(h) . embed^T
Inputs input_ids, attention_mask, position_ids, past_key_values.N.key/value [batch, kv_heads, past, head_dim];
outputs logits, present.N.key/value. `Weights` hands out each weight once, so fp32 and q4 files share them."""
from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper

from .external_data import ExternalData
from .q4 import BLOCK, BITS, quantize_rows

OPSET = 17
Weight = Callable[[str, tuple[int, ...], str], np.ndarray]  # (name, shape, kind: matrix|bias|norm) -> array


class GraphBuilder:
    """Nodes, initializers and unique names for one graph."""

    def __init__(self, data: ExternalData, q4: bool) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.data = data
        self.q4 = q4
        self.count = 0

    def op(self, op_type: str, inputs: list[str], name: str, outputs: int = 1, domain: str = "", **attrs: Any) -> Any:
        names = [f"{name}_output_{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, names, name=name, domain=domain or None, **attrs))
        return names[0] if outputs == 1 else names

    def const(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(self.data.tensor(name, array))
        return name

    def ints(self, name: str, *values: int) -> str:
        return self.const(name, np.array(values, np.int64))

    def linear(self, x: str, weight: np.ndarray, bias: np.ndarray | None, name: str) -> str:
        """x . weight^T (+ bias); weight [out, in] as PyTorch's Linear stores it. q4: MatMulNBits on its rows."""
        n, k = weight.shape
        if self.q4:
            packed, scales = quantize_rows(weight)
            y = self.op("MatMulNBits", [x, self.const(f"{name}.weight_Q4", packed), self.const(f"{name}.weight_scales", scales)],
                        f"{name}/MatMulNBits", domain="com.microsoft", K=k, N=n, bits=BITS, block_size=BLOCK)
        else:
            y = self.op("MatMul", [x, self.const(f"{name}.weight", np.ascontiguousarray(weight.T))], f"{name}/MatMul")
        return y if bias is None else self.op("Add", [y, self.const(f"{name}.bias", bias)], f"{name}/Add")

    def rms_norm(self, x: str, weight: np.ndarray, eps: float, name: str) -> str:
        square = self.op("Mul", [x, x], f"{name}/Pow")
        mean = self.op("ReduceMean", [square], f"{name}/ReduceMean", axes=[-1], keepdims=1)
        root = self.op("Sqrt", [self.op("Add", [mean, self.const(f"{name}.eps", np.array(eps, np.float32))], f"{name}/Add")],
                       f"{name}/Sqrt")
        return self.op("Mul", [self.op("Div", [x, root], f"{name}/Div"), self.const(f"{name}.weight", weight)], f"{name}/Mul")


def _rotate(g: GraphBuilder, x: str, cos: str, sin: str, name: str) -> str:
    """x * cos + rotate_half(x) * sin, rotate_half(x) = cat(-x2, x1) over the last axis."""
    x1, x2 = g.op("Split", [x], f"{name}/Split", outputs=2, axis=-1)
    half = g.op("Concat", [g.op("Neg", [x2], f"{name}/Neg"), x1], f"{name}/Concat", axis=-1)
    return g.op("Add", [g.op("Mul", [x, cos], f"{name}/MulCos"), g.op("Mul", [half, sin], f"{name}/MulSin")], f"{name}/Add")


def _heads(g: GraphBuilder, x: str, heads: int, head_dim: int, name: str) -> str:
    """[b, s, heads * head_dim] -> [b, heads, s, head_dim]"""
    shaped = g.op("Reshape", [x, g.ints(f"{name}.shape", 0, 0, heads, head_dim)], f"{name}/Reshape")
    return g.op("Transpose", [shaped], f"{name}/Transpose", perm=[0, 2, 1, 3])


def _repeat_kv(g: GraphBuilder, x: str, groups: int, heads: int, head_dim: int, name: str) -> str:
    """[b, kv, t, d] -> [b, kv * groups, t, d], each kv head repeated for its query heads (transformers' repeat_kv)."""
    if groups == 1:
        return x
    wide = g.op("Expand", [g.op("Unsqueeze", [x, g.ints(f"{name}.axis", 2)], f"{name}/Unsqueeze"),
                           g.ints(f"{name}.expand", 1, 1, groups, 1, 1)], f"{name}/Expand")
    return g.op("Reshape", [wide, g.ints(f"{name}.shape", 0, heads, -1, head_dim)], f"{name}/Reshape")


def _mask_and_rotary(g: GraphBuilder, c: dict[str, Any], head_dim: int) -> tuple[str, str, str]:
    """The additive mask [b, 1, s, total] (causal and padding; 0 or -inf) and cos, sin [b, 1, s, head_dim]."""
    seq = g.op("Shape", ["input_ids"], "/mask/ShapeSeq", start=1, end=2)
    total = g.op("Shape", ["attention_mask"], "/mask/ShapeTotal", start=1, end=2)
    scalar = g.ints("/mask/axis0", 0)
    total_s = g.op("Squeeze", [total, scalar], "/mask/TotalScalar")
    past_s = g.op("Squeeze", [g.op("Sub", [total, seq], "/mask/Past"), scalar], "/mask/PastScalar")
    zero, one = g.const("/mask/zero", np.array(0, np.int64)), g.const("/mask/one", np.array(1, np.int64))
    queries = g.op("Range", [past_s, total_s, one], "/mask/Queries")
    keys = g.op("Range", [zero, total_s, one], "/mask/Keys")
    causal = g.op("LessOrEqual", [g.op("Unsqueeze", [keys, scalar], "/mask/KeysRow"),
                                  g.op("Unsqueeze", [queries, g.ints("/mask/axis1", 1)], "/mask/QueriesColumn")], "/mask/Causal")
    padding = g.op("Unsqueeze", [g.op("Cast", ["attention_mask"], "/mask/Bool", to=TensorProto.BOOL), g.ints("/mask/axes12", 1, 2)],
                   "/mask/Padding")
    allowed = g.op("And", [causal, padding], "/mask/And")
    mask = g.op("Where", [allowed, g.const("/mask/open", np.array(0, np.float32)), g.const("/mask/shut", np.array(-np.inf, np.float32))],
                "/mask/Where")
    inv_freq = 1.0 / (c["rope_theta"] ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim))
    positions = g.op("Unsqueeze", [g.op("Cast", ["position_ids"], "/rotary/Cast", to=TensorProto.FLOAT), g.ints("/rotary/axis2", 2)],
                     "/rotary/Unsqueeze")
    freqs = g.op("Mul", [positions, g.const("/rotary/inv_freq", inv_freq.astype(np.float32))], "/rotary/Mul")
    emb = g.op("Unsqueeze", [g.op("Concat", [freqs, freqs], "/rotary/Concat", axis=-1), g.ints("/rotary/axis1", 1)], "/rotary/Heads")
    return mask, g.op("Cos", [emb], "/rotary/Cos"), g.op("Sin", [emb], "/rotary/Sin")


def _layer(g: GraphBuilder, c: dict[str, Any], i: int, h: str, mask: str, cos: str, sin: str, weight: Weight) -> str:
    d, heads, kv, inter = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["intermediate_size"]
    hd = c["head_dim"]
    p = f"model.layers.{i}"
    x = g.rms_norm(h, weight(f"{p}.input_layernorm.weight", (d,), "norm"), c["rms_norm_eps"], f"/{p}/input_layernorm")
    proj = {}
    for n, width in (("q", heads * hd), ("k", kv * hd), ("v", kv * hd)):
        w, b = weight(f"{p}.self_attn.{n}_proj.weight", (width, d), "matrix"), weight(f"{p}.self_attn.{n}_proj.bias", (width,), "bias")
        proj[n] = _heads(g, g.linear(x, w, b, f"/{p}/self_attn/{n}_proj"), heads if n == "q" else kv, hd, f"/{p}/self_attn/{n}_heads")
    q = _rotate(g, proj["q"], cos, sin, f"/{p}/self_attn/rotary_q")
    k = _rotate(g, proj["k"], cos, sin, f"/{p}/self_attn/rotary_k")
    key = g.op("Concat", [f"past_key_values.{i}.key", k], f"/{p}/self_attn/ConcatKey", axis=2)
    value = g.op("Concat", [f"past_key_values.{i}.value", proj["v"]], f"/{p}/self_attn/ConcatValue", axis=2)
    g.nodes += [helper.make_node("Identity", [key], [f"present.{i}.key"], name=f"/{p}/present_key"),
                helper.make_node("Identity", [value], [f"present.{i}.value"], name=f"/{p}/present_value")]
    keys = _repeat_kv(g, key, heads // kv, heads, hd, f"/{p}/self_attn/repeat_k")
    values = _repeat_kv(g, value, heads // kv, heads, hd, f"/{p}/self_attn/repeat_v")
    scores = g.op("MatMul", [q, g.op("Transpose", [keys], f"/{p}/self_attn/TransposeKey", perm=[0, 1, 3, 2])], f"/{p}/self_attn/MatMulQK")
    scaled = g.op("Mul", [scores, g.const(f"/{p}/self_attn/scale", np.array(hd ** -0.5, np.float32))], f"/{p}/self_attn/Scale")
    probs = g.op("Softmax", [g.op("Add", [scaled, mask], f"/{p}/self_attn/AddMask")], f"/{p}/self_attn/Softmax", axis=-1)
    # A row with every key masked is NaN after the Softmax: the export's Where(IsNaN) turns it into zeros.
    zero = g.const(f"/{p}/self_attn/zero", np.array(0, np.float32))
    probs = g.op("Where", [g.op("IsNaN", [probs], f"/{p}/self_attn/IsNaN"), zero, probs], f"/{p}/self_attn/Where")
    context = g.op("Transpose", [g.op("MatMul", [probs, values], f"/{p}/self_attn/MatMulV")], f"/{p}/self_attn/TransposeOut",
                   perm=[0, 2, 1, 3])
    context = g.op("Reshape", [context, g.ints(f"/{p}/self_attn/merge", 0, 0, heads * hd)], f"/{p}/self_attn/Merge")
    h = g.op("Add", [h, g.linear(context, weight(f"{p}.self_attn.o_proj.weight", (d, heads * hd), "matrix"), None,
                                 f"/{p}/self_attn/o_proj")], f"/{p}/AddAttention")
    x = g.rms_norm(h, weight(f"{p}.post_attention_layernorm.weight", (d,), "norm"), c["rms_norm_eps"], f"/{p}/post_attention_layernorm")
    gate = g.linear(x, weight(f"{p}.mlp.gate_proj.weight", (inter, d), "matrix"), None, f"/{p}/mlp/gate_proj")
    up = g.linear(x, weight(f"{p}.mlp.up_proj.weight", (inter, d), "matrix"), None, f"/{p}/mlp/up_proj")
    silu = g.op("Mul", [gate, g.op("Sigmoid", [gate], f"/{p}/mlp/Sigmoid")], f"/{p}/mlp/SiLU")
    down = g.linear(g.op("Mul", [silu, up], f"/{p}/mlp/MulUp"), weight(f"{p}.mlp.down_proj.weight", (d, inter), "matrix"), None,
                    f"/{p}/mlp/down_proj")
    return g.op("Add", [h, down], f"/{p}/AddMlp")


def build_qwen2(c: dict[str, Any], weight: Weight, data: ExternalData, q4: bool) -> onnx.ModelProto:
    """The whole graph; every weight comes from `weight` and goes to `data` (fp32, or q4 for the Linear layers
    and the tied lm_head, the embedding table staying fp32 for its Gather, as transformers.js's q4 files keep it)."""
    g = GraphBuilder(data, q4)
    d, vocab, kv, hd, layers = c["hidden_size"], c["vocab_size"], c["num_key_value_heads"], c["head_dim"], c["num_hidden_layers"]
    embed = weight("model.embed_tokens.weight", (vocab, d), "matrix")
    table = g.const("model.embed_tokens.weight", embed)
    h = g.op("Gather", [table, "input_ids"], "/model/embed_tokens/Gather")
    mask, cos, sin = _mask_and_rotary(g, c, hd)
    for i in range(layers):
        h = _layer(g, c, i, h, mask, cos, sin, weight)
    x = g.rms_norm(h, weight("model.norm.weight", (d,), "norm"), c["rms_norm_eps"], "/model/norm")
    if q4:
        g.linear(x, embed, None, "/lm_head")
        g.nodes[-1].output[0] = "logits"
    else:
        tied = g.op("Transpose", [table], "/lm_head/TiedTranspose", perm=[1, 0])
        g.nodes.append(helper.make_node("MatMul", [x, tied], ["logits"], name="/lm_head/MatMul"))
    del embed
    b, s, past, total = "batch_size", "sequence_length", "past_sequence_length", "total_sequence_length"
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [b, s]),
              helper.make_tensor_value_info("attention_mask", TensorProto.INT64, [b, total]),
              helper.make_tensor_value_info("position_ids", TensorProto.INT64, [b, s])]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [b, s, vocab])]
    for i in range(layers):
        for kind in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kind}", TensorProto.FLOAT, [b, kv, past, hd]))
            outputs.append(helper.make_tensor_value_info(f"present.{i}.{kind}", TensorProto.FLOAT, [b, kv, total, hd]))
    graph = helper.make_graph(g.nodes, "main_graph", inputs, outputs, g.initializers)
    opsets = [helper.make_opsetid("", OPSET)] + ([helper.make_opsetid("com.microsoft", 1)] if q4 else [])
    return helper.make_model(graph, opset_imports=opsets, producer_name="attention-lens lens_models.qwen_graph", ir_version=8)
