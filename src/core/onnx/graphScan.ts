// Reads the structure of an ONNX ModelProto — opsets, top-level nodes, graph inputs/outputs, where external
// weights live — while skipping weight bytes. Field numbers are from onnx/onnx.proto.
import { fields, readString, type Field } from './protobuf';

const MODEL = { opsetImport: 8, graph: 7 } as const;
const OPSET = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
const ATTRIBUTE = { g: 6, graphs: 11 } as const;
const VALUE_INFO = { name: 1 } as const;
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9, externalData: 13 } as const;
const STRING_ENTRY = { key: 1, value: 2 } as const;

export interface GraphNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
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
}

function readNode(buf: Uint8Array, msg: Field, subgraphOps: Set<string>): GraphNode {
  const node: GraphNode = { name: '', opType: '', domain: '', inputs: [], outputs: [] };
  for (const f of fields(buf, msg.start, msg.end)) {
    if (f.field === NODE.input) node.inputs.push(readString(buf, f));
    else if (f.field === NODE.output) node.outputs.push(readString(buf, f));
    else if (f.field === NODE.name) node.name = readString(buf, f);
    else if (f.field === NODE.opType) node.opType = readString(buf, f);
    else if (f.field === NODE.domain) node.domain = readString(buf, f);
    else if (f.field === NODE.attribute) collectSubgraphOps(buf, f, subgraphOps);
  }
  return node;
}

function collectSubgraphOps(buf: Uint8Array, attribute: Field, into: Set<string>): void {
  for (const f of fields(buf, attribute.start, attribute.end)) {
    if (f.field !== ATTRIBUTE.g && f.field !== ATTRIBUTE.graphs) continue;
    for (const g of fields(buf, f.start, f.end)) {
      if (g.field !== GRAPH.node) continue;
      const inner = readNode(buf, g, into);
      into.add(inner.opType);
    }
  }
}

function readValueInfoName(buf: Uint8Array, msg: Field): string {
  for (const f of fields(buf, msg.start, msg.end)) if (f.field === VALUE_INFO.name) return readString(buf, f);
  return '';
}

function readExternalLocation(buf: Uint8Array, tensor: Field): string | undefined {
  for (const f of fields(buf, tensor.start, tensor.end)) {
    if (f.field !== TENSOR.externalData) continue;
    let key = '';
    let value = '';
    for (const e of fields(buf, f.start, f.end)) {
      if (e.field === STRING_ENTRY.key) key = readString(buf, e);
      else if (e.field === STRING_ENTRY.value) value = readString(buf, e);
    }
    if (key === 'location') return value;
  }
  return undefined;
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
  };
  let sawGraph = false;
  for (const f of fields(buf)) {
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
      scanGraph(buf, f, summary);
    }
  }
  if (!sawGraph) throw new Error('the file holds no ONNX graph');
  const locations = new Set(summary.externalDataLocations);
  summary.externalDataLocations = [...locations];
  return summary;
}

function scanGraph(buf: Uint8Array, graph: Field, summary: GraphSummary): void {
  const external = new Set<string>();
  for (const f of fields(buf, graph.start, graph.end)) {
    if (f.field === GRAPH.node) summary.nodes.push(readNode(buf, f, summary.subgraphOpTypes));
    else if (f.field === GRAPH.input) summary.inputs.push(readValueInfoName(buf, f));
    else if (f.field === GRAPH.output) summary.outputs.push(readValueInfoName(buf, f));
    else if (f.field === GRAPH.initializer) {
      const location = readExternalLocation(buf, f);
      if (location !== undefined) external.add(location);
    }
  }
  summary.externalDataLocations.push(...external);
}

export { TENSOR as TENSOR_FIELDS, GRAPH as GRAPH_FIELDS, NODE as NODE_FIELDS, MODEL as MODEL_FIELDS };
