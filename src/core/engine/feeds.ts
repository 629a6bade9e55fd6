// Builds a session's inputs from token ids, by the names and types the graph declares. Exports differ:
// BERT takes token_type_ids, GPT-2 exports may take position_ids, past_key_values.* (empty on a first
// pass) and, for merged decoders, use_cache_branch.
import * as ort from 'onnxruntime-node';
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

function integerTensor(type: string, values: ArrayLike<number>, dims: number[]): ort.Tensor {
  if (type === 'int32') return new ort.Tensor('int32', Int32Array.from(values), dims);
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  return new ort.Tensor('int64', data, dims);
}

const SUPPORTED = ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids', 'past_key_values.*', 'use_cache_branch'];

/**
 * Feeds for a batch of equal-length rows of ids (row-major, batch × length). `heads` and `headDim` size
 * the empty past tensors when the graph does not fix them.
 */
export function buildFeeds(specs: InputSpec[], ids: ArrayLike<number>, batch: number, length: number, heads: number, headDim: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  const dims = [batch, length];
  for (const spec of specs) {
    if (spec.name === 'input_ids') {
      feeds[spec.name] = integerTensor(spec.type, ids, dims);
    } else if (spec.name === 'attention_mask') {
      feeds[spec.name] = integerTensor(spec.type, new Array<number>(batch * length).fill(1), dims);
    } else if (spec.name === 'token_type_ids') {
      feeds[spec.name] = integerTensor(spec.type, new Array<number>(batch * length).fill(0), dims);
    } else if (spec.name === 'position_ids') {
      const positions = new Array<number>(batch * length);
      for (let i = 0; i < positions.length; i++) positions[i] = i % length;
      feeds[spec.name] = integerTensor(spec.type, positions, dims);
    } else if (spec.name.startsWith('past_key_values.') || spec.name.startsWith('past.')) {
      // [batch, heads, past_length = 0, head_dim]: a first pass with no cache.
      const shape = spec.shape.length === 4 ? spec.shape : [0, 0, 0, 0];
      const pastDims = [batch, typeof shape[1] === 'number' ? shape[1] : heads, 0, typeof shape[3] === 'number' ? shape[3] : headDim];
      feeds[spec.name] = spec.type === 'float16' ? new ort.Tensor('float16', new Uint16Array(0), pastDims) : new ort.Tensor('float32', new Float32Array(0), pastDims);
    } else if (spec.name === 'use_cache_branch') {
      feeds[spec.name] = new ort.Tensor('bool', new Uint8Array([0]), [1]);
    } else {
      throw new LensError(`the model needs an input named "${spec.name}", which Attention Lens cannot provide (it provides ${SUPPORTED.join(', ')})`, 'model-unsupported');
    }
  }
  if (!feeds.input_ids) throw new LensError('the model has no input_ids input', 'model-unsupported');
  return feeds;
}
