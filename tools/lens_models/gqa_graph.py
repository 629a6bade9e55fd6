"""A decoder's ONNX graph in onnxruntime-genai's fused style, written node by node with onnx.helper from a
llama.DecoderForCausalLM's weights, as genai's builder (src/python/py/models/builders/base.py) wires it:
SimplifiedLayerNormalization, one packed QKV MatMul (Qwen3: separate Q/K/V MatMuls, each normalised per head
before the operator), com.microsoft.GroupQueryAttention with do_rotary=1 and cos/sin caches, seqlens_k and
total_sequence_length computed from attention_mask, no position_ids. The attention probabilities are the
operator's output 3 (`output_qk`) once qk_output=2 is set, which the file leaves to whoever loads it."""
import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from .llama import GEMMA, DecoderForCausalLM, inverse_frequencies, rotary_cos_sin

OPSET = 14
MS = "com.microsoft"


class GraphBuilder:
    """Nodes, initializers and unique names: add() returns the node's first output name."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def init(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def add(self, op: str, name: str, inputs: list[str], outputs: int | list[str] = 1, domain: str = "",
            **attrs: object) -> str:
        names = outputs if isinstance(outputs, list) else [f"{name}/output_{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, names, name=name, domain=domain or None, **attrs))
        return names[0]


def rotary_caches(config: dict, base: float) -> tuple[np.ndarray, np.ndarray]:
    """cos/sin [max_positions, head_dim / 2]: the first half of what llama.rotary_cos_sin gives (its two halves are
    equal), computed by the same code so the values are the reference's bit for bit."""
    head_dim = config["head_dim"]
    positions = torch.arange(config["max_position_embeddings"])[None, :]
    cos, sin = rotary_cos_sin(inverse_frequencies(head_dim, base), positions)
    return cos[0, :, : head_dim // 2].numpy(), sin[0, :, : head_dim // 2].numpy()


class GqaExport:
    def __init__(self, model: DecoderForCausalLM) -> None:
        self.c = model.model.config
        self.w = {k: v.detach().numpy() for k, v in model.state_dict().items()}
        self.g = GraphBuilder()
        self.gemma = self.c["model_type"] in GEMMA
        self.eps = self.c["rms_norm_eps"]

    def norm(self, x: str, weight: str, name: str) -> str:
        """RMSNorm as genai writes it; Gemma's (1 + weight) folded into the stored scale (the same float32 sum
        PyTorch computes)."""
        w = self.w[weight] + np.float32(1.0) if self.gemma else self.w[weight]
        return self.g.add("SimplifiedLayerNormalization", name, [x, self.g.init(weight, w)], axis=-1,
                          epsilon=self.eps, stash_type=1)

    def linear(self, x: str, weights: list[str], name: str) -> str:
        """MatMul by the transposed (and, for several, concatenated) nn.Linear weights."""
        w = np.concatenate([self.w[k].T for k in weights], axis=1)
        stored = weights[0] if len(weights) == 1 else weights[0].replace("q_proj", "qkv_proj")
        return self.g.add("MatMul", name + "/MatMul", [x, self.g.init(stored, w)])

    def mask_inputs(self) -> tuple[str, str]:
        """seqlens_k = sum(attention_mask) - 1 (int32, per batch row), total_sequence_length = mask width."""
        g, base = self.g, "/model/attn_mask_reformat/attn_mask_subgraph"
        one = g.init("/model/constants/INT64/[1]", np.array([1], dtype=np.int64))
        total = g.add("ReduceSum", base + "/ReduceSum", ["attention_mask", one], keepdims=0)
        seqlens = g.add("Cast", base + "/Sub/Cast", [g.add("Sub", base + "/Sub", [total, one])], to=TensorProto.INT32)
        width = g.add("Gather", base + "/Gather", [g.add("Shape", base + "/Shape", ["attention_mask"]),
                                                   g.init("/model/constants/INT64/1", np.array(1, dtype=np.int64))], axis=0)
        return seqlens, g.add("Cast", base + "/Gather/Cast", [width], to=TensorProto.INT32)

    def head_norm(self, x: str, weight: str, heads: int, name: str) -> str:
        """Qwen3's q_norm / k_norm over each head's head_dim values."""
        g, d = self.g, self.c["head_dim"]
        split = g.add("Reshape", name + "/Reshape", [x, g.init(name + "/shape", np.array([0, 0, heads, d], np.int64))])
        normed = self.norm(split, weight, name + "/SimplifiedLayerNormalization")
        return g.add("Reshape", name + "/Reshape_1", [normed, g.init(name + "/flat", np.array([0, 0, heads * d], np.int64))])

    def attention(self, i: int, x: str, mask: tuple[str, str], caches: dict[str, tuple[str, str]]) -> str:
        c, g, p = self.c, self.g, f"model.layers.{i}.self_attn."
        name = f"/model/layers.{i}/attn"
        if p + "q_norm.weight" in self.w:
            q = self.head_norm(self.linear(x, [p + "q_proj.weight"], name + "/q_proj"), p + "q_norm.weight",
                               c["num_attention_heads"], name + "/q_norm")
            k = self.head_norm(self.linear(x, [p + "k_proj.weight"], name + "/k_proj"), p + "k_norm.weight",
                               c["num_key_value_heads"], name + "/k_norm")
            qkv = [q, k, self.linear(x, [p + "v_proj.weight"], name + "/v_proj")]
        else:
            qkv = [self.linear(x, [p + k + "_proj.weight" for k in "qkv"], name + "/qkv_proj"), "", ""]
        sliding = c.get("layer_types", [])[i:i + 1] == ["sliding_attention"]
        cos, sin = caches["local" if sliding else "full"]
        attrs = {"num_heads": c["num_attention_heads"], "kv_num_heads": c["num_key_value_heads"],
                 "scale": float((c["query_pre_attn_scalar"] if self.gemma else c["head_dim"]) ** -0.5),
                 "do_rotary": 1, "rotary_interleaved": 0,
                 # both transformers and the operator let a query see `sliding_window` keys, itself included
                 # (measured: onnxruntime-node 1.30's CPU kernel, as genai's builder passes sliding_window)
                 "local_window_size": c["sliding_window"] if sliding else -1,
                 "softcap": float(c.get("attn_logit_softcapping") or 0.0)}
        out = g.add("GroupQueryAttention", name + "/GroupQueryAttention",
                    [*qkv, f"past_key_values.{i}.key", f"past_key_values.{i}.value", *mask, cos, sin],
                    [name + "/GroupQueryAttention/output_0", f"present.{i}.key", f"present.{i}.value"], domain=MS, **attrs)
        return self.linear(out, [p + "o_proj.weight"], name + "/o_proj")

    def mlp(self, i: int, x: str) -> str:
        g, p, name = self.g, f"model.layers.{i}.mlp.", f"/model/layers.{i}/mlp"
        gate = self.linear(x, [p + "gate_proj.weight"], name + "/gate_proj")
        if self.gemma:
            act = g.add("FastGelu", name + "/act_fn/FastGelu", [gate], domain=MS)
        else:
            act = g.add("Mul", name + "/act_fn/Mul", [gate, g.add("Sigmoid", name + "/act_fn/Sigmoid", [gate])])
        up = self.linear(x, [p + "up_proj.weight"], name + "/up_proj")
        return self.linear(g.add("Mul", name + "/Mul", [act, up]), [p + "down_proj.weight"], name + "/down_proj")

    def layer(self, i: int, x: str, mask: tuple[str, str], caches: dict[str, tuple[str, str]]) -> str:
        g, p, name = self.g, f"model.layers.{i}.", f"/model/layers.{i}"
        attn = self.attention(i, self.norm(x, p + "input_layernorm.weight", name + "/input_layernorm"), mask, caches)
        if self.gemma:
            attn = self.norm(attn, p + "post_attention_layernorm.weight", name + "/post_attention_layernorm")
            x = g.add("Add", name + "/attn_residual", [x, attn])
            ff = self.mlp(i, self.norm(x, p + "pre_feedforward_layernorm.weight", name + "/pre_feedforward_layernorm"))
            ff = self.norm(ff, p + "post_feedforward_layernorm.weight", name + "/post_feedforward_layernorm")
            return g.add("Add", name + "/mlp_residual", [x, ff])
        x = g.add("Add", name + "/attn_residual", [x, attn])
        return g.add("Add", name + "/mlp_residual",
                     [x, self.mlp(i, self.norm(x, p + "post_attention_layernorm.weight", name + "/post_attention_layernorm"))])

    def caches(self) -> dict[str, tuple[str, str]]:
        """cos/sin caches by rotary base; Gemma 3's sliding layers get their own (genai's cos_cache_local)."""
        c = self.c
        cos, sin = rotary_caches(c, c["rope_theta"])
        out = {"full": (self.g.init("cos_cache", cos), self.g.init("sin_cache", sin))}
        local = c.get("rope_local_base_freq")
        if local is None or local == c["rope_theta"]:
            return {**out, "local": out["full"]}
        cos, sin = rotary_caches(c, local)
        return {**out, "local": (self.g.init("cos_cache_local", cos), self.g.init("sin_cache_local", sin))}

    def build(self) -> onnx.ModelProto:
        c, g = self.c, self.g
        embed = g.init("model.embed_tokens.weight", self.w["model.embed_tokens.weight"])
        x = g.add("Gather", "/model/embed_tokens/Gather", [embed, "input_ids"], axis=0)
        if self.gemma:
            scale = np.array(c["hidden_size"] ** 0.5, dtype=np.float32)
            x = g.add("Mul", "/model/embed_tokens/Mul", [x, g.init("/model/embed_tokens/scale", scale)])
        mask, caches = self.mask_inputs(), self.caches()
        for i in range(c["num_hidden_layers"]):
            x = self.layer(i, x, mask, caches)
        x = self.norm(x, "model.norm.weight", "/model/norm")
        head = g.add("Transpose", "/lm_head/TiedTranspose", [embed], perm=[1, 0])  # tied: stored once
        cap = c.get("final_logit_softcapping")
        logits = g.add("MatMul", "/lm_head/MatMul", [x, head], ["logits" if cap is None else "/lm_head/MatMul/output_0"])
        if cap is not None:
            capv = g.init("/lm_head/softcap", np.array(cap, dtype=np.float32))
            t = g.add("Tanh", "/lm_head/softcap/Tanh", [g.add("Div", "/lm_head/softcap/Div", [logits, capv])])
            g.add("Mul", "/lm_head/softcap/Mul", [t, capv], ["logits"])
        return self.model_proto()

    def model_proto(self) -> onnx.ModelProto:
        c, layers = self.c, range(self.c["num_hidden_layers"])
        kv, d, f = c["num_key_value_heads"], c["head_dim"], TensorProto.FLOAT
        total = "total_sequence_length"
        inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
                  helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", total])]
        outputs = [helper.make_tensor_value_info("logits", f, ["batch_size", "sequence_length", c["vocab_size"]])]
        for i in layers:
            for kind in ("key", "value"):
                inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kind}", f,
                                                            ["batch_size", kv, "past_sequence_length", d]))
                outputs.append(helper.make_tensor_value_info(f"present.{i}.{kind}", f, ["batch_size", kv, total, d]))
        graph = helper.make_graph(self.g.nodes, "main_graph", inputs, outputs, self.g.initializers)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(MS, 1)],
                                 producer_name="attention-lens lens_models.gqa_graph")


def gqa_model(model: DecoderForCausalLM) -> onnx.ModelProto:
    return GqaExport(model).build()
