import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locateAttention } from '../../src/core/onnx/attentionNodes';
import { scanModel } from '../../src/core/onnx/graphScan';
import { node, summary } from '../support/graphs';
import type { GraphNode } from '../../src/core/onnx/graphScan';
import { HEAD, patchModel, planPatch, PREDICTED_POSITIONS } from '../../src/core/onnx/graphPatch';
import { renameNodeInput } from '../../src/core/onnx/graphRewire';
import { MessageWriter, ProtobufError, fields } from '../../src/core/onnx/protobuf';

function attentionLayer(i: number): GraphNode[] {
  return [
    node(`/encoder/layer.${i}/attention/Softmax`, 'Softmax', [`scores${i}`], [`probs${i}`]),
    node(`/encoder/layer.${i}/attention/MatMul_1`, 'MatMul', [`probs${i}`, `v${i}`], [`ctx${i}`]),
  ];
}

test('attention Softmax outputs are found per layer and ordered by the layer number in their names', () => {
  const graph = summary([...attentionLayer(1), ...attentionLayer(0), node('/pooler/Softmax', 'Softmax', ['x'], ['unused'])]);
  const found = locateAttention(graph, 2);
  assert.ok(found.available);
  assert.deepEqual(
    found.sites.map((site) => site.kind === 'softmax' && site.probabilities),
    ['probs0', 'probs1'],
  );
});

test('a Softmax reaching the value MatMul through Cast and Dropout still counts as attention', () => {
  const graph = summary([
    node('s', 'Softmax', ['a'], ['p']),
    node('c', 'Cast', ['p'], ['p16']),
    node('d', 'Dropout', ['p16'], ['pd']),
    node('m', 'MatMul', ['pd', 'v'], ['o']),
  ]);
  const found = locateAttention(graph, 1);
  assert.ok(found.available && found.sites[0].kind === 'softmax' && found.sites[0].probabilities === 'p');
});

test('a fused com.microsoft.Attention export is reported as having no readable attention, naming the operator', () => {
  const result = locateAttention(summary([node('a', 'Attention', ['x'], ['y'], 'com.microsoft')]), 12);
  assert.equal(result.available, false);
  assert.match((result as { reason: string }).reason, /com\.microsoft\.Attention/);
});

test('a merged decoder whose Softmax sits in If branches says so', () => {
  const result = locateAttention(
    summary([node('if', 'If', ['use_cache_branch'], ['logits'])], { subgraphOpTypes: new Set(['Softmax', 'MatMul']) }),
    2,
  );
  assert.match((result as { reason: string }).reason, /merged decoder/);
});

test("an If that holds no attention (LongRoPE's choice of cos/sin caches) does not hide the layers' Softmax", () => {
  const longRope = node('if', 'If', ['long'], ['cos_cache']);
  const graph = summary([longRope, ...attentionLayer(0), ...attentionLayer(1)], { subgraphOpTypes: new Set(['Constant']) });
  const found = locateAttention(graph, 2);
  assert.ok(found.available);
  assert.equal(found.sites.length, 2);
});

test("transformers ≥ 4.53's Where(IsNaN(p), 0, p) and a sink's Slice between the Softmax and the MatMul are looked through", () => {
  const where = summary([
    node('s', 'Softmax', ['a'], ['p']),
    node('n', 'IsNaN', ['p'], ['nan']),
    node('w', 'Where', ['nan', 'zero', 'p'], ['pw']),
    node('m', 'MatMul', ['pw', 'v'], ['o']),
  ]);
  const a = locateAttention(where, 1);
  assert.ok(a.available && a.sites[0].kind === 'softmax' && a.sites[0].probabilities === 'p', 'the map is the Softmax output');
  const sink = summary([
    node('s', 'Softmax', ['a'], ['p']),
    node('c', 'Slice', ['p', 's0', 'e0', 'ax'], ['ps']),
    node('m', 'MatMul', ['ps', 'v'], ['o']),
  ]);
  const b = locateAttention(sink, 1);
  assert.ok(b.available && b.sites[0].kind === 'softmax' && b.sites[0].probabilities === 'ps', 'the map is the Softmax without the sink');
});

test('GroupQueryAttention nodes, one per layer, are the sites of a fused export; a count that does not match is refused', () => {
  const gqa = (i: number) =>
    node(`/model/layers.${i}/attn/GroupQueryAttention`, 'GroupQueryAttention', ['qkv'], [`o${i}`], 'com.microsoft');
  const found = locateAttention(summary([gqa(1), gqa(0)]), 2);
  assert.ok(found.available);
  assert.deepEqual(
    found.sites.map((s) => s.kind === 'groupQueryAttention' && s.node.outputs[0]),
    ['o0', 'o1'],
  );
  const short = locateAttention(summary([gqa(0)]), 2);
  assert.match((short as { reason: string }).reason, /GroupQueryAttention/);
});

test('a count of attention Softmaxes that does not match the layers is refused rather than mislabelled', () => {
  const result = locateAttention(summary([...attentionLayer(0), ...attentionLayer(1), ...attentionLayer(2)]), 2);
  assert.match((result as { reason: string }).reason, /found 3 attention Softmax nodes for 2 layers/);
});

function tinyModel(): Uint8Array {
  const graph = new MessageWriter()
    .message(1, new MessageWriter().string(1, 'x').string(2, 'p').string(3, '/h.0/attn/Softmax').string(4, 'Softmax'))
    .message(1, new MessageWriter().string(1, 'p').string(1, 'v').string(2, 'logits').string(3, '/h.0/attn/MatMul').string(4, 'MatMul'))
    .message(
      5,
      new MessageWriter().string(8, 'w').varint(14, 1).message(13, new MessageWriter().string(1, 'location').string(2, 'model.onnx_data')),
    )
    .message(11, new MessageWriter().string(1, 'input_ids'))
    .message(12, new MessageWriter().string(1, 'logits'));
  return new MessageWriter().varint(1, 8).message(7, graph).message(8, new MessageWriter().string(1, '').varint(2, 14)).finish();
}

test('the scanner reads opsets, nodes, inputs, outputs and external-data locations', () => {
  const s = scanModel(tinyModel());
  assert.equal(s.opsets.get(''), 14);
  assert.deepEqual(
    s.nodes.map((n) => n.opType),
    ['Softmax', 'MatMul'],
  );
  assert.deepEqual(s.nodes[1].inputs, ['p', 'v']);
  assert.deepEqual(s.inputs, ['input_ids']);
  assert.deepEqual(s.outputs, ['logits']);
  assert.deepEqual(s.externalDataLocations, ['model.onnx_data']);
});

test('truncated model bytes raise a ProtobufError instead of reading garbage', () => {
  const bytes = tinyModel();
  assert.throws(() => scanModel(bytes.subarray(0, bytes.length - 5)), ProtobufError);
});

test('random bytes are not taken for a model', () => {
  const noise = new Uint8Array(4096);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + 13) % 251;
  assert.throws(() => scanModel(noise));
});

test('the patch appends a second graph whose outputs and head nodes merge into the first', () => {
  const original = tinyModel();
  const s = scanModel(original);
  const plan = planPatch(s, ['x', 'logits', 'x'], true);
  assert.deepEqual(plan.extraOutputs, ['x'], 'each kept tensor once, and not one that is already a graph output');
  const patched = patchModel(original, plan);
  assert.equal(patched.predictionHead, true);
  assert.deepEqual(patched.bytes.subarray(0, original.length), original);
  const merged = scanModel(patched.bytes);
  assert.deepEqual(merged.outputs, ['logits', HEAD.topValues, HEAD.topIndices, HEAD.logSumExp, HEAD.actualLogit, 'x']);
  assert.ok(merged.nodes.some((n) => n.opType === 'TopK' && n.inputs[0] === 'logits'));
  assert.ok(merged.nodes.some((n) => n.opType === 'GatherElements'));
});

test("a masked model's vocabulary projection reads its hidden states at the positions fed, through a Gather", () => {
  const original = tinyModel();
  const plan = planPatch(scanModel(original), ['p'], false);
  assert.deepEqual(plan.projection, { output: 'logits', hidden: 'p' });
  const patched = patchModel(original, plan);
  assert.equal(patched.positionsInput, true);
  const merged = scanModel(patched.bytes);
  assert.deepEqual(merged.inputs, ['input_ids', PREDICTED_POSITIONS]);
  const gather = merged.nodes.find((n) => n.opType === 'Gather')!;
  assert.deepEqual(gather.inputs, ['p', PREDICTED_POSITIONS]);
  const projection = merged.nodes.find((n) => n.outputs[0] === 'logits')!;
  assert.deepEqual(projection.inputs, [gather.outputs[0], 'v'], 'only the projection is rewired');
  assert.deepEqual(merged.nodes.find((n) => n.opType === 'Softmax')!.outputs, ['p'], 'the attention map itself is untouched');
  assert.deepEqual(merged.externalDataLocations, ['model.onnx_data'], 'the initializers are copied as they are');
});

test('no positions input where the logits do not come from a MatMul of the hidden states, nor for a causal model', () => {
  const s = summary([node('s', 'Softmax', ['x'], ['h']), node('g', 'Gemm', ['h', 'w', 'b'], ['logits'])]);
  assert.equal(planPatch(s, [], false).projection, undefined, 'a Gemm head keeps full logits');
  const weightFirst = summary([node('t', 'Transpose', ['w'], ['wt']), node('m', 'MatMul', ['wt', 'h'], ['logits'])]);
  assert.equal(planPatch(weightFirst, [], false).projection, undefined, 'a weight as the first operand is not taken for the hidden states');
  const bias = summary([
    node('s', 'Softmax', ['x'], ['h']),
    node('m', 'MatMul', ['h', 'w'], ['z']),
    node('a', 'Add', ['b', 'z'], ['logits']),
  ]);
  assert.deepEqual(planPatch(bias, [], false).projection, { output: 'z', hidden: 'h' }, 'through the bias Add');
  assert.equal(planPatch(bias, [], true).projection, undefined, 'a causal LM predicts at every position');
});

test('renaming a node input changes only that node, and refuses a node that is not there', () => {
  const original = tinyModel();
  const renamed = scanModel(renameNodeInput(original, 'logits', 'v', 'v2'));
  assert.deepEqual(
    renamed.nodes.map((n) => n.inputs),
    [['x'], ['p', 'v2']],
  );
  assert.deepEqual(renamed.outputs, ['logits']);
  assert.throws(() => renameNodeInput(original, 'nothing', 'v', 'v2'), ProtobufError);
});

test('below opset 13 no prediction head is planned (predictions then come from full logits)', () => {
  const s = scanModel(tinyModel());
  s.opsets.set('', 12);
  assert.equal(planPatch(s, [], false).logits, undefined);
});

test('the protobuf reader and writer agree on varints past 2^32', () => {
  const bytes = new MessageWriter().varint(3, 2 ** 40 + 5).finish();
  const [f] = [...fields(bytes)];
  assert.equal(f.field, 3);
  assert.equal(f.value, 2 ** 40 + 5);
});
