// Which layers can share one cut model (see attentionRecompute.ts): a recipe's signature is what its model
// computes without tensor names, so two layers with equal signatures compute with one session, each fed its own
// tensors. In most models every layer has the same one; Gemma 2's fused sliding layers differ from its global ones.
import { closeSync, openSync, readSync } from 'node:fs';
import * as path from 'node:path';
import { FUSED_PROBABILITIES, type LayerRecipe } from './attentionRecompute';
import { NODE_FIELDS, readExternalData, TENSOR_FIELDS, type GraphSummary } from './graphScan';
import { fields, type Field } from './protobuf';

/** Bytes of a field as text, to compare fields of different layers. */
const fieldText = (buf: Uint8Array, start: number, end: number) => Buffer.from(buf.subarray(start, end)).toString('base64');

/** Bytes an initializer stored outside the model file may have and still be compared by its bytes (a scale, a cap). */
const SMALL_EXTERNAL_BYTES = 4096;

/** A small external initializer's bytes, read from its file; undefined for a larger one or one that cannot be read. */
function externalBytes(buf: Uint8Array, tensor: Field, folder: string): string | undefined {
  const entries = readExternalData(buf, tensor);
  const [location, offset, length] = [entries.get('location'), Number(entries.get('offset') ?? 0), Number(entries.get('length'))];
  if (location === undefined || !(length > 0 && length <= SMALL_EXTERNAL_BYTES)) return undefined;
  try {
    const bytes = Buffer.alloc(length);
    const handle = openSync(path.join(folder, location), 'r');
    try {
      readSync(handle, bytes, 0, length, offset);
    } finally {
      closeSync(handle);
    }
    return bytes.toString('base64');
  } catch {
    return undefined;
  }
}

/**
 * An initializer's TensorProto without its name: equal for two layers' equal scales or caps. Where its bytes lie
 * outside the model file (every weight of some exports), a small one is compared by those bytes, not their offset.
 */
function tensorText(buf: Uint8Array, graph: GraphSummary, name: string, folder: string): string {
  const tensor = graph.initializerFields.get(name)!;
  const external = externalBytes(buf, tensor, folder);
  const parts: string[] = [];
  for (const f of fields(buf, tensor.start, tensor.end)) {
    if (f.field === TENSOR_FIELDS.name || (external !== undefined && f.field === TENSOR_FIELDS.externalData)) continue;
    parts.push(fieldText(buf, f.keyStart, f.end));
  }
  return `${parts.join('|')}${external ?? ''}`;
}

/**
 * What a layer's cut model computes, without its tensor names: each node's operator, attributes and inputs named by
 * role (the i-th kept tensor, the i-th fed input, an initializer by its bytes, another node's output by position).
 * Layers with equal signatures compute with the same model, fed their own tensors (most models: every layer).
 */
export function recipeSignature(buf: Uint8Array, graph: GraphSummary, recipe: LayerRecipe, folder: string): string {
  const roles = new Map<string, string>();
  recipe.kept.forEach((name, i) => roles.set(name, `k${i}`));
  recipe.fed.forEach((name, i) => roles.set(name, `f${i}`));
  recipe.initializers.forEach((name) => roles.set(name, `i(${tensorText(buf, graph, name, folder)})`));
  const parts = recipe.nodes.map((node, j) => {
    const inputs = node.inputs.map((input) => (input === '' ? '' : (roles.get(input) ?? '?')));
    const attributes: string[] = [];
    for (const f of fields(buf, node.field!.start, node.field!.end)) {
      if (f.field === NODE_FIELDS.attribute) attributes.push(fieldText(buf, f.keyStart, f.end));
    }
    node.outputs.forEach((output, k) => roles.set(output, `n${j}.${k}`));
    return `${node.domain}/${node.opType}(${inputs.join(',')})[${attributes.join(',')}]`;
  });
  const output = recipe.output === FUSED_PROBABILITIES ? 'fused' : roles.get(recipe.output);
  return `${parts.join(';')}->${output}`;
}
