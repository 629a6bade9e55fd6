// Conversions between onnxruntime tensor data and what the core hands out (always float32).

/** IEEE half → float, for fp16 exports (onnxruntime returns their outputs as raw Uint16 bits). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** The tensor's data as a Float32Array (no copy when it already is one). */
export function asFloat32(data: unknown): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof Uint16Array) {
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = halfToFloat(data[i]);
    return out;
  }
  if (ArrayBuffer.isView(data) && 'length' in data) return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new Error('expected a floating-point tensor');
}
