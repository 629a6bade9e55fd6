// Figure 7: the floor. The rate of a large fp32 matrix product on this machine with the same runtime and
// options: a one-input ONNX graph X·W·W·… (W an initializer, so nothing can be constant-folded), timed.
// A forward pass's operation count divided by this rate is the time it could take at best. And a layer's floor: its
// heads' scores product and Softmax alone, what any computation of its attention maps costs at least.
import * as ort from 'onnxruntime-node';
import { sessionOptions } from '../../src/core/engine/modelSession';
import { MessageWriter } from '../../src/core/onnx/protobuf';
import { matmulFlops, median } from './benchMath';
import type { BenchDevice } from './options';

// ONNX protobuf field numbers (onnx.proto3).
const MODEL = { irVersion: 1, graph: 7, opsetImport: 8 } as const;
const OPSET = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, name: 2, initializer: 5, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
const ATTRIBUTE = { name: 1, i: 3, type: 20 } as const;
const INT = 2;
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9 } as const;
const VALUE_INFO = { name: 1, type: 2 } as const;
const FLOAT = 1;

function valueInfo(name: string, dims: number[]): MessageWriter {
  const shape = new MessageWriter();
  for (const d of dims) shape.message(1, new MessageWriter().varint(1, d));
  const tensorType = new MessageWriter().varint(1, FLOAT).message(2, shape);
  return new MessageWriter().string(VALUE_INFO.name, name).message(VALUE_INFO.type, new MessageWriter().message(1, tensorType));
}

/** The n×n weight of the chain: uniform with variance 1/n (so repeated products stay finite), fixed seed. */
export function chainWeights(n: number): Float32Array {
  const weights = new Float32Array(n * n);
  const a = Math.sqrt(3 / n);
  let seed = 12345;
  for (let i = 0; i < weights.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    weights[i] = (seed / 2 ** 32) * 2 * a - a;
  }
  return weights;
}

/** X [n, n] multiplied `chain` times by one n×n weight W. */
export function matmulChainModel(n: number, chain: number): Uint8Array {
  const weights = chainWeights(n);
  const graph = new MessageWriter().string(GRAPH.name, 'matmul_floor');
  const w = new MessageWriter().varint(TENSOR.dims, n).varint(TENSOR.dims, n).varint(TENSOR.dataType, FLOAT).string(TENSOR.name, 'W');
  graph.message(GRAPH.initializer, w.bytes(TENSOR.rawData, new Uint8Array(weights.buffer)));
  let previous = 'X';
  for (let i = 0; i < chain; i++) {
    const out = i === chain - 1 ? 'Y' : `h${i}`;
    graph.message(
      GRAPH.node,
      new MessageWriter()
        .string(NODE.input, previous)
        .string(NODE.input, 'W')
        .string(NODE.output, out)
        .string(NODE.name, `mm${i}`)
        .string(NODE.opType, 'MatMul'),
    );
    previous = out;
  }
  graph.message(GRAPH.input, valueInfo('X', [n, n]));
  graph.message(GRAPH.output, valueInfo('Y', [n, n]));
  return new MessageWriter()
    .varint(MODEL.irVersion, 8)
    .message(MODEL.graph, graph)
    .message(MODEL.opsetImport, new MessageWriter().string(OPSET.domain, '').varint(OPSET.version, 14))
    .finish();
}

export interface FloorRow {
  n: number;
  chain: number;
  ms: number;
  /** Floating-point operations per second. */
  rate: number;
}

export async function measureMatmulRate(device: BenchDevice, repeats: number): Promise<FloorRow> {
  // Large enough that input/output copies are a small part of a run (on a GPU they cross the bus each run).
  const [n, chain] = device === 'cuda' ? [4096, 32] : [2048, 2];
  const session = await ort.InferenceSession.create(matmulChainModel(n, chain), sessionOptions(device));
  const input = new Float32Array(n * n);
  for (let i = 0; i < input.length; i++) input[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  const feeds = { X: new ort.Tensor('float32', input, [n, n]) };
  const times: number[] = [];
  for (let r = 0; r < repeats + 2; r++) {
    const started = performance.now();
    const out = await session.run(feeds);
    const ms = performance.now() - started;
    if (!Number.isFinite((out.Y.data as Float32Array)[0])) throw new Error('the MatMul floor model produced a non-finite value');
    if (r >= 2) times.push(ms);
  }
  await session.release();
  const ms = median(times);
  return { n, chain, ms, rate: (chain * matmulFlops(n, n, n)) / (ms / 1000) };
}

/**
 * The least any computation of a layer's attention does: Q [1, heads, tokens, d] times Kᵀ [1, heads, d, tokens], then
 * the Softmax over keys, as one bare graph (no scale, mask or look-through: a layer's cut model adds those).
 */
export function layerFloorModel(heads: number, tokens: number, headDim: number): Uint8Array {
  const softmax = new MessageWriter()
    .string(NODE.input, 'S')
    .string(NODE.output, 'P')
    .string(NODE.name, 'softmax')
    .string(NODE.opType, 'Softmax')
    .message(NODE.attribute, new MessageWriter().string(ATTRIBUTE.name, 'axis').varint(ATTRIBUTE.i, 3).varint(ATTRIBUTE.type, INT));
  const product = new MessageWriter()
    .string(NODE.input, 'Q')
    .string(NODE.input, 'K')
    .string(NODE.output, 'S')
    .string(NODE.name, 'scores')
    .string(NODE.opType, 'MatMul');
  const graph = new MessageWriter().string(GRAPH.name, 'layer_floor').message(GRAPH.node, product).message(GRAPH.node, softmax);
  graph.message(GRAPH.input, valueInfo('Q', [1, heads, tokens, headDim]));
  graph.message(GRAPH.input, valueInfo('K', [1, heads, headDim, tokens]));
  graph.message(GRAPH.output, valueInfo('P', [1, heads, tokens, tokens]));
  return new MessageWriter()
    .varint(MODEL.irVersion, 8)
    .message(MODEL.graph, graph)
    .message(MODEL.opsetImport, new MessageWriter().string(OPSET.domain, '').varint(OPSET.version, 14))
    .finish();
}

/** Median milliseconds of the layer floor's run (layerFloorModel) with the models' session options, values in [-1, 1). */
export async function measureLayerFloor(
  device: BenchDevice,
  shape: { heads: number; tokens: number; headDim: number },
  repeats: number,
): Promise<number> {
  const { heads, tokens, headDim } = shape;
  const session = await ort.InferenceSession.create(layerFloorModel(heads, tokens, headDim), sessionOptions(device));
  const values = (n: number) => Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 500 - 1);
  const feeds = {
    Q: new ort.Tensor('float32', values(heads * tokens * headDim), [1, heads, tokens, headDim]),
    K: new ort.Tensor('float32', values(heads * tokens * headDim), [1, heads, headDim, tokens]),
  };
  const times: number[] = [];
  try {
    for (let r = 0; r < repeats + 1; r++) {
      const started = performance.now();
      const out = await session.run(feeds);
      if (r > 0) times.push(performance.now() - started);
      const row = (out.P.data as Float32Array).subarray(0, tokens);
      if (Math.abs(row.reduce((a, b) => a + b, 0) - 1) > 1e-4) throw new Error("the layer floor's Softmax rows do not sum to 1");
    }
  } finally {
    await session.release();
  }
  return median(times);
}
