// How verify.mjs opens a test model: its shape from config.json (GPT-2's, BERT's or a Llama-style decoder's keys)
// and a session whose attention maps are outputs. Optimum-style graphs get their Softmax outputs appended to the
// model bytes; fused GroupQueryAttention graphs are run from the throwaway copy make_decoder_models --probes wrote
// (qk_output=2, output_qk exposed), since the fixture itself leaves qk_output unset.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ort from 'onnxruntime-node';

// The project's protobuf writer (src/core/onnx/protobuf.ts, compiled to out/ by tsc): a GraphProto holding only
// `output` entries, appended to the model bytes; protobuf merges it into the graph.
const { MessageWriter } = createRequire(import.meta.url)('../../out/src/core/onnx/protobuf.js');
const MODEL_GRAPH = 7;
const GRAPH_OUTPUT = 12;
const VALUE_INFO_NAME = 1;
function withExtraOutputs(modelBytes, names) {
  const graph = new MessageWriter();
  for (const name of names) graph.message(GRAPH_OUTPUT, new MessageWriter().string(VALUE_INFO_NAME, name));
  return Buffer.concat([modelBytes, new MessageWriter().message(MODEL_GRAPH, graph).finish()]);
}

/** Heads, key/value heads, head size, layers and the padding id, whatever the family's config keys. */
export function modelShape(config) {
  if (config.model_type === 'gpt2') {
    const heads = config.n_head;
    return { heads, kvHeads: heads, headDim: config.n_embd / heads, layers: config.n_layer, padId: config.eos_token_id };
  }
  const heads = config.num_attention_heads ?? config.n_heads; // DistilBERT: n_heads, dim, n_layers
  return {
    heads,
    kvHeads: config.num_key_value_heads ?? heads,
    headDim: config.head_dim ?? (config.hidden_size ?? config.dim) / heads,
    layers: config.num_hidden_layers ?? config.n_layers,
    padId: config.pad_token_id ?? config.eos_token_id ?? 0,
  };
}

/** The session and the names of the outputs that hold each layer's attention, in layer order. */
export async function openSession(dir, name, reference, probesDir) {
  const options = { intraOpNumThreads: 2, graphOptimizationLevel: 'all' };
  const fused = reference.onnx.attention_nodes;
  if (fused) {
    const probe = path.join(probesDir, `${name}.onnx`);
    if (!existsSync(probe)) throw new Error(`${name}: no probe ${probe}; run make_decoder_models with --probes`);
    return { session: await ort.InferenceSession.create(probe, options), attentionOutputs: fused.map((n) => n.qk_output_name) };
  }
  const attentionOutputs = reference.onnx.softmax_nodes.map((n) => n.output);
  // External weights resolve against this folder when the model comes from a buffer.
  const extra = { session: { model_external_initializers_file_folder_path: path.join(dir, 'onnx') } };
  const bytes = withExtraOutputs(readFileSync(path.join(dir, 'onnx/model.onnx')), attentionOutputs);
  return { session: await ort.InferenceSession.create(bytes, { ...options, extra }), attentionOutputs };
}

/** The first position_ids value the graph expects (reference.json's onnx.position_ids, e.g. "1..1+n-1"), else 0. */
export function firstPosition(reference) {
  const match = /^(\d+)\.\./.exec(reference.onnx.position_ids ?? '');
  return match ? Number(match[1]) : 0;
}
