// Reads the structure of an ONNX ModelProto — opsets, top-level nodes, graph inputs/outputs, where external
// weights live — while skipping weight bytes. Field numbers are from onnx/onnx.proto.
import { fields, readString, type Field } from './protobuf';

const MODEL = { opsetImport: 8, graph: 7 } as const;
const OPSET = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12, sparseInitializer: 15 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
const ATTRIBUTE = { t: 5, g: 6, tensors: 10, graphs: 11, sparseTensor: 22, sparseTensors: 23 } as const;
const SPARSE_TENSOR = { values: 1, indices: 2 } as const;
const VALUE_INFO = { name: 1 } as const;
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9, externalData: 13, dataLocation: 14 } as const;
const STRING_ENTRY = { key: 1, value: 2 } as const;

export interface GraphNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  /** Where a top-level node lies in the scanned bytes, to copy it as it is (attentionRecompute.ts). */
  field?: Field;
}

export interface GraphSummary {
  /** Opset version by domain ('' is the default ai.onnx domain). */
  opsets: Map<string, number>;
  /** Top-level nodes in graph order (ONNX requires topological order). */
  nodes: GraphNode[];
  inputs: string[];
  outputs: string[];
  /** `location` of every initializer stored outside the model file (relative paths, as written). */
  externalDataLocations: string[];
  /** Op types that occur only inside subgraphs (If/Loop branches), e.g. a merged decoder's Softmax. */
  subgraphOpTypes: Set<string>;
  /** Where each top-level initializer and graph input lies in the scanned bytes, by name, to copy it as it is. */
  initializerFields: Map<string, Field>;
  inputFields: Map<string, Field>;
  /** The ModelProto's fields besides its graph (IR version, opset imports …), to copy into a derived model. */
  modelFields: Field[];
}

/** What a walk over nested graphs collects besides the top-level nodes. */
interface Collected {
  subgraphOps: Set<string>;
  /** External-data locations of every tensor: initializers, sparse ones, Constant values, subgraph weights. */
  external: Set<string>;
  /** Nodes and tensor names read so far (see MAX_GRAPH_ENTRIES). */
  entries: number;
}

/**
 * Nodes, node inputs and outputs, and graph inputs and outputs a model may have in all. BERT-base has about 3,000,
 * a 70B decoder under 100,000; each node costs the scan about 350 bytes, while a file spends as little as 14 bytes on
 * one: two million empty nodes in 28 MB took 460 MB and seconds to read, and the first 500,000 of them still 285 MB
 * (over the fuzz tier's bound of 2 × the file + 192 MB); 200,000 stay under it.
 */
export const MAX_GRAPH_ENTRIES = 200_000;

function countEntry(into: Collected): void {
  if (++into.entries > MAX_GRAPH_ENTRIES)
    throw new Error(`it has more than ${MAX_GRAPH_ENTRIES} nodes, inputs and outputs, far more than any real export`);
}

/**
 * How deep subgraphs (If / Loop / Scan bodies) may nest. Real exports nest two or three levels; a hostile file
 * nesting thousands would overflow the stack of this reader (and onnxruntime's parser stops at 100).
 */
export const MAX_SUBGRAPH_DEPTH = 32;

function readNode(buf: Uint8Array, msg: Field, into: Collected, depth: number): GraphNode {
  countEntry(into);
  const node: GraphNode = { name: '', opType: '', domain: '', inputs: [], outputs: [] };
  for (const f of fields(buf, msg.start, msg.end)) {
    if (f.field === NODE.input || f.field === NODE.output) {
      countEntry(into);
      (f.field === NODE.input ? node.inputs : node.outputs).push(readString(buf, f));
    } else if (f.field === NODE.name) node.name = readString(buf, f);
    else if (f.field === NODE.opType) node.opType = readString(buf, f);
    else if (f.field === NODE.domain) node.domain = readString(buf, f);
    else if (f.field === NODE.attribute) readAttribute(buf, f, into, depth);
  }
  return node;
}

// A tensor in an attribute (a Constant's value) or a subgraph's initializer can name external data as well as
// a top-level initializer can; every one of them must pass the folder check before onnxruntime sees the model.
function readAttribute(buf: Uint8Array, attribute: Field, into: Collected, depth: number): void {
  for (const f of fields(buf, attribute.start, attribute.end)) {
    if (f.field === ATTRIBUTE.t || f.field === ATTRIBUTE.tensors) addExternalLocation(buf, f, into.external);
    else if (f.field === ATTRIBUTE.sparseTensor || f.field === ATTRIBUTE.sparseTensors) addSparseLocations(buf, f, into.external);
    else if (f.field === ATTRIBUTE.g || f.field === ATTRIBUTE.graphs) {
      if (depth >= MAX_SUBGRAPH_DEPTH)
        throw new Error(`its subgraphs nest deeper than ${MAX_SUBGRAPH_DEPTH} levels, which no real export does`);
      for (const g of fields(buf, f.start, f.end)) {
        if (g.field === GRAPH.node) into.subgraphOps.add(readNode(buf, g, into, depth + 1).opType);
        else if (g.field === GRAPH.initializer) addExternalLocation(buf, g, into.external);
        else if (g.field === GRAPH.sparseInitializer) addSparseLocations(buf, g, into.external);
      }
    }
  }
}

// Every location entry is checked, not only the one a reader would use: a hostile file may repeat the key.
function addExternalLocation(buf: Uint8Array, tensor: Field, into: Set<string>): void {
  forEachExternalEntry(buf, tensor, (key, value) => {
    if (key === 'location') into.add(value);
  });
}

function addSparseLocations(buf: Uint8Array, sparse: Field, into: Set<string>): void {
  for (const f of fields(buf, sparse.start, sparse.end)) {
    if (f.field === SPARSE_TENSOR.values || f.field === SPARSE_TENSOR.indices) addExternalLocation(buf, f, into);
  }
}

function readValueInfoName(buf: Uint8Array, msg: Field): string {
  for (const f of fields(buf, msg.start, msg.end)) if (f.field === VALUE_INFO.name) return readString(buf, f);
  return '';
}

function readTensorName(buf: Uint8Array, tensor: Field): string {
  for (const f of fields(buf, tensor.start, tensor.end)) if (f.field === TENSOR.name) return readString(buf, f);
  return '';
}

/** Calls `entry` with each of a TensorProto's external_data entries (location, offset, length …) in order. */
function forEachExternalEntry(buf: Uint8Array, tensor: Field, entry: (key: string, value: string) => void): void {
  for (const f of fields(buf, tensor.start, tensor.end)) {
    if (f.field !== TENSOR.externalData) continue;
    let key = '';
    let value = '';
    for (const e of fields(buf, f.start, f.end)) {
      if (e.field === STRING_ENTRY.key) key = readString(buf, e);
      else if (e.field === STRING_ENTRY.value) value = readString(buf, e);
    }
    entry(key, value);
  }
}

/** A TensorProto's external_data entries by key (a repeated key: the last, as onnxruntime reads it). */
export function readExternalData(buf: Uint8Array, tensor: Field): Map<string, string> {
  const entries = new Map<string, string>();
  forEachExternalEntry(buf, tensor, (key, value) => entries.set(key, value));
  return entries;
}

/** Scans a serialized ModelProto. Throws ProtobufError when the bytes are not a well-formed protobuf. */
export function scanModel(buf: Uint8Array): GraphSummary {
  const summary: GraphSummary = {
    opsets: new Map(),
    nodes: [],
    inputs: [],
    outputs: [],
    externalDataLocations: [],
    subgraphOpTypes: new Set(),
    initializerFields: new Map(),
    inputFields: new Map(),
    modelFields: [],
  };
  let sawGraph = false;
  const collected: Collected = { subgraphOps: summary.subgraphOpTypes, external: new Set(), entries: 0 };
  for (const f of fields(buf)) {
    if (f.field !== MODEL.graph) summary.modelFields.push(f);
    if (f.field === MODEL.opsetImport) {
      let domain = '';
      let version = 0;
      for (const o of fields(buf, f.start, f.end)) {
        if (o.field === OPSET.domain) domain = readString(buf, o);
        else if (o.field === OPSET.version) version = o.value;
      }
      summary.opsets.set(domain === 'ai.onnx' ? '' : domain, version);
    } else if (f.field === MODEL.graph) {
      sawGraph = true;
      scanGraph(buf, f, summary, collected);
    }
  }
  if (!sawGraph) throw new Error('the file holds no ONNX graph');
  summary.externalDataLocations = [...collected.external];
  return summary;
}

function scanGraph(buf: Uint8Array, graph: Field, summary: GraphSummary, collected: Collected): void {
  for (const f of fields(buf, graph.start, graph.end)) {
    if (f.field === GRAPH.node) summary.nodes.push({ ...readNode(buf, f, collected, 0), field: f });
    else if (f.field === GRAPH.input || f.field === GRAPH.output) {
      countEntry(collected);
      const name = readValueInfoName(buf, f);
      (f.field === GRAPH.input ? summary.inputs : summary.outputs).push(name);
      if (f.field === GRAPH.input) summary.inputFields.set(name, f);
    } else if (f.field === GRAPH.initializer) {
      addExternalLocation(buf, f, collected.external);
      summary.initializerFields.set(readTensorName(buf, f), f);
    } else if (f.field === GRAPH.sparseInitializer) addSparseLocations(buf, f, collected.external);
  }
}

export { TENSOR as TENSOR_FIELDS, GRAPH as GRAPH_FIELDS, NODE as NODE_FIELDS, MODEL as MODEL_FIELDS, STRING_ENTRY as STRING_ENTRY_FIELDS };
