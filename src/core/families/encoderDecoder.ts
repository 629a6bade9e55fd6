// Encoder–decoder models (T5 / mT5 / FLAN-T5, BART, Marian opus-mt): the encoder reads the input, the decoder
// writes a target token by token, attending to the target before it (causal) and, through cross-attention, to the
// encoder's output. A run carries three attention sets and predicts the next target token at every target position.
// Exports follow optimum's layout: onnx/encoder_model.onnx and onnx/decoder_model(_merged).onnx.
import type { ModelFamily } from './family';
import { TEXT_INPUTS } from './inputNames';

export const encoderDecoder: ModelFamily = {
  name: 'encoder-decoder',
  label: 'sequence-to-sequence (encoder–decoder)',
  runsWhat: 'encoder–decoder models (T5, BART, Marian)',
  modelTypes: new Set(['t5', 'mt5', 'bart', 'marian']),
  architectures: new Set(['T5ForConditionalGeneration', 'MT5ForConditionalGeneration', 'BartForConditionalGeneration', 'MarianMTModel']),
  takesArchitecture: () => false,
  task: 'next-token',
  rankedPositions: () => 'every',
  scoresActualTokens: true,
  needsMaskToken: false,
  // The encoder's inputs; the decoder's are fed by the encoder–decoder runner (input_ids, encoder_attention_mask and
  // the encoder's output).
  inputs: TEXT_INPUTS,
  attentionSets: [
    { name: 'encoder', label: 'Encoder self-attention', queries: 'input', keys: 'input', causal: false },
    { name: 'decoder', label: 'Decoder self-attention', queries: 'target', keys: 'target', causal: true },
    { name: 'cross', label: 'Cross-attention (target → source)', queries: 'target', keys: 'input', causal: false },
  ],
  // logits: the whole vocabulary's at a target position (the sampling controls).
  capabilities: { maskPosition: false, unmasked: false, logits: true },
  configKeys: {
    layers: ['num_layers', 'encoder_layers'],
    heads: ['num_heads', 'encoder_attention_heads'],
    hiddenSize: ['d_model'],
    // T5 has relative positions and no limit of its own; its configs say n_positions (512), as its tokenizer does.
    maxPositions: ['max_position_embeddings', 'n_positions'],
    headDim: ['d_kv'],
    decoderLayers: ['num_decoder_layers', 'decoder_layers'],
    decoderHeads: ['decoder_attention_heads', 'num_heads'],
  },
  encoderDecoder: {
    encoderFile: 'onnx/encoder_model.onnx',
    decoderFiles: ['onnx/decoder_model.onnx', 'onnx/decoder_model_merged.onnx'],
    // transformers.js's suffixes, as for one-graph models (modelFolder.ts ONNX_CANDIDATES).
    variants: ['', '_fp16', '_int8', '_uint8', '_quantized', '_q4', '_q4f16', '_bnb4'],
    encoderStatesInput: 'encoder_hidden_states',
    decoderStartKeys: ['decoder_start_token_id', 'pad_token_id'],
    endTokenKeys: ['eos_token_id'],
  },
};
