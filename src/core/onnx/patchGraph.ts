// The graph a patch appends to a model (graphPatch.ts, rolloutGraph.ts, the layer maps' head sum): nodes, outputs and
// int64 constants, written as the protobuf fields of a GraphProto.
import { GRAPH_FIELDS, NODE_FIELDS, TENSOR_FIELDS } from './graphScan';
import { MessageWriter } from './protobuf';

/** TensorProto's data type of int64. */
export const INT64 = 7;
const ATTRIBUTE_TYPE_INT = 2;
const ATTRIBUTE_FIELDS = { name: 1, i: 3, type: 20 } as const;
const VALUE_INFO_FIELDS = { name: 1, type: 2 } as const;
const TYPE_FIELDS = { tensorType: 1 } as const;
const TENSOR_TYPE_FIELDS = { elemType: 1, shape: 2 } as const;
const SHAPE_FIELDS = { dim: 1 } as const;
const DIMENSION_FIELDS = { dimParam: 2 } as const;

/** A 1-D int64 initializer. */
function int64Tensor(name: string, values: bigint[]): MessageWriter {
  const raw = new Uint8Array(new BigInt64Array(values).buffer);
  return new MessageWriter()
    .varint(TENSOR_FIELDS.dims, values.length)
    .varint(TENSOR_FIELDS.dataType, INT64)
    .string(TENSOR_FIELDS.name, name)
    .bytes(TENSOR_FIELDS.rawData, raw);
}

/** A node of the default domain; attributes are non-negative ints (all the patch needs). */
function node(opType: string, inputs: string[], outputs: string[], name: string, attributes: Record<string, number> = {}): MessageWriter {
  const w = new MessageWriter();
  for (const i of inputs) w.string(NODE_FIELDS.input, i);
  for (const o of outputs) w.string(NODE_FIELDS.output, o);
  w.string(NODE_FIELDS.name, name).string(NODE_FIELDS.opType, opType);
  for (const [attr, value] of Object.entries(attributes)) {
    const a = new MessageWriter()
      .string(ATTRIBUTE_FIELDS.name, attr)
      .varint(ATTRIBUTE_FIELDS.i, value)
      .varint(ATTRIBUTE_FIELDS.type, ATTRIBUTE_TYPE_INT);
    w.message(NODE_FIELDS.attribute, a);
  }
  return w;
}

function output(name: string): MessageWriter {
  return new MessageWriter().string(1, name);
}

export const P = 'attention_lens/';

/**
 * The graph the patch appends: nodes, outputs, and each int64 constant written once, where it is first used. A
 * subgraph (an If branch, see logitLensPatch) is one too, its names under a `prefix` of its own.
 */
export class PatchGraph {
  readonly message = new MessageWriter();
  private readonly constants = new Set<string>();

  constructor(private readonly prefix = P) {}

  /** The name of a 1-D int64 constant, added on first use. */
  constant(name: string, values: bigint[]): string {
    const full = `${this.prefix}${name}`;
    if (!this.constants.has(full)) {
      this.constants.add(full);
      this.message.message(GRAPH_FIELDS.initializer, int64Tensor(full, values));
    }
    return full;
  }

  node(opType: string, inputs: string[], outputs: string[], name: string, attributes: Record<string, number> = {}): void {
    this.message.message(GRAPH_FIELDS.node, node(opType, inputs, outputs, `${this.prefix}${name}`, attributes));
  }

  output(name: string): void {
    this.message.message(GRAPH_FIELDS.output, output(name));
  }

  /** A node written elsewhere (a copy of one of the model's, see logitLensPatch). */
  nodeMessage(node: MessageWriter): void {
    this.message.message(GRAPH_FIELDS.node, node);
  }

  /** A graph input: an int64 tensor of one dimension, of any length. */
  int64VectorInput(name: string): void {
    const dim = new MessageWriter().string(DIMENSION_FIELDS.dimParam, `${name}_length`);
    const tensorType = new MessageWriter()
      .varint(TENSOR_TYPE_FIELDS.elemType, INT64)
      .message(TENSOR_TYPE_FIELDS.shape, new MessageWriter().message(SHAPE_FIELDS.dim, dim));
    const type = new MessageWriter().message(TYPE_FIELDS.tensorType, tensorType);
    this.message.message(
      GRAPH_FIELDS.input,
      new MessageWriter().string(VALUE_INFO_FIELDS.name, name).message(VALUE_INFO_FIELDS.type, type),
    );
  }
}
