// The inference core's public result types. Plain data: no vscode, no onnxruntime, so the extension host,
// the CLI, the benchmark and the webview protocol can all share them.

/** Masked LMs (BERT family) predict [MASK]ed tokens; causal LMs (GPT-2 family) predict the next token. */
export type ModelKind = 'masked' | 'causal';

/** The tokenizer algorithm named by the model's own tokenizer.json. */
export type TokenizerKind = 'wordpiece' | 'byte-bpe' | 'bpe' | 'unigram';

/** Where a model came from. */
export type ModelSource = 'embedded' | 'local' | 'hub';

/** Execution providers a user can ask for; 'auto' picks the platform's GPU provider and falls back to CPU. */
export type DeviceRequest = 'auto' | 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';

/** Facts about a loaded model, read from its own files (never guessed from its name). */
export interface ModelInfo {
  /** What the user named: a Hub id, a folder path or an embedded model's name. */
  id: string;
  source: ModelSource;
  folder: string;
  kind: ModelKind;
  /** e.g. "BertForMaskedLM", "GPT2LMHeadModel". */
  architecture: string;
  /** config.json's model_type, e.g. "bert", "gpt2". */
  modelType: string;
  tokenizerKind: TokenizerKind;
  vocabSize: number;
  layers: number;
  heads: number;
  hiddenSize: number;
  /** Longest input the position embeddings allow, special tokens included. */
  maxPositions: number;
  /** The model's own mask token (masked LMs only), e.g. "[MASK]" or "<mask>". */
  maskToken?: string;
  /** The ONNX file that runs, relative to folder, e.g. "onnx/model.onnx". */
  onnxFile: string;
  onnxBytes: number;
  /** Whether per-head attention maps can be read from this graph. */
  attention: { available: true } | { available: false; reason: string };
}

/** The provider that actually ran, and why it is not the one asked for when they differ. */
export interface DeviceInfo {
  requested: DeviceRequest;
  /** onnxruntime's provider name that ran: 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'. */
  provider: string;
  /** Human label, e.g. "CPU", "CUDA", "DirectML". */
  label: string;
  /** Set when a requested provider failed and the run fell back. */
  fallbackReason?: string;
}

export interface Token {
  /** Position in the model input (special tokens included). */
  index: number;
  id: number;
  /** The vocabulary piece as the tokenizer has it, e.g. "##ing", "Ġthe", "[CLS]". */
  piece: string;
  /** Readable form: "##ing" → "ing" (continuation), "Ġthe" → "␣the", bytes decoded where whole. */
  display: string;
  /** UTF-16 span [start, end) in the inspected text; start === end for special tokens. */
  start: number;
  end: number;
  special: boolean;
  /** True when this word-piece continues the previous token's word (WordPiece "##", BPE without leading space). */
  continuation: boolean;
  /** True when a byte-level token covers only part of a character (e.g. half of an emoji's UTF-8 bytes). */
  partialChar: boolean;
}

export interface Prediction {
  id: number;
  /** Readable text of the predicted token. */
  token: string;
  probability: number;
}

/** How the input was cut to fit the model. */
export interface Truncation {
  /** Tokens the whole text would have needed (special tokens included); a lower bound when totalExact is false. */
  totalTokens: number;
  /** False when counting stopped early (very long selections): the whole text needs at least totalTokens. */
  totalExact: boolean;
  /** Tokens that were run. */
  keptTokens: number;
  /** UTF-16 offset in the text where the kept part ends. */
  keptUntil: number;
  message: string;
}

export interface MaskedPredictions {
  kind: 'masked';
  /** For each occurrence of the mask token: the top-k fills. */
  masks: { position: number; top: Prediction[] }[];
}

export interface CausalPredictions {
  kind: 'causal';
  /** At every position, the top-k for the token that follows it. */
  next: Prediction[][];
  /** Probability the model gave to the token actually at position i (given tokens < i); null where there is none. */
  actual: (number | null)[];
}

/**
 * Attention probabilities, one Float32Array per layer. 'square': [heads, q, k] row-major, q = k = tokens.length.
 * 'lowerTriangle' (causal models, whose maps are 0 above the diagonal): per head, the rows in blocks of
 * `rowBlock`, block c holding rows c·b .. c·b+b-1 over keys 0 .. min(c·b+b, n)-1, so row q holds keys 0..q and
 * then zeros to the end of its block (rowBlock 1 is the exact triangle). Each row sums to 1. squareLayer() and
 * keptRow() (engine/attentionLayout.ts) read a layer whatever the layout.
 */
export interface AttentionMaps {
  layers: number;
  heads: number;
  tokens: number;
  layout: 'square' | 'lowerTriangle';
  /** Rows per block of a lower triangle; 1 for square maps. */
  rowBlock: number;
  perLayer: Float32Array[];
}

export interface Timings {
  loadMs?: number;
  tokenizeMs: number;
  /** Wall time of the ONNX session run(s). */
  runMs: number;
  totalMs: number;
}

export interface InspectResult {
  text: string;
  model: ModelInfo;
  device: DeviceInfo;
  tokens: Token[];
  truncation?: Truncation;
  predictions: MaskedPredictions | CausalPredictions;
  /** Present when asked for and available (see ModelInfo.attention). */
  attention?: AttentionMaps;
  timings: Timings;
}

/** Top-k at one position when that position alone is replaced by the mask token (masked LMs, for the hover). */
export interface MaskedAtPosition {
  position: number;
  top: Prediction[];
}

/** An error the user should read as it is (no stack trace): bad input, a missing file, an unsupported model. */
export class LensError extends Error {
  constructor(
    message: string,
    readonly code: LensErrorCode,
  ) {
    super(message);
    this.name = 'LensError';
  }
}

export type LensErrorCode =
  | 'empty-input'
  | 'model-not-found'
  | 'model-invalid'
  | 'model-unsupported'
  | 'input-too-large'
  | 'cancelled'
  | 'download-failed'
  | 'worker-crashed'
  | 'untrusted';
