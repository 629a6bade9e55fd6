// Graph input names of the Hugging Face ONNX exports the families share.

/** Every encoder-only and decoder-only export takes these (token_type_ids only where the model has segments). */
export const TEXT_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids'] as const;

/** Decoder exports with a key/value cache add these (fed empty: one pass over the whole text). */
export const CACHE_INPUTS = ['past_key_values.*', 'past.*', 'use_cache_branch'] as const;

/** Exports that can cut their logits to the last positions take how many to keep (fed 0: every position). */
export const LOGITS_INPUTS = ['num_logits_to_keep', 'logits_to_keep'] as const;
