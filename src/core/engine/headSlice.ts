// Cutting a layer's per-head tensors down to some of its heads, so that a view showing one head (or a few) computes
// only those: the kept queries and keys are [batch 1, heads, …], and each head's run of them is contiguous.
import * as ort from 'onnxruntime-node';

type HeadData = Float32Array | Uint16Array | Uint8Array | Int32Array | BigInt64Array | Float64Array | Int8Array;

/** Whether `heads` (of `count`) are one ascending run: their slice is a view of the tensor, not a copy. */
function isRun(heads: readonly number[]): boolean {
  return heads.every((h, i) => i === 0 || h === heads[i - 1] + 1);
}

/**
 * `tensor` with only `heads` (in that order) along axis 1, when it is a per-head tensor of `count` heads
 * ([1, count, …]); undefined for any other tensor (a mask broadcast over heads, a graph input, a packed input).
 */
export function sliceHeads(tensor: ort.Tensor, count: number, heads: readonly number[]): ort.Tensor | undefined {
  const { dims } = tensor;
  if (dims.length !== 4 || dims[0] !== 1 || dims[1] !== count) return undefined;
  const data = tensor.data as HeadData;
  const per = dims[2] * dims[3];
  const shape = [1, heads.length, dims[2], dims[3]];
  if (isRun(heads)) return new ort.Tensor(tensor.type, data.subarray(heads[0] * per, (heads[0] + heads.length) * per) as never, shape);
  const out = new (data.constructor as new (n: number) => HeadData)(heads.length * per);
  heads.forEach((h, i) => out.set(data.subarray(h * per, (h + 1) * per) as never, i * per));
  return new ort.Tensor(tensor.type, out as never, shape);
}

/**
 * Bytes of maps computed in one run of a layer's cut model. A layer of 14 heads at 2,048 tokens is 235 MB, and
 * onnxruntime's scores, mask and Softmax passes hold as much again each: in groups of heads of at most this size a
 * long layer's run needs a fraction of that, and the layer session's arena stays as small.
 */
export const HEAD_GROUP_BYTES = 64 * 1024 * 1024;

/** `heads` in consecutive groups whose maps of `queries` × `keys` fit `groupBytes` (one head at least). */
export function headGroups(heads: readonly number[], queries: number, keys: number, groupBytes = HEAD_GROUP_BYTES): number[][] {
  const perGroup = Math.max(1, Math.floor(groupBytes / (queries * keys * Float32Array.BYTES_PER_ELEMENT)));
  const groups: number[][] = [];
  for (let i = 0; i < heads.length; i += perGroup) groups.push(heads.slice(i, i + perGroup));
  return groups;
}

/** `heads` of a whole layer ([count, queries, keys]), copied out in that order. */
export function pickHeads(layer: Float32Array, count: number, heads: readonly number[]): Float32Array {
  const per = layer.length / count;
  const out = new Float32Array(heads.length * per);
  heads.forEach((h, i) => out.set(layer.subarray(h * per, (h + 1) * per), i * per));
  return out;
}
