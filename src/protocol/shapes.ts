// The data a run carries from the host to the webviews: plain shapes, no behaviour. Imports nothing.

/** One token of a run, as the core made it. */
export interface TokenView {
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

/** One ranked token: its id, its readable text and the model's probability. */
export interface PredictionView {
  id: number;
  /** Readable text of the predicted token. */
  token: string;
  probability: number;
}

/** Everything about one run except the full attention tensors. */
export interface RunSummary {
  /** Increases with every run in this window; replies and layers carry it so stale data is dropped. */
  runId: number;
  text: string;
  model: {
    id: string;
    /** Where it came from: 'embedded' is one of the tiny models this project trained (the panel says so). */
    source: 'embedded' | 'local' | 'hub';
    /** The model's family, e.g. 'bert', 'gpt2' (src/core/families). */
    family: string;
    /** What the family is, in words, e.g. 'masked LM', 'causal LM'. */
    familyLabel: string;
    task: PredictionTask;
    architecture: string;
    tokenizerKind: string;
    layers: number;
    heads: number;
    /**
     * Key/value heads, when fewer than `heads`: query heads share them (grouped-query attention; see headSharing.ts).
     * Absent or equal to `heads`: each query head has its own.
     */
    kvHeads?: number;
    /** Width of one head. */
    headDim?: number;
    /**
     * The window of sliding-window layers (0-based; a query sees itself and size − 1 keys before it, with `around`
     * the keys within size / 2 on either side); absent when none slides.
     */
    slidingWindow?: { size: number; layers: number[]; around?: true };
    /** Attention scores are soft-capped at this, cap · tanh(score / cap), before the Softmax. */
    attnSoftcap?: number;
    maxPositions: number;
    /** Ids in the model's output layer: the length of a logits row (the logits request). */
    vocabSize: number;
    maskToken?: string;
  };
  device: { provider: string; label: string; fallbackReason?: string };
  /** The input list ('input'): the text the run read. */
  tokens: TokenView[];
  /**
   * The second token list ('target') an encoder–decoder run carries; absent for encoder-only and decoder-only models.
   * Its tokens start with the decoder start token; their spans index `text` (the target), not the editor.
   * `generated`: the model wrote the target (greedy); false when the user gave it (teacher forcing).
   */
  target?: { tokens: TokenView[]; text: string; generated: boolean };
  /** Present when the text was run as a sentence pair (Inspect Selection as Sentence Pair). */
  pair?: PairView;
  /** totalTokens is exact, or a lower bound when totalExact is false (counting stops in very long selections). */
  truncation?: { totalTokens: number; totalExact: boolean; keptTokens: number; keptUntil: number; message: string };
  predictions: RunPredictionsView;
  capabilities: RunCapabilities;
  /** Null when this model's graph exposes no attention; the string says why. */
  attentionUnavailable: string | null;
  /** Whether heads can be ablated (see protocol/ablation.ts); absent for models whose runner has no head gate. */
  ablation?: AblationAvailability;
  /** Null when the logit lens can be asked for (the logitLens request); the string says why not (absent: not known). */
  logitLensUnavailable?: string | null;
  /** The run's attention, one entry per named set; empty when attention is unavailable. */
  attentionSets: AttentionSetView[];
  timings: { loadMs?: number; tokenizeMs: number; runMs: number; totalMs: number };
  /**
   * Set when the run was read from a run file (Open Run File, a notebook output): its name. No model ran here, so
   * the views say so and ask only for what the file holds (see capabilities).
   */
  fromFile?: string;
}

/** A run of a sentence pair: sentence A, with the template's tokens before B, is the tokens before sentenceBStart. */
export interface PairView {
  /** The index of sentence B's first token (bertviz's sentence_b_start). */
  sentenceBStart: number;
  /** Each token's segment (token type) id, as the tokenizer's pair template gives it. */
  segments: number[];
  /** Whether the model was fed them: false when its graph takes no token_type_ids (RoBERTa, DistilBERT). */
  segmentsFed: boolean;
}

/**
 * Every head of every layer of one attention set, downsampled to rows × cols by the largest weight of each block
 * of the full map (for the model view's thumbnails). data is [layers, heads, rows, cols].
 */
export interface AttentionOverview {
  runId: number;
  /** The attention set's name (AttentionSetView.name). */
  set: string;
  rows: number;
  cols: number;
  data: Float32Array;
}

/** One layer of one attention set at full resolution: data is [heads, queries, keys], rows sum to 1. */
export interface AttentionLayer {
  runId: number;
  set: string;
  layer: number;
  heads: number;
  /** The lengths of the set's query and key token lists. */
  queries: number;
  keys: number;
  /** The heads `data` holds, in that order, when the request named them; absent: every head. */
  only?: number[];
  /** `data` is the mean over every head (protocol/headMean.ts), [queries, keys], as the request asked. */
  mean?: true;
  /** [heads (or only.length, or 1 for the mean), queries, keys] row-major. */
  data: Float32Array;
}

export type ExportFormat = 'png' | 'svg' | 'html' | 'json';

// ---------------------------------------------------------------- the shapes issue 17 moves to (being adopted)
// A run carries what its model's family declares (src/core/families): what it predicts, what may be asked about
// it, and zero or more named attention sets. Views draw what a run carries instead of branching on the model kind.

/** What a model's family predicts. */
export type PredictionTask = 'fill-mask' | 'next-token';

/** The names of a run's token lists: 'input' today; an encoder–decoder run adds 'target'. */
export type TokenListName = 'input' | 'target';

/** One named set of attention maps: each query token of one list attends over the key tokens of another. */
export interface AttentionSetView {
  /** 'self' for encoder-only and decoder-only models; 'encoder', 'decoder', 'cross' for encoder–decoder models. */
  name: string;
  /** For headings, e.g. "Self-attention" or "Cross-attention (target → source)". */
  label: string;
  queries: TokenListName;
  keys: TokenListName;
  layers: number;
  heads: number;
  /** A query sees only keys up to its own position: the map is 0 above the diagonal. */
  causal: boolean;
}

/** What the model predicted in a run, as its family declares it. */
export interface RunPredictionsView {
  task: PredictionTask;
  /** The token list `ranked` positions and `actual` index: 'target' for an encoder–decoder run; 'input' when absent. */
  list?: TokenListName;
  /** The positions the run ranked, in order: each mask token (fill-mask), or every position (next-token: the token after it). */
  ranked: { position: number; top: PredictionView[] }[];
  /** next-token: the probability the model gave to the token actually at i, given those before it; null where none precede. */
  actual?: (number | null)[];
}

/** What a webview may ask about a run besides its attention; the model's family decides. */
export interface RunCapabilities {
  /** The top-k at a position when it alone is masked (the maskedAt request). */
  maskPosition: boolean;
  /** The top-k at every position of the text as it is (the unmasked request). */
  unmasked: boolean;
  /** The whole vocabulary's logits at a position (the logits request). */
  logits: boolean;
}

/** Whether a model's heads can be ablated; a model with several attention sets names each set's size. */
export type AblationAvailability =
  { available: true; sets?: Record<string, { layers: number; heads: number }> } | { available: false; reason: string };
