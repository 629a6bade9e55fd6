// The families the core runs, and which one a config.json describes. Adding a family is a module beside these
// and one entry here.
import { bert } from './bert';
import { encoderDecoder } from './encoderDecoder';
import type { ModelFamily } from './family';
import { gpt2 } from './gpt2';
import { gptNeox } from './gptNeox';
import { llama } from './llama';
import { opt } from './opt';

export type { ConfigKeys, EncoderDecoderFacts, FamilyCapabilities, ModelFamily, ModelTypeFacts, SlidingLayers } from './family';

export const FAMILIES: readonly ModelFamily[] = [bert, gpt2, llama, gptNeox, opt, encoderDecoder];

/**
 * The family of a model, the most specific first: the family that names one of its architectures (the task head
 * it was exported with), else one whose pattern takes one (GPT-2's …ForCausalLM catch-all), else — only where the
 * config names no architecture — the family of its model_type. Undefined when none takes it.
 */
export function familyOf(architectures: readonly string[], modelType: string): ModelFamily | undefined {
  const named = FAMILIES.find((family) => architectures.some((a) => family.architectures.has(a)));
  if (named) return named;
  for (const family of FAMILIES) if (architectures.some((a) => family.takesArchitecture(a))) return family;
  if (architectures.length > 0) return undefined;
  return FAMILIES.find((family) => family.modelTypes.has(modelType));
}
