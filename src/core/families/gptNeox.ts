// GPT-NeoX (Pythia, GPT-NeoX-20B): a causal LM with rotary positions and one key/value head per query head,
// whose config names its facts as Llama's does; taken by name, not by GPT-2's catch-all.
import { CAUSAL_LM, HF_DECODER_KEYS } from './causal';
import type { ModelFamily } from './family';

export const gptNeox: ModelFamily = {
  name: 'gpt_neox',
  label: 'causal LM (GPT-NeoX family)',
  modelTypes: new Set(['gpt_neox']),
  architectures: new Set(['GPTNeoXForCausalLM']),
  takesArchitecture: () => false,
  ...CAUSAL_LM,
  configKeys: HF_DECODER_KEYS,
};
