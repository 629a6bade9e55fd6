// OPT: a causal LM with learned positions (its embedding holds max_position_embeddings + 2 rows, so every declared
// position is usable); taken by name, not by GPT-2's catch-all.
import { CAUSAL_LM, HF_DECODER_KEYS } from './causal';
import type { ModelFamily } from './family';

export const opt: ModelFamily = {
  name: 'opt',
  label: 'causal LM (OPT family)',
  modelTypes: new Set(['opt']),
  architectures: new Set(['OPTForCausalLM']),
  takesArchitecture: () => false,
  ...CAUSAL_LM,
  configKeys: HF_DECODER_KEYS,
};
