// A Hub model as settings and the model picker name it: "owner/name", or "owner/name:model_q4" for one ONNX
// variant (onnx/model_q4.onnx). Hub ids hold no ":", so the suffix is unambiguous; it must be a known variant.
import { checkVariant, type OnnxVariant } from './onnxVariants';

export interface HubSpec {
  id: string;
  variant?: OnnxVariant;
}

/** Splits off a ":variant" suffix; throws 'model-invalid' for a suffix that is not a known variant. */
export function parseHubSpec(spec: string): HubSpec {
  const at = spec.lastIndexOf(':');
  if (at < 0) return { id: spec };
  return { id: spec.slice(0, at), variant: checkVariant(spec.slice(at + 1)) };
}

/** The spec naming `variant` of `id`; the default variant "model" adds no suffix. */
export function hubSpec(id: string, variant?: OnnxVariant): string {
  return variant && variant !== 'model' ? `${id}:${variant}` : id;
}
