// GPT-NeoX (Pythia, GPT-NeoX-20B): a causal LM with rotary positions and one key/value head per query head,
// whose config names its facts as Llama's does; taken by name, not by GPT-2's catch-all.
import { namedDecoder } from './causal';

export const gptNeox = namedDecoder('gpt_neox', 'causal LM (GPT-NeoX family)', 'GPTNeoXForCausalLM', 'gpt_neox');
