// What a run keeps to compute each layer's maps later (src/core/onnx/attentionRecompute.ts): the chain from the
// scores MatMul to the probabilities, its side inputs, and the model cut from the bytes of the real tiny models.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { locateAttention, type AttentionSite } from '../../src/core/onnx/attentionNodes';
import { FUSED_PROBABILITIES, indexGraph, layerRecipe, recomputeModel } from '../../src/core/onnx/attentionRecompute';
import { scanModel } from '../../src/core/onnx/graphScan';
import { readModelGraph } from '../../src/core/onnx/modelGraph';
import { recipeSignature } from '../../src/core/onnx/recipeSignature';
import { fixtureModel } from '../support/paths';
import { node, summary } from '../support/graphs';

/**
 * A GPT-2-like layer: scores = MatMul(q, kT) / scale, masked by Where(causal, scores, -inf) + padding mask,
 * where the causal mask's slice reads Shape(kT) (shape arithmetic, not data) and the scale is a Constant.
 */
function gpt2Layer() {
  const nodes = [
    node('q', 'Transpose', ['hidden_q'], ['q']),
    node('k', 'Transpose', ['hidden_k'], ['kT']),
    node('mm', 'MatMul', ['q', 'kT'], ['scores']),
    node('scale', 'Constant', [], ['scale']),
    node('div', 'Div', ['scores', 'scale'], ['scaled']),
    node('shape', 'Shape', ['kT'], ['kshape']),
    node('slice', 'Slice', ['bias', 'kshape'], ['causal']),
    node('where', 'Where', ['causal', 'scaled', 'minus_inf'], ['masked']),
    node('add', 'Add', ['masked', 'padding'], ['biased']),
    node('sm', 'Softmax', ['biased'], ['p']),
    node('pv', 'MatMul', ['p', 'v'], ['ctx']),
  ];
  const graph = summary(nodes, { inputs: ['input_ids', 'padding'], initializerFields: new Map([['minus_inf', {} as never]]) });
  return { graph, site: { kind: 'softmax', node: nodes[9], probabilities: 'p' } as AttentionSite };
}

test('a layer keeps the scores MatMul inputs and the computed masks; constants and initializers are copied, graph inputs fed again', () => {
  const { graph, site } = gpt2Layer();
  const recipe = layerRecipe(indexGraph(graph), site);
  assert.deepEqual(
    recipe.nodes.map((n) => n.name),
    ['mm', 'scale', 'div', 'where', 'add', 'sm'],
    'the chain from the scores product to the Softmax, in graph order, and the Constant it reads; not the shape arithmetic',
  );
  assert.deepEqual(recipe.kept.sort(), ['causal', 'kT', 'q']);
  assert.deepEqual([recipe.fed, recipe.initializers, recipe.output, recipe.rowsSumToOne], [['padding'], ['minus_inf'], 'p', true]);
});

test('a mask computed from graph inputs alone is remade in the cut model, not kept; one that reads an activation is kept', () => {
  const nodes = [
    node('mm', 'MatMul', ['q', 'kT'], ['scores']),
    node('unsq', 'Unsqueeze', ['attention_mask', 'axes'], ['m4']),
    node('not', 'Not', ['m4'], ['hidden']),
    node('where', 'Where', ['hidden', 'minus_inf', 'scores'], ['masked']),
    node('embed', 'Gather', ['table', 'input_ids'], ['x']),
    node('bias', 'Relu', ['x'], ['learned']),
    node('add', 'Add', ['masked', 'learned'], ['biased']),
    node('sm', 'Softmax', ['biased'], ['p']),
  ];
  const initializers = new Map(['axes', 'minus_inf', 'table'].map((name) => [name, {} as never]));
  const graph = summary(nodes, { inputs: ['input_ids', 'attention_mask'], initializerFields: initializers });
  const recipe = layerRecipe(indexGraph(graph), { kind: 'softmax', node: nodes[7], probabilities: 'p' });
  assert.deepEqual(
    recipe.nodes.map((n) => n.name),
    ['mm', 'unsq', 'not', 'where', 'add', 'sm'],
  );
  assert.deepEqual([recipe.kept.sort(), recipe.fed], [['kT', 'learned', 'q'], ['attention_mask']], 'an embedding lookup is no mask');
});

test('without an activation product in reach, the Softmax input itself is kept (exact, as many bytes as the maps)', () => {
  const nodes = [node('w', 'MatMul', ['x', 'weight'], ['scores']), node('sm', 'Softmax', ['scores'], ['p'])];
  const graph = summary(nodes, { initializerFields: new Map([['weight', {} as never]]) });
  const recipe = layerRecipe(indexGraph(graph), { kind: 'softmax', node: nodes[1], probabilities: 'p' });
  assert.deepEqual([recipe.nodes.map((n) => n.name), recipe.kept], [['sm'], ['scores']], 'a product with a weight is not the scores');
});

test("a sink's Slice after the Softmax is part of the chain, and its rows are not checked to sum to 1", () => {
  const nodes = [
    node('mm', 'MatMul', ['q', 'kT'], ['scores']),
    node('sm', 'Softmax', ['scores'], ['p']),
    node('cut', 'Slice', ['p', 'starts', 'ends', 'axes'], ['ps']),
  ];
  const recipe = layerRecipe(indexGraph(summary(nodes)), { kind: 'softmax', node: nodes[1], probabilities: 'ps' });
  assert.deepEqual([recipe.nodes.map((n) => n.name), recipe.output, recipe.rowsSumToOne], [['mm', 'sm', 'cut'], 'ps', false]);
});

test("a GroupQueryAttention layer's model is the node computing its probabilities (qk_output = 2) into its fourth output", async () => {
  const { skeleton, graph } = await readModelGraph(path.join(fixtureModel('tiny-llama-gqa'), 'onnx', 'model.onnx'), 'model.onnx');
  const found = locateAttention(graph, 2);
  assert.ok(found.available);
  const recipe = layerRecipe(indexGraph(graph), found.sites[1]);
  assert.deepEqual([recipe.nodes.at(-1)!.opType, recipe.output], ['GroupQueryAttention', FUSED_PROBABILITIES]);
  assert.deepEqual(
    recipe.nodes.slice(0, -1).map((n) => n.opType),
    ['ReduceSum', 'Sub', 'Cast', 'Shape', 'Gather', 'Cast'],
    'its sequence lengths are remade from attention_mask, not kept',
  );
  assert.ok(
    recipe.fed.includes('past_key_values.1.key') && recipe.fed.includes('attention_mask'),
    'the empty pasts and the mask are fed again',
  );
  const types = new Map(
    recipe.kept.map((name) => [name, { type: name.includes('seqlens') || name.includes('total') ? 'int32' : 'float32', rank: 3 }]),
  );
  const cut = scanModel(recomputeModel(skeleton, graph, recipe, types));
  assert.deepEqual(cut.outputs, [FUSED_PROBABILITIES]);
  assert.deepEqual(cut.nodes.at(-1)!.outputs[3], FUSED_PROBABILITIES);
  assert.deepEqual(cut.opsets, graph.opsets, 'the opset imports are copied, com.microsoft among them');
  assert.deepEqual(cut.inputs.sort(), [...recipe.fed, ...recipe.kept].sort());
});

test('layers whose cut models compute the same share one signature; a sliding-window layer of a fused export does not', async () => {
  const signatures = async (name: string) => {
    const onnx = path.join(fixtureModel(name), 'onnx', 'model.onnx');
    const { skeleton, graph } = await readModelGraph(onnx, 'model.onnx');
    const found = locateAttention(graph, 2);
    assert.ok(found.available);
    const index = indexGraph(graph);
    return found.sites.map((site) => recipeSignature(skeleton, graph, layerRecipe(index, site), path.dirname(onnx)));
  };
  const [llama0, llama1] = await signatures('tiny-llama');
  assert.equal(llama0, llama1, "tiny-llama's two layers (weights in model.onnx_data) compute alike");
  const [local, global] = await signatures('tiny-gemma2-gqa');
  assert.notEqual(local, global, "Gemma 2's local_window_size is an attribute of its sliding layer's GroupQueryAttention");
});
