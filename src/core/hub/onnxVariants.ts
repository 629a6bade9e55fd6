// The ONNX files a Hub download can fetch: transformers.js's file names, onnx/<variant>.onnx, or for an
// encoder–decoder export onnx/encoder_model<suffix>.onnx with onnx/decoder_model(_merged)<suffix>.onnx. A variant
// names a file in the cache folder and a URL path, so only these exact names are accepted: nothing a user or a
// setting types can form another path.
import { LensError } from '../types';

/** Most exact first, as the model folder prefers them (modelFolder.ts ONNX_CANDIDATES). */
export const ONNX_VARIANTS = [
  'model',
  'model_fp16',
  'model_int8',
  'model_uint8',
  'model_quantized',
  'model_q4',
  'model_q4f16',
  'model_bnb4',
] as const;
export type OnnxVariant = (typeof ONNX_VARIANTS)[number];

export function isOnnxVariant(value: string): value is OnnxVariant {
  return (ONNX_VARIANTS as readonly string[]).includes(value);
}

/** The variant itself, or a 'model-invalid' LensError that lists the accepted names. */
export function checkVariant(value: string): OnnxVariant {
  if (!isOnnxVariant(value)) {
    const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
    throw new LensError(`Unknown ONNX variant "${shown}": use one of ${ONNX_VARIANTS.join(', ')}.`, 'model-invalid');
  }
  return value;
}

/** The graph's path inside the model folder, "/"-separated. */
export function variantFile(variant: OnnxVariant): string {
  return `onnx/${variant}.onnx`;
}

/**
 * The graphs a variant downloads, given which files the model has: onnx/<variant>.onnx, or else an encoder–decoder
 * export's encoder and decoder of the same variant, the merged decoder first as transformers.js loads it. The
 * names are those wanted even when `has` denies them, so a caller can say which are missing.
 */
export function variantGraphs(variant: OnnxVariant, has: (path: string) => boolean): string[] {
  const graph = variantFile(variant);
  if (has(graph)) return [graph];
  const { encoder, decoders } = seq2seqVariantFiles(variant);
  return has(encoder) ? [encoder, decoders.find(has) ?? decoders[0]] : [graph];
}

/** An encoder–decoder export's graphs of a variant (optimum's names): its encoder, and its decoders merged first. */
export function seq2seqVariantFiles(variant: OnnxVariant): { encoder: string; decoders: string[] } {
  const suffix = variant.slice('model'.length);
  return {
    encoder: `onnx/encoder_model${suffix}.onnx`,
    decoders: [`onnx/decoder_model_merged${suffix}.onnx`, `onnx/decoder_model${suffix}.onnx`],
  };
}
