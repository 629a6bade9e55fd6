// Runs one loaded model: a full inspect (tokens, predictions, optionally every attention map), for masked LMs
// the top-k at a position when that position alone is masked (batched, cached), and the whole vocabulary's
// logits at one position, for the sampling controls.
import * as ort from 'onnxruntime-node';
import { GRAPH_TOP_K, HEAD, PREDICTED_POSITIONS } from '../onnx/graphPatch';
import type { InspectResult, MaskedAtPosition, Prediction, Token, AttentionMaps } from '../types';
import { LensError } from '../types';
import { checkCausalRows, layerLength } from './attentionLayout';
import { buildFeeds } from './feeds';
import { fitToModel, type InputWindow } from './inputWindow';
import { loadModel, type LoadedModel, type ModelRequest } from './modelSession';
import type { ProviderEnvironment } from './providers';
import { checkRunFits, measureAvailableMemory, type AvailableMemory } from './runMemory';
import { asFloat32 } from './tensors';
import { rankFromHead, rankFromLogits, type RankedRow } from './topK';

export interface InspectOptions {
  attention: boolean;
  topK: number;
  /** Cap below the model's own maximum (a setting); the model's maximum always applies. */
  maxTokens?: number;
}

/**
 * Most logits elements one masked-at-position batch may make onnxruntime allocate: B × S × V without the
 * positions input; with it the logits are B × B × V, and the bound still keeps the batch's activations small.
 */
const MAX_BATCH_LOGITS = 48 * 1024 * 1024;

/**
 * Most bytes of a causal LM's logits (every position × the vocabulary) kept after a logitsAt pass: one pass
 * yields every position's row, so stepping along the text needs no second pass while they fit (32 MB: 160
 * positions of GPT-2's 50,257 ids). Longer texts keep only the row asked for, and another position is another
 * pass: at GPT-2's 1024 tokens all rows would be 206 MB held for a view that shows one.
 */
const KEEP_LOGITS_BYTES = 32 * 1024 * 1024;

/** How many of a logits row's best ids come labelled: the most a sampler's top-k shows (see LogitsRow). */
export const LABELLED_IDS = 100;

/** The logits over the whole vocabulary at one position, and the LABELLED_IDS best ids with their text. */
export interface LogitsRow {
  logits: Float32Array;
  /** Best first, with the model's probabilities: ids the caller cannot name without the tokenizer. */
  top: Prediction[];
}

/** Sessions loaded and not yet released in this thread: the soak test checks that none is left behind. */
let openSessions = 0;
export const openSessionCount = () => openSessions;

export class ModelRunner {
  /** Rankings asked for after the inspect, for the last text (hovers and views ask about one text at a time). */
  private cache: RankingCache = emptyCache('');
  /** Logits rows asked for, for the last text: position → the vocabulary's logits there. */
  private logits: { key: string; rows: Map<number, Float32Array> } = { key: '', rows: new Map() };

  private lastWindow: { text: string; maxTokens?: number; value: InputWindow } | undefined;

  private released = false;

  private constructor(
    readonly model: LoadedModel,
    private readonly availableMemory: () => AvailableMemory,
  ) {
    openSessions++;
  }

  /** `availableMemory` measures what a run may use (see runMemory.ts); tests inject a small one. */
  static async load(request: ModelRequest, env: ProviderEnvironment, availableMemory = measureAvailableMemory): Promise<ModelRunner> {
    return new ModelRunner(await loadModel(request, env), availableMemory);
  }

  get info() {
    return this.model.info;
  }

  async dispose(): Promise<void> {
    this.cache = emptyCache('');
    this.lastWindow = undefined;
    this.logits = { key: '', rows: new Map() };
    if (this.released) return;
    this.released = true;
    openSessions--;
    await this.model.session.release();
  }

  private cacheFor(text: string, topK: number, maxTokens?: number): RankingCache {
    const key = `${topK}/${maxTokens ?? ''}/${text}`;
    if (this.cache.key !== key) this.cache = emptyCache(key);
    return this.cache;
  }

  /**
   * The text fitted to the model, kept for the last text: the inspect, then the hover's, the views' and the
   * sampler's requests about the same text would each tokenize up to COUNT_CHARS characters again to count it.
   */
  private window(text: string, maxTokens?: number): InputWindow {
    const last = this.lastWindow;
    if (last?.text === text && last.maxTokens === maxTokens) return last.value;
    const limit = Math.min(this.model.config.maxPositions, maxTokens ?? Infinity);
    const value = fitToModel(this.model.tokenizer, text, limit);
    this.lastWindow = { text, maxTokens, value };
    return value;
  }

  private toPredictions(row: RankedRow): Prediction[] {
    return row.ids.map((id, i) => ({ id, token: this.model.tokenizer.displayOf(id), probability: row.probabilities[i] }));
  }

  /**
   * Runs rows of ids through the session and ranks, in every row, the positions `at` (default: all). A graph
   * that takes PREDICTED_POSITIONS projects only those onto the vocabulary; another computes every position's
   * logits and the ranking picks. `row(b, i)` is row b's ranking at `at[i]`. `extra` output names are fetched too.
   */
  private async run(ids: number[], batch: number, length: number, topK: number, extra: string[], at?: number[]) {
    const { config, session, inputs, predictionHead, positionsInput, logitsName } = this.model;
    const positions = at ?? Array.from({ length }, (_, p) => p);
    const feeds = buildFeeds(inputs, ids, batch, length, config.heads, config.hiddenSize / config.heads);
    // An empty list (no mask token) would crash the process: onnxruntime's CPU kernels then divide by zero
    // (SIGFPE, measured). Position 0 is ranked instead, and never read.
    const fed = positions.length > 0 ? positions : [0];
    if (positionsInput) feeds[PREDICTED_POSITIONS] = new ort.Tensor('int64', BigInt64Array.from(fed, BigInt), [fed.length]);
    const fetches = predictionHead ? [HEAD.topValues, HEAD.topIndices, HEAD.logSumExp] : [logitsName];
    if (predictionHead && config.kind === 'causal') fetches.push(HEAD.actualLogit);
    const started = performance.now();
    let outputs: ort.InferenceSession.ReturnType;
    try {
      // A graph without the head fetches its logits already; naming an output twice is an error.
      outputs = await session.run(feeds, [...fetches, ...extra.filter((name) => !fetches.includes(name))]);
    } catch (error) {
      throw new LensError(`the model failed to run: ${(error as Error).message.split('\n')[0]}`, 'model-invalid');
    }
    const runMs = performance.now() - started;
    // Positions ranked per row, and where in a row at[i] is found.
    const perRow = positionsInput ? fed.length : length;
    const rowIndex = (i: number) => (positionsInput ? i : positions[i]);
    let ranked: RankedRow[];
    let actualLogProb: (p: number) => number | null;
    if (predictionHead) {
      const lse = asFloat32(outputs[HEAD.logSumExp].data);
      ranked = rankFromHead(asFloat32(outputs[HEAD.topValues].data), outputs[HEAD.topIndices].data as BigInt64Array, lse, batch * perRow, GRAPH_TOP_K, topK);
      const actual = outputs[HEAD.actualLogit] ? asFloat32(outputs[HEAD.actualLogit].data) : undefined;
      actualLogProb = (p) => (actual && p >= 1 ? actual[p - 1] - lse[p - 1] : null);
    } else {
      const logits = asFloat32(outputs[logitsName].data);
      const full = rankFromLogits(logits, batch * perRow, config.vocabSize, topK);
      ranked = full.rows;
      actualLogProb = (p) => (p >= 1 ? logits[(p - 1) * config.vocabSize + ids[p]] - full.logSumExp[p - 1] : null);
    }
    const row = (b: number, i: number) => ranked[b * perRow + rowIndex(i)];
    return { outputs, row, actualLogProb, runMs };
  }

  private attentionMaps(outputs: ort.InferenceSession.ReturnType, length: number): AttentionMaps {
    const { attentionOutputs, attentionLayout, config } = this.model;
    const geometry = { ...attentionLayout, tokens: length };
    const perLayer = attentionOutputs.map((name, layer) => {
      const tensor = outputs[name];
      const expected = geometry.layout === 'square' ? [1, config.heads, length, length] : [1, config.heads, layerLength(geometry, 1)];
      if (tensor.dims.length !== expected.length || tensor.dims.some((d, i) => d !== expected[i])) {
        throw new LensError(
          `attention of layer ${layer} has shape [${tensor.dims.join(', ')}], expected [${expected.join(', ')}]: this graph's Softmax nodes are not per-head attention`,
          'model-unsupported',
        );
      }
      return asFloat32(tensor.data);
    });
    const maps: AttentionMaps = { layers: perLayer.length, heads: config.heads, ...geometry, perLayer };
    if (maps.layout === 'lowerTriangle') checkCausalRows(maps);
    return maps;
  }

  /**
   * `beforeAttentionRun` is called once the input is accepted, just before a run that returns attention maps:
   * the worker lets the previous run's maps go there, so that two runs' maps are never held at once.
   */
  async inspect(text: string, options: InspectOptions, beforeAttentionRun?: () => void): Promise<InspectResult> {
    const started = performance.now();
    const { tokens, truncation } = this.window(text, options.maxTokens);
    const tokenizeMs = performance.now() - started;
    const ids = tokens.map((t) => t.id);
    const wantAttention = options.attention && this.model.info.attention.available;
    checkRunFits(ids.length, this.model.config, wantAttention ? this.model.attentionLayout : undefined, this.availableMemory());
    const extra = wantAttention ? this.model.attentionOutputs : [];
    const masked = this.model.info.kind === 'masked';
    const maskPositions = masked ? tokens.filter((t) => t.id === this.model.tokenizer.maskTokenId).map((t) => t.index) : [];
    // A masked LM is projected onto the vocabulary only at its mask tokens where the graph allows (see graphPatch).
    const at = masked && this.model.positionsInput ? maskPositions : undefined;
    if (wantAttention) beforeAttentionRun?.();
    const { outputs, row, actualLogProb, runMs } = await this.run(ids, 1, ids.length, options.topK, extra, at);
    const attention = wantAttention ? this.attentionMaps(outputs, ids.length) : undefined;
    const rankAt = (position: number, i: number) => this.toPredictions(row(0, at ? i : position));
    // Every position was ranked anyway: what unmasked() would compute is kept.
    if (masked && !at) this.cacheFor(text, options.topK, options.maxTokens).unmasked = tokens.map((_, p) => rankAt(p, p));
    const predictions: InspectResult['predictions'] = masked
      ? { kind: 'masked', masks: maskPositions.map((position, i) => ({ position, top: rankAt(position, i) })) }
      : {
          kind: 'causal',
          next: tokens.map((_, p) => rankAt(p, p)),
          actual: tokens.map((_, p) => {
            const logProb = actualLogProb(p);
            return logProb === null ? null : Math.exp(logProb);
          }),
        };
    return {
      text,
      model: this.model.info,
      device: this.model.device,
      tokens,
      truncation,
      predictions,
      attention,
      timings: { loadMs: this.model.loadMs, tokenizeMs, runMs, totalMs: performance.now() - started },
    };
  }

  private maskedModel() {
    const { tokenizer, info } = this.model;
    if (info.kind !== 'masked' || tokenizer.maskTokenId === undefined) throw new LensError('masking a position needs a masked language model', 'model-unsupported');
    return { maskTokenId: tokenizer.maskTokenId };
  }

  /** Top-k at each position when it alone is replaced by the mask token. Special tokens are skipped. */
  async maskedAt(text: string, positions: number[], topK: number, maxTokens?: number): Promise<MaskedAtPosition[]> {
    const { maskTokenId } = this.maskedModel();
    const { tokens } = this.window(text, maxTokens);
    const cache = this.cacheFor(text, topK, maxTokens).maskedAt;
    const wanted = [...new Set(positions)].filter((p) => p >= 0 && p < tokens.length && !tokens[p].special);
    const missing = wanted.filter((p) => !cache.has(p));
    const length = tokens.length;
    const perBatch = Math.max(1, Math.floor(MAX_BATCH_LOGITS / (length * this.model.config.vocabSize)));
    for (let i = 0; i < missing.length; i += perBatch) {
      const chunk = missing.slice(i, i + perBatch);
      const ids: number[] = [];
      for (const p of chunk) ids.push(...tokens.map((t: Token, j) => (j === p ? maskTokenId : t.id)));
      // Row b has chunk[b] masked; every row is ranked at the chunk's positions and row b is read at chunk[b].
      const { row } = await this.run(ids, chunk.length, length, topK, [], chunk);
      chunk.forEach((p, b) => cache.set(p, this.toPredictions(row(b, b))));
    }
    return wanted.map((p) => ({ position: p, top: cache.get(p)! }));
  }

  /** Top-k at every position of the text as it is, nothing masked (what the model "sees" at each token). */
  async unmasked(text: string, topK: number, maxTokens?: number): Promise<Prediction[][]> {
    this.maskedModel();
    const cache = this.cacheFor(text, topK, maxTokens);
    if (!cache.unmasked) {
      const ids = this.window(text, maxTokens).tokens.map((t) => t.id);
      checkRunFits(ids.length, this.model.config, undefined, this.availableMemory());
      const { row } = await this.run(ids, 1, ids.length, topK, []);
      cache.unmasked = ids.map((_, p) => this.toPredictions(row(0, p)));
    }
    return cache.unmasked;
  }

  /**
   * The logits over the whole vocabulary at `position` of the text as it is: a causal LM's for the token after
   * it, a masked LM's at that token (the mask's, at a mask token). The inspect fetches only the graph's top-k
   * (see graphPatch): copying every position's logits out of onnxruntime in every run would cost S × V floats for
   * a view most runs never open, so this is a run of its own, made when the sampling controls first need a row.
   * A masked LM's projection then runs at that one position; a causal LM's rows are kept while small (KEEP_LOGITS_BYTES).
   */
  async logitsAt(text: string, position: number, maxTokens?: number): Promise<LogitsRow> {
    const key = `${maxTokens ?? ''}/${text}`;
    if (this.logits.key !== key) this.logits = { key, rows: new Map() };
    const rows = this.logits.rows;
    const { positionsInput, logitsName, config } = this.model;
    const vocab = config.vocabSize;
    let row = rows.get(position);
    if (!row) {
      const ids = this.window(text, maxTokens).tokens.map((t) => t.id);
      if (!Number.isInteger(position) || position < 0 || position >= ids.length) {
        throw new LensError(`position ${position} is outside the ${ids.length} tokens of this text`, 'empty-input');
      }
      checkRunFits(ids.length, this.model.config, undefined, this.availableMemory());
      const { outputs } = await this.run(ids, 1, ids.length, 1, [logitsName], positionsInput ? [position] : undefined);
      const data = asFloat32(outputs[logitsName].data);
      const perRow = positionsInput ? 1 : ids.length;
      if (data.length !== perRow * vocab) throw new LensError(`the logits have ${data.length} values, expected ${perRow} × ${vocab}`, 'model-unsupported');
      if (!positionsInput && data.byteLength <= KEEP_LOGITS_BYTES) {
        for (let p = 0; p < perRow; p++) rows.set(p, data.subarray(p * vocab, (p + 1) * vocab));
      } else {
        // A copy, so that the rest of the run's logits can be let go.
        rows.set(position, data.slice(positionsInput ? 0 : position * vocab, (positionsInput ? 1 : position + 1) * vocab));
      }
      row = rows.get(position)!;
    }
    const top = this.toPredictions(rankFromLogits(row, 1, vocab, Math.min(LABELLED_IDS, vocab)).rows[0]);
    // A copy: the caller may transfer it, and the kept rows must stay whole.
    return { logits: row.slice(), top };
  }
}

interface RankingCache {
  /** Text, top-k and token cap the rankings are for. */
  key: string;
  maskedAt: Map<number, Prediction[]>;
  unmasked?: Prediction[][];
}

const emptyCache = (key: string): RankingCache => ({ key, maskedAt: new Map() });
