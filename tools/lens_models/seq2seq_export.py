"""Exporting an encoder-decoder model (t5.py, marian.py) in optimum's layout: onnx/encoder_model.onnx (input_ids,
attention_mask -> last_hidden_state), onnx/decoder_model.onnx (input_ids, encoder_attention_mask,
encoder_hidden_states -> logits, present.N.{decoder,encoder}.{key,value}) and onnx/decoder_model_merged.onnx:
If(use_cache_branch) whose then-branch is the decoder with past (past_key_values.N.*; the encoder's keys and values
passed through) and whose else-branch is decoder_model, with every initializer moved to the top-level graph and
stored once where both branches hold the same tensor (optimum's merge_decoders)."""
import os
import tempfile

import onnx
import torch
from onnx import helper
from torch import Tensor, nn

from .onnx_graph import OPSET

KINDS = ("decoder", "encoder")


def present_names(layers: int, prefix: str = "present") -> list[str]:
    return [f"{prefix}.{i}.{kind}.{kv}" for i in range(layers) for kind in KINDS for kv in ("key", "value")]


class EncoderGraph(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        return self.model.encode(input_ids, attention_mask)[0]


class DecoderGraph(nn.Module):
    """Without past: the whole target at once; with past: the new tokens after the cached ones."""

    def __init__(self, model: nn.Module, with_past: bool) -> None:
        super().__init__()
        self.model, self.with_past = model, with_past

    def forward(self, input_ids: Tensor, encoder_attention_mask: Tensor, *rest: Tensor):
        if self.with_past:
            logits, _, _, presents = self.model.decode(input_ids, encoder_attention_mask, None, list(rest))
        else:
            logits, _, _, presents = self.model.decode(input_ids, encoder_attention_mask, rest[0])
        return (logits, *presents)


def _export(module: nn.Module, args: tuple, path: str, inputs: list[str], outputs: list[str], axes: dict) -> onnx.ModelProto:
    module.eval()
    torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=axes,
                      opset_version=OPSET, do_constant_folding=True)
    graph = onnx.load(path)
    onnx.checker.check_model(graph)
    return graph


def export_seq2seq(model: nn.Module, layers: int, heads: int, head_dim: int, d_model: int, onnx_dir: str) -> dict:
    """Writes the three files; returns each graph's inputs, outputs and Softmax nodes."""
    os.makedirs(onnx_dir, exist_ok=True)
    src, tgt = torch.tensor([[5, 9, 12, 7, 1]]), torch.tensor([[0, 6, 8]])
    batch_src, batch_tgt = {0: "batch_size", 1: "encoder_sequence_length"}, {0: "batch_size", 1: "decoder_sequence_length"}
    encoder = _export(EncoderGraph(model), (src, torch.ones_like(src)), os.path.join(onnx_dir, "encoder_model.onnx"),
                      ["input_ids", "attention_mask"], ["last_hidden_state"],
                      {"input_ids": batch_src, "attention_mask": batch_src, "last_hidden_state": batch_src})
    hidden = torch.randn(1, src.shape[1], d_model)
    presents = present_names(layers)
    present_axes = {name: {0: "batch_size", 2: "encoder_sequence_length" if ".encoder." in name else "decoder_sequence_length"}
                    for name in presents}
    dec_axes = {"input_ids": batch_tgt, "encoder_attention_mask": batch_src, "encoder_hidden_states": batch_src,
                "logits": batch_tgt, **present_axes}
    decoder = _export(DecoderGraph(model, False), (tgt, torch.ones_like(src), hidden),
                      os.path.join(onnx_dir, "decoder_model.onnx"),
                      ["input_ids", "encoder_attention_mask", "encoder_hidden_states"], ["logits", *presents], dec_axes)
    past_names = present_names(layers, "past_key_values")
    past = [torch.randn(1, heads, src.shape[1] if ".encoder." in n else 3, head_dim) for n in past_names]
    past_axes = {name: {0: "batch_size", 2: "encoder_sequence_length" if ".encoder." in name else "past_sequence_length"}
                 for name in past_names}
    with tempfile.TemporaryDirectory() as tmp:
        with_past = _export(DecoderGraph(model, True), (tgt[:, :1], torch.ones_like(src), *past),
                            os.path.join(tmp, "decoder_with_past_model.onnx"),
                            ["input_ids", "encoder_attention_mask", *past_names], ["logits", *presents],
                            {"input_ids": batch_tgt, "encoder_attention_mask": batch_src, "logits": batch_tgt,
                             **past_axes, **present_axes})
    merged = merge_decoders(decoder, with_past)
    onnx.checker.check_model(merged)
    onnx.save(merged, os.path.join(onnx_dir, "decoder_model_merged.onnx"))
    return {name: describe(graph) for name, graph in
            [("encoder_model", encoder), ("decoder_model", decoder), ("decoder_model_merged", merged)]}


def describe(graph: onnx.ModelProto) -> dict:
    def softmaxes(g: onnx.GraphProto) -> list[str]:
        found = [n.name for n in g.node if n.op_type == "Softmax"]
        for n in g.node:
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    found += [f"{a.name}: {s}" for s in softmaxes(a.g)]
        return found
    return {"inputs": [i.name for i in graph.graph.input], "outputs": [o.name for o in graph.graph.output],
            "softmax_nodes": softmaxes(graph.graph)}


def _tensor_key(t: onnx.TensorProto) -> tuple:
    return t.data_type, tuple(t.dims), onnx.numpy_helper.to_array(t).tobytes()


def merge_decoders(no_past: onnx.ModelProto, with_past: onnx.ModelProto) -> onnx.ModelProto:
    """If(use_cache_branch): then = with_past, else = no_past; initializers moved out of both and deduplicated."""
    top: list[onnx.TensorProto] = []
    by_content: dict[tuple, str] = {}
    used: set[str] = set()
    branches = []
    for tag, model in (("no_past", no_past), ("with_past", with_past)):
        renames = {}
        for init in model.graph.initializer:
            key = _tensor_key(init)
            if key not in by_content:
                name = init.name if init.name not in used else f"{init.name}__{tag}"
                moved = onnx.TensorProto()
                moved.CopyFrom(init)
                moved.name = name
                top.append(moved)
                used.add(name)
                by_content[key] = name
            renames[init.name] = by_content[key]
        nodes = []
        for node in model.graph.node:
            copy = onnx.NodeProto()
            copy.CopyFrom(node)
            for i, name in enumerate(copy.input):
                if name in renames:
                    copy.input[i] = renames[name]
            nodes.append(copy)
        branches.append(helper.make_graph(nodes, f"{tag}_branch", [], list(model.graph.output)))
    no_past_graph, with_past_graph = branches
    outputs = [o.name for o in no_past.graph.output]
    if_node = helper.make_node("If", ["use_cache_branch"], outputs, name="optimum::if", then_branch=with_past_graph,
                               else_branch=no_past_graph)
    use_cache = helper.make_tensor_value_info("use_cache_branch", onnx.TensorProto.BOOL, [1])
    past_inputs = [i for i in with_past.graph.input if i.name.startswith("past_key_values")]
    graph = helper.make_graph([if_node], "merged_decoder", [*no_past.graph.input, *past_inputs, use_cache],
                              list(no_past.graph.output), initializer=top)
    merged = helper.make_model(graph, opset_imports=list(no_past.opset_import), producer_name="attention-lens")
    merged.ir_version = no_past.ir_version
    return merged
