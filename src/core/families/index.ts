// The families the core runs, and which one a config.json describes. Adding a family is a module beside these
// and one entry here.
import { bert } from './bert';
import type { ModelFamily } from './family';
import { gpt2 } from './gpt2';

export type { FamilyCapabilities, ModelFamily } from './family';

export const FAMILIES: readonly ModelFamily[] = [bert, gpt2];

/**
 * The family of a model: by its architecture (the task head it was exported with) where the config names one,
 * else by its model_type. Undefined when none takes it.
 */
export function familyOf(architectures: readonly string[], modelType: string): ModelFamily | undefined {
  for (const family of FAMILIES) if (architectures.some((a) => family.takesArchitecture(a))) return family;
  if (architectures.length > 0) return undefined;
  return FAMILIES.find((family) => family.modelTypes.has(modelType));
}
