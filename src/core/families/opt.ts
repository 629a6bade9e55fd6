// OPT: a causal LM with learned positions (its embedding holds max_position_embeddings + 2 rows, so every declared
// position is usable); taken by name, not by GPT-2's catch-all.
import { namedDecoder } from './causal';

export const opt = namedDecoder('opt', 'causal LM (OPT family)', 'OPTForCausalLM', 'opt');
