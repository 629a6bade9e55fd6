// Mutations of an ONNX file aimed at its protobuf structure: lying lengths, over-long varints, wrong wire types,
// huge declared sizes and counts, deeply nested subgraphs, hostile external-data entries, renamed operators.
// Appended graphs rely on protobuf merging repeated fields, as the loader's own patch does.
import { GRAPH_FIELDS, MODEL_FIELDS, NODE_FIELDS, STRING_ENTRY_FIELDS, TENSOR_FIELDS } from '../../src/core/onnx/graphScan';
import { MessageWriter, WireType } from '../../src/core/onnx/protobuf';
import { anyByteMutation, copyOf, flipBits, type Mutated } from './byteMutations';
import type { Prng } from './prng';
import { splice, varint, type FieldSite } from './protobufMap';

const FLOAT = 1;
const ATTRIBUTE = { name: 1, type: 20, g: 6 } as const;
const ATTRIBUTE_TYPE_GRAPH = 5;

type OnnxMutation = (rng: Prng, model: Uint8Array, sites: FieldSite[]) => Mutated;

const lengthSites = (sites: FieldSite[]) => sites.filter((s) => s.wire === WireType.LengthDelimited);

function appendGraph(model: Uint8Array, graph: MessageWriter, what: string): Mutated {
  const extra = new MessageWriter().message(MODEL_FIELDS.graph, graph).finish();
  const bytes = new Uint8Array(model.length + extra.length);
  bytes.set(model, 0);
  bytes.set(extra, model.length);
  return { bytes, what };
}

/** `graph` with an Identity node reading `tensor` and its copy a graph output, so onnxruntime must load it. */
function consumed(graph: MessageWriter, tensor: string): MessageWriter {
  const node = new MessageWriter()
    .string(NODE_FIELDS.input, tensor)
    .string(NODE_FIELDS.output, `${tensor}_out`)
    .string(NODE_FIELDS.opType, 'Identity');
  return graph.message(GRAPH_FIELDS.node, node).message(GRAPH_FIELDS.output, new MessageWriter().string(1, `${tensor}_out`));
}

/** A length that lies: one more or less, zero, or far past the file; written in the same width when it fits. */
const lyingLength: OnnxMutation = (rng, model, sites) => {
  const site = rng.pick(lengthSites(sites));
  const length = site.end - site.start;
  const value = rng.pick([
    BigInt(length + 1),
    BigInt(Math.max(0, length - 1)),
    0n,
    2n ** 31n,
    2n ** 32n + BigInt(length),
    2n ** 53n + 1n,
    2n ** 63n,
    2n ** 64n - 1n,
  ]);
  const width = site.start - site.valueStart;
  return {
    bytes: splice(model, site.valueStart, site.start, varint(value, width)),
    what: `length of a ${site.parent} field ${site.field} at ${site.keyStart} set to ${value} (was ${length})`,
  };
};

/** A varint of 11 or more bytes, one that never ends, or 2^64 - 1, in place of a key, a length or a value. */
const varintOverflow: OnnxMutation = (rng, model, sites) => {
  const site = rng.pick(sites.filter((s) => s.wire === WireType.Varint || s.wire === WireType.LengthDelimited));
  const [from, to] = rng.chance(0.5)
    ? [site.keyStart, site.valueStart]
    : [site.valueStart, site.wire === WireType.Varint ? site.end : site.start];
  const kind = rng.int(3);
  const insert =
    kind === 0 ? new Uint8Array(rng.between(11, 40)).fill(0xff) : kind === 1 ? new Uint8Array(10).fill(0x80) : varint(2n ** 64n - 1n);
  const what = ['an over-long varint', 'a varint without end', 'the varint 2^64 - 1'][kind];
  return {
    bytes: splice(model, from, to, insert),
    what: `${what} at ${from} (${from === site.keyStart ? 'key' : 'value'} of a ${site.parent} field ${site.field})`,
  };
};

/** A key whose wire type is another one (including the group types 3 and 4, and the undefined 6 and 7). */
const wrongWireType: OnnxMutation = (rng, model, sites) => {
  const site = rng.pick(sites);
  const wire = rng.pick([0, 1, 2, 3, 4, 5, 6, 7].filter((w) => w !== site.wire));
  const key = varint(BigInt(site.field * 8 + wire), site.valueStart - site.keyStart);
  return {
    bytes: splice(model, site.keyStart, site.valueStart, key),
    what: `wire type of a ${site.parent} field ${site.field} at ${site.keyStart} set to ${wire}`,
  };
};

const structureFlip: OnnxMutation = (rng, model, sites) => {
  const site = rng.pick(sites);
  return flipBits(rng, model, site.keyStart, Math.max(site.keyStart + 1, site.start));
};

/** An initializer declaring far more elements than it holds, or absurd / negative dimensions. */
const hugeDeclaredSize: OnnxMutation = (rng, model) => {
  const dims = rng.pick([[2n ** 40n, 2n ** 40n], [2n ** 62n], [-1n, 4n], [2n ** 31n - 1n, 2n ** 31n - 1n, 2n ** 31n - 1n]]);
  const tensor = new MessageWriter();
  for (const d of dims) tensor.encoded(Uint8Array.from([TENSOR_FIELDS.dims << 3, ...varint(d)]));
  tensor.varint(TENSOR_FIELDS.dataType, FLOAT).string(TENSOR_FIELDS.name, 'fuzz_huge').bytes(TENSOR_FIELDS.rawData, new Uint8Array(16));
  const graph = new MessageWriter().message(GRAPH_FIELDS.initializer, tensor);
  return appendGraph(
    model,
    rng.chance(0.7) ? consumed(graph, 'fuzz_huge') : graph,
    `an initializer of dims [${dims.join(', ')}] holding 16 bytes`,
  );
};

/** `count` copies of one encoded field, written by repeating its bytes (fast even for millions). */
function repeated(field: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(field.length * count);
  for (let i = 0; i < count; i++) out.set(field, i * field.length);
  return out;
}

/** Many small repeated fields: nodes, or one node's inputs; a few bytes each on file. */
const hugeCount: OnnxMutation = (rng, model) => {
  const count = rng.pick([20_000, 200_000, 600_000, 2_000_000]);
  if (rng.chance(0.5)) {
    const node = new MessageWriter().message(GRAPH_FIELDS.node, new MessageWriter().string(NODE_FIELDS.opType, 'Identity')).finish();
    return appendGraph(model, new MessageWriter().encoded(repeated(node, count)), `${count} Identity nodes appended`);
  }
  const inputs = repeated(new MessageWriter().string(NODE_FIELDS.input, 'x').finish(), count);
  const node = new MessageWriter().string(NODE_FIELDS.opType, 'Concat').encoded(inputs);
  return appendGraph(model, new MessageWriter().message(GRAPH_FIELDS.node, node), `a node with ${count} inputs appended`);
};

/**
 * An If node whose then-branch holds an If node … `depth` levels down. Written inside out with one copy: each
 * level is a prefix of key and length bytes in front of the level below it.
 */
export function nestedSubgraphs(depth: number): Uint8Array {
  const enc = new TextEncoder();
  const key = (field: number, wire: number) => varint(BigInt(field * 8 + wire));
  const attrName = [
    ...key(ATTRIBUTE.name, 2),
    ...varint(11n),
    ...enc.encode('then_branch'),
    ...key(ATTRIBUTE.type, 0),
    ATTRIBUTE_TYPE_GRAPH,
  ];
  const opType = [...key(NODE_FIELDS.opType, 2), 2, ...enc.encode('If')];
  const prefixes: number[][] = [];
  let inner = 0;
  for (let level = 0; level < depth; level++) {
    const attribute = [...attrName, ...key(ATTRIBUTE.g, 2), ...varint(BigInt(inner))];
    const attributeLength = attribute.length + inner;
    const node = [...opType, ...key(NODE_FIELDS.attribute, 2), ...varint(BigInt(attributeLength))];
    const nodeLength = node.length + attributeLength;
    const graph = [...key(GRAPH_FIELDS.node, 2), ...varint(BigInt(nodeLength))];
    prefixes.push([...graph, ...node, ...attribute]);
    inner = graph.length + nodeLength;
  }
  const out = new Uint8Array(inner);
  let at = 0;
  for (let i = prefixes.length - 1; i >= 0; i--) {
    out.set(prefixes[i], at);
    at += prefixes[i].length;
  }
  return out;
}

const deepNesting: OnnxMutation = (rng, model) => {
  const depth = rng.pick([50, 200, 1_000, 5_000, 20_000]);
  const graph = new MessageWriter().encoded(nestedSubgraphs(depth));
  return appendGraph(model, graph, `an If node with subgraphs nested ${depth} deep appended`);
};

/** An initializer whose external data is somewhere it must not be, or says nonsense about where. */
const hostileExternalData: OnnxMutation = (rng, model) => {
  const entries = rng.pick<[string, string][]>([
    [['location', '../../etc/passwd']],
    [['location', '/etc/passwd']],
    [
      ['location', 'model.onnx'],
      ['offset', '999999999999'],
      ['length', '16'],
    ],
    [
      ['location', 'model.onnx'],
      ['offset', '0'],
      ['length', '99999999999999999999'],
    ],
    [
      ['location', 'model.onnx'],
      ['offset', '-16'],
      ['length', '16'],
    ],
    [
      ['location', 'model.onnx'],
      ['offset', 'zero'],
      ['length', 'sixteen'],
    ],
    [['location', 'missing.onnx_data']],
    [['location', '']],
    [['location', '.']],
    [['location', 'model.onnx\u0000.txt']],
    [['location', 'C:\\Windows\\system.ini']],
  ]);
  const tensor = new MessageWriter()
    .varint(TENSOR_FIELDS.dims, 4)
    .varint(TENSOR_FIELDS.dataType, FLOAT)
    .string(TENSOR_FIELDS.name, 'fuzz_external');
  for (const [k, v] of entries)
    tensor.message(TENSOR_FIELDS.externalData, new MessageWriter().string(STRING_ENTRY_FIELDS.key, k).string(STRING_ENTRY_FIELDS.value, v));
  tensor.varint(TENSOR_FIELDS.dataLocation, 1);
  const graph = new MessageWriter().message(GRAPH_FIELDS.initializer, tensor);
  return appendGraph(
    model,
    rng.chance(0.7) ? consumed(graph, 'fuzz_external') : graph,
    `an external initializer at ${JSON.stringify(Object.fromEntries(entries))}`,
  );
};

/** A node's operator renamed to random letters: a parsable graph that onnxruntime must refuse. */
const renamedOperator: OnnxMutation = (rng, model, sites) => {
  const site = rng.pick(sites.filter((s) => s.parent === 'node' && s.field === NODE_FIELDS.opType));
  const letters = Uint8Array.from({ length: site.end - site.start }, () => 0x41 + rng.int(26));
  const out = copyOf(model);
  out.set(letters, site.start);
  return { bytes: out, what: `operator at ${site.start} renamed to ${new TextDecoder().decode(letters)}` };
};

/** The whole graph once more: every node and initializer defined twice. */
const duplicatedGraph: OnnxMutation = (_rng, model, sites) => {
  const graph = sites.find((s) => s.parent === 'model' && s.field === MODEL_FIELDS.graph)!;
  const copy = model.subarray(graph.keyStart, graph.end);
  const bytes = new Uint8Array(model.length + copy.length);
  bytes.set(model, 0);
  bytes.set(copy, model.length);
  return { bytes, what: 'the graph appended again (every node and initializer defined twice)' };
};

export const ONNX_MUTATIONS: Record<string, OnnxMutation> = {
  lyingLength,
  varintOverflow,
  wrongWireType,
  structureFlip,
  hugeDeclaredSize,
  hugeCount,
  deepNesting,
  hostileExternalData,
  renamedOperator,
  duplicatedGraph,
  bytes: (rng, model) => anyByteMutation(rng, model),
};

/** One mutation of `model` (whose structure is `sites`), named in `what`. */
export function mutateOnnx(rng: Prng, model: Uint8Array, sites: FieldSite[]): Mutated {
  const name = rng.pick(Object.keys(ONNX_MUTATIONS));
  const mutated = ONNX_MUTATIONS[name](rng, model, sites);
  return { bytes: mutated.bytes, what: `${name}: ${mutated.what}` };
}
