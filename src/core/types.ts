// The inference core's public result types. Plain data: no vscode, no onnxruntime, so the extension host,
// the CLI and the benchmark can share them. The shapes a run carries on to the webviews unchanged (predictions,
// capabilities) are defined once, in the protocol, which imports nothing.
import type {
  AblationAvailability,
  AttentionSetView,
  PairView,
  PredictionTask,
  PredictionView,
  RunCapabilities,
  RunPredictionsView,
  TokenView,
} from '../protocol/shapes';
import type { QueryKeyReading } from './analysis/queryKey';

export type { PredictionTask };

/** One named set of attention a family's runs carry, as it declares it (layers and heads come with the maps). */
export type AttentionSetSpec = Omit<AttentionSetView, 'layers' | 'heads'>;

/** The tokenizer algorithm named by the model's own tokenizer.json ('sentencepiece-bpe': "▁" pieces and "<0xNN>" byte fallback). */
export type TokenizerKind = 'wordpiece' | 'byte-bpe' | 'sentencepiece-bpe' | 'bpe' | 'unigram';

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
  /** The family that runs it (src/core/families), e.g. 'bert', and what the views call it, e.g. 'masked LM'. */
  family: string;
  familyLabel: string;
  task: PredictionTask;
  /** What may be asked about a run besides its attention (its family decides). */
  capabilities: RunCapabilities;
  /** The attention sets its runs carry, by name (the family's declaration). */
  attentionSets: AttentionSetSpec[];
  /** e.g. "BertForMaskedLM", "GPT2LMHeadModel". */
  architecture: string;
  /** config.json's model_type, e.g. "bert", "gpt2". */
  modelType: string;
  tokenizerKind: TokenizerKind;
  vocabSize: number;
  layers: number;
  heads: number;
  hiddenSize: number;
  /** Key/value heads: fewer than `heads` when query heads share them (grouped-query attention). */
  kvHeads: number;
  /** Width of one head (config.json's head_dim, else hiddenSize ÷ heads). */
  headDim: number;
  /**
   * The window of the layers (0-based) that use sliding-window attention; absent when none does. A query sees
   * itself and size − 1 keys before it, or with `around` the keys within size / 2 on either side.
   */
  slidingWindow?: { size: number; layers: number[]; around?: true };
  /** Attention scores are soft-capped, cap · tanh(score / cap), before the Softmax. */
  attnSoftcap?: number;
  /** Longest input the position embeddings allow, special tokens included. */
  maxPositions: number;
  /** The model's own mask token (masked LMs only), e.g. "[MASK]" or "<mask>". */
  maskToken?: string;
  /** The ONNX file that runs, relative to folder, e.g. "onnx/model.onnx". */
  onnxFile: string;
  onnxBytes: number;
  /** Whether per-head attention maps can be read from this graph. */
  attention: { available: true } | { available: false; reason: string };
  /** Whether heads can be ablated in this graph (see core/onnx/headGate.ts); absent: not for this kind of model. */
  ablation?: AblationAvailability;
  /** Whether the logit lens can be computed on this graph (absent: the runner offers none, e.g. encoder–decoder). */
  logitLens?: { available: true } | { available: false; reason: string };
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

/** One token of a run: its id, vocabulary piece, readable form and span (the protocol's shape, passed on as it is). */
export type Token = TokenView;

/** One ranked token: its id, its readable text and the model's probability. */
export type Prediction = PredictionView;

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

/** What a run predicted, as its model's family declares it (the protocol's shape: the host passes it on as it is). */
export type RunPredictions = RunPredictionsView;

/**
 * One named set of attention probabilities, one Float32Array per layer, [heads, queries, keys] row-major: each query
 * token attends over the keys, and each row sums to 1. A run holds them only while a view or an export reads them
 * (see AttentionSource).
 */
export interface AttentionMaps {
  /** 'self' for encoder-only and decoder-only models (see the family's attention sets). */
  set: string;
  layers: number;
  heads: number;
  queries: number;
  keys: number;
  /** A query sees only keys up to its own position. */
  causal: boolean;
  perLayer: Float32Array[];
}

/** A set's shape without its maps: what a run's summary and requests name. */
export type AttentionSetShape = Omit<AttentionMaps, 'perLayer'>;

/**
 * One attention set of a run whose layers are computed when asked for (see onnx/attentionRecompute.ts): the run
 * keeps only what they are computed from.
 */
export interface AttentionSource extends AttentionSetShape {
  /** Bytes the run holds to compute the maps. */
  keptBytes: number;
  /**
   * Layer `layer` as a new [heads, queries, keys] array; with `heads`, only those heads in that order
   * ([heads.length, queries, keys]), computed alone where the model allows (a view showing one head).
   */
  layer(layer: number, heads?: readonly number[]): Promise<Float32Array>;
  /**
   * The mean over heads of layer `layer`, [queries, keys] (protocol/headMean.ts): what the views show by default,
   * computed a group of heads at a time so that a long layer's heads are never held together.
   */
  meanOfHeads(layer: number): Promise<Float32Array>;
  /**
   * Whether asking for some heads of `layer` computes only those; false once its cut model proved to compute whole
   * layers (a fused operator's inputs are not per head), where asking a head at a time would compute it again each
   * time. Absent: the heads are at hand.
   */
  computesHeadsAlone?(layer: number): boolean;
  /** The query·key reading of one head at one query (analysis/queryKey.ts); absent where the set's graph has none. */
  queryKey?(layer: number, head: number, query: number): Promise<QueryKeyReading>;
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
  /**
   * An encoder–decoder run's target: its tokens (the decoder start token first) with spans in `text`, and whether
   * the model wrote it (greedy) or it was given (teacher forcing). Predictions then index these tokens.
   */
  target?: { tokens: Token[]; text: string; generated: boolean };
  /** Present when the text ran as a sentence pair. */
  pair?: PairView;
  truncation?: Truncation;
  predictions: RunPredictions;
  /** The attention sets, when asked for and available (see ModelInfo.attention). */
  attention?: AttentionSource[];
  /** The logit lens, when asked for and available (see ModelInfo.logitLens). */
  logitLens?: LogitLens;
  timings: Timings;
}

/** One layer at one position of the logit lens: that layer's output read through the model's final norm and head. */
export interface LogitLensCell {
  top: Prediction[];
  /** The probability the layer gives the model's own top-1 at this position (the last layer's top-1). */
  finalProbability: number;
  /** Causal models: the probability it gives the token that actually follows (null at the last token). */
  nextProbability?: number | null;
}

/** The logit lens of a run: every layer (0-based; the last is the model's own output) at the positions asked for. */
export interface LogitLens {
  positions: number[];
  /** The model's own top-1 at each position. */
  final: { id: number; token: string }[];
  /** Causal models: the token that follows each position (null after the last). */
  next?: ({ id: number; token: string } | null)[];
  /** [layer][i]: the cell at positions[i]. */
  layers: LogitLensCell[][];
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
