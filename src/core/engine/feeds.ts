// Builds a session's inputs from token ids, by the names and types the graph declares and the inputs the model's
// family feeds (see src/core/families). Exports differ: BERT takes token_type_ids; decoders may take position_ids
// (from the family's first position; Gemma exports often take none), past_key_values.* (empty on a first pass,
// [batch, kv heads, 0, head_dim], float16 where declared), num_logits_to_keep and, merged, use_cache_branch.
import * as ort from 'onnxruntime-node';
import type { ModelConfig } from '../model/modelConfig';
import { LensError } from '../types';

export interface InputSpec {
  name: string;
  type: string;
  shape: readonly (number | string)[];
}

/** Reads the graph's declared inputs from a session. */
export function inputSpecs(session: ort.InferenceSession): InputSpec[] {
  return session.inputMetadata.map((m) => ({
    name: m.name,
    type: m.isTensor ? m.type : 'unknown',
    shape: m.isTensor ? m.shape : [],
  }));
}

/** An integer tensor of the type a graph input declares (int32, else int64). */
export function integerTensor(type: string, values: ArrayLike<number>, dims: number[]): ort.Tensor {
  if (type === 'int32') return new ort.Tensor('int32', Int32Array.from(values), dims);
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  return new ort.Tensor('int64', data, dims);
}

/** What feeding a model depends on: the inputs its family feeds, the size of empty past tensors, the first position. */
export interface FeedShape {
  /** Input names, or prefixes ending in ".*" (the family's `inputs`). */
  inputs: readonly string[];
  /** Key/value heads of the past tensors (num_key_value_heads), where the graph does not fix them. */
  heads: number;
  /** Width of a head in the past tensors (head_dim), where the graph does not fix it. */
  headDim: number;
  /** The position id of each row's first token; 0 when absent. */
  firstPosition?: number;
}

export function feedShape(config: ModelConfig): FeedShape {
  return { inputs: config.family.inputs, heads: config.kvHeads, headDim: config.headDim, firstPosition: config.firstPosition };
}

/** An empty past (a first pass, no cache): [batch, kv heads, 0, head dim], the graph's own dims where it fixes them. */
function emptyPast(spec: InputSpec, batch: number, shape: FeedShape): ort.Tensor {
  const declared = spec.shape.length === 4 ? spec.shape : [0, 0, 0, 0];
  const dims = [
    batch,
    typeof declared[1] === 'number' ? declared[1] : shape.heads,
    0,
    typeof declared[3] === 'number' ? declared[3] : shape.headDim,
  ];
  if (spec.type === 'float16') return new ort.Tensor('float16', new Uint16Array(0), dims);
  if (spec.type === 'float32') return new ort.Tensor('float32', new Float32Array(0), dims);
  throw new LensError(
    `the model's cache input "${spec.name}" is ${spec.type}; Attention Lens feeds float32 or float16`,
    'model-unsupported',
  );
}

function feedsInput(shape: FeedShape, name: string): boolean {
  return shape.inputs.some((input) => (input.endsWith('.*') ? name.startsWith(input.slice(0, -1)) : name === input));
}

/**
 * Feeds for a batch of equal-length rows of ids (row-major, batch × length). The shape's `heads` and `headDim`
 * size the empty past tensors when the graph does not fix them. `segments`: one row of token type ids (a sentence
 * pair's), the same for every row of the batch; 0 everywhere when absent.
 */
export function buildFeeds(
  specs: InputSpec[],
  ids: ArrayLike<number>,
  batch: number,
  length: number,
  shape: FeedShape,
  segments?: readonly number[],
): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  const dims = [batch, length];
  const firstPosition = shape.firstPosition ?? 0;
  for (const spec of specs) {
    if (!feedsInput(shape, spec.name)) {
      const message =
        `the model needs an input named "${spec.name}", which Attention Lens cannot provide ` + `(it provides ${shape.inputs.join(', ')})`;
      throw new LensError(message, 'model-unsupported');
    }
    if (spec.name === 'input_ids') {
      feeds[spec.name] = integerTensor(spec.type, ids, dims);
    } else if (spec.name === 'attention_mask') {
      feeds[spec.name] = integerTensor(spec.type, new Array<number>(batch * length).fill(1), dims);
    } else if (spec.name === 'token_type_ids') {
      const types = new Array<number>(batch * length);
      for (let i = 0; i < types.length; i++) types[i] = segments?.[i % length] ?? 0;
      feeds[spec.name] = integerTensor(spec.type, types, dims);
    } else if (spec.name === 'position_ids') {
      const positions = new Array<number>(batch * length);
      for (let i = 0; i < positions.length; i++) positions[i] = firstPosition + (i % length);
      feeds[spec.name] = integerTensor(spec.type, positions, dims);
    } else if (spec.name.startsWith('past')) {
      feeds[spec.name] = emptyPast(spec, batch, shape);
    } else if (spec.name === 'num_logits_to_keep' || spec.name === 'logits_to_keep') {
      // 0 keeps the logits of every position: each is ranked. A scalar unless the graph declares [1].
      feeds[spec.name] = integerTensor(spec.type, [0], spec.shape.length === 1 ? [1] : []);
    } else if (spec.name === 'use_cache_branch') {
      feeds[spec.name] = new ort.Tensor('bool', new Uint8Array([0]), [1]);
    } else {
      throw new LensError(`the model needs an input named "${spec.name}", which Attention Lens cannot build`, 'model-unsupported');
    }
  }
  if (!feeds.input_ids) throw new LensError('the model has no input_ids input', 'model-unsupported');
  return feeds;
}
