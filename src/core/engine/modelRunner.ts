// Runs one loaded model: a full inspect (tokens, predictions, optionally every attention set), for fill-mask
// models the top-k at a position when that position alone is masked (batched), and the whole vocabulary's
// logits at one position, for the sampling controls. What the model predicts is its family's to say
// (src/core/families); rankings are cached by whoever keeps the run (the host's run store), not here.
import * as ort from 'onnxruntime-node';
import { badAblatedHeads, headLabel, type AblationSpec, type AblationView } from '../../protocol/ablation';
import { lensWindow } from '../../protocol/logitLens';
import { compareRankings } from '../analysis/ablation';
import { GRAPH_TOP_K, HEAD } from '../onnx/graphPatch';
import type { AttentionSource, InspectResult, LogitLens, MaskedAtPosition, Prediction, RunPredictions, Token } from '../types';
import { lensInChunks, lensPositions, LENS_FETCHES, MAX_LENS_POSITIONS, readLogitLens } from '../analysis/logitLens';
import { LensError } from '../types';
import { buildFeeds, feedShape } from './feeds';
import { addPatchFeeds, type PatchFeedOptions } from './patchFeeds';
import { recomputedSource, type KeptTensors } from './layerMaps';
import { fitPairToModel, fitToModel, type InputWindow } from './inputWindow';
import { loadModel, type LoadedModel, type ModelRequest } from './modelSession';
import type { ProviderEnvironment } from './providers';
import { checkRunFits, measureAvailableMemory, type AvailableMemory } from './runMemory';
import { asFloat32 } from './tensors';
import { rankFromHead, rankFromLogits, type RankedRow } from './topK';
import type { TextTokenizer } from '../tokenize/textTokenizer';
import type { RunDecoding } from '../worker/workerRuns';

export interface InspectOptions {
  attention: boolean;
  topK: number;
  /** Cap below the model's own maximum (a setting); the model's maximum always applies. */
  maxTokens?: number;
  /** Encoder–decoder models: the target to run with (teacher forcing); absent: the model writes one (greedy). */
  target?: string;
  /** Encoder–decoder models: the most tokens greedy generation adds (default DEFAULT_MAX_NEW_TOKENS). */
  maxNewTokens?: number;
  /** Run the text as a sentence pair, split at the tokenizer's separator or a blank line (see sentencePair.ts). */
  pair?: boolean;
  /**
   * The logit lens at these positions (an encoder–decoder's: of the target), or at every one ('all'); up to
   * MAX_LENS_POSITIONS come from the same run.
   */
  logitLens?: number[] | 'all';
  /**
   * The logit lens at the view's first window (lensWindow: this many positions around the first ranked one), in the
   * same run, where the model has a lens; ignored with `logitLens`.
   */
  lensWindow?: number;
}

/** What a logit lens is asked for besides the text. */
export interface LogitLensOptions {
  /** Default: every position. */
  positions?: number[];
  topK: number;
  maxTokens?: number;
  pair?: boolean;
  /** Encoder–decoder models: the run's target (the positions are the target's). */
  decoding?: RunDecoding;
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

/** An inspect's result; `unmasked` when the run ranked every position of a fill-mask model anyway. */
export interface RunnerInspectResult extends InspectResult {
  unmasked?: Prediction[][];
}

export class ModelRunner {
  /** Logits rows asked for, for the last text: position → the vocabulary's logits there. */
  private logits: { key: string; rows: Map<number, Float32Array> } = { key: '', rows: new Map() };

  /** The plain run's candidates at each ranked position, for the last text ablated (see ablate). */
  private ablationBaseline: { key: string; rows: Prediction[][]; actualNext?: (number | null)[] } | undefined;

  private lastWindow: { text: string; maxTokens?: number; pair: boolean; value: InputWindow } | undefined;

  private released = false;

  private constructor(
    readonly model: LoadedModel,
    private readonly availableMemory: () => AvailableMemory,
  ) {
    countOpenSessions(1);
  }

  /** `availableMemory` measures what a run may use (see runMemory.ts); tests inject a small one. */
  static async load(request: ModelRequest, env: ProviderEnvironment, availableMemory = measureAvailableMemory): Promise<ModelRunner> {
    return new ModelRunner(await loadModel(request, env), availableMemory);
  }

  get info() {
    return this.model.info;
  }

  async dispose(): Promise<void> {
    this.lastWindow = undefined;
    this.ablationBaseline = undefined;
    this.logits = { key: '', rows: new Map() };
    if (this.released) return;
    this.released = true;
    countOpenSessions(-1);
    await this.model.layerMaps?.dispose();
    await this.model.session.release();
  }

  /**
   * The text fitted to the model, kept for the last text: the inspect, then the hover's, the views' and the
   * sampler's requests about the same text would each tokenize up to COUNT_CHARS characters again to count it.
   */
  private window(text: string, maxTokens?: number, pair = false): InputWindow {
    const last = this.lastWindow;
    if (last?.text === text && last.maxTokens === maxTokens && last.pair === pair) return last.value;
    const limit = Math.min(this.model.config.maxPositions, maxTokens ?? Infinity);
    const value = (pair ? fitPairToModel : fitToModel)(this.model.tokenizer, text, limit);
    this.lastWindow = { text, maxTokens, pair, value };
    return value;
  }

  private toPredictions(row: RankedRow): Prediction[] {
    return predictionsOf(this.model.tokenizer, row);
  }

  /**
   * Runs rows of ids through the session and ranks, in every row, the positions `at` (default: all). A graph
   * that takes PREDICTED_POSITIONS projects only those onto the vocabulary; another computes every position's
   * logits and the ranking picks. `row(b, i)` is row b's ranking at `at[i]`. `extra` output names are fetched too.
   */
  private async run(
    ids: number[],
    batch: number,
    length: number,
    topK: number,
    extra: string[],
    at?: number[],
    segments?: number[],
    patch: PatchFeedOptions = {},
  ) {
    const { config, session, inputs, predictionHead, positionsInput, logitsName } = this.model;
    const positions = at ?? Array.from({ length }, (_, p) => p);
    const feeds = buildFeeds(inputs, ids, batch, length, feedShape(config), segments);
    // An empty list (no mask token) would crash the process: onnxruntime's CPU kernels then divide by zero
    // (SIGFPE, measured). Position 0 is ranked instead, and never read.
    const fed = positions.length > 0 ? positions : [0];
    addPatchFeeds(this.model, feeds, fed, patch);
    const fetches = [
      ...predictionFetches({ predictionHead, logitsName, vocabSize: config.vocabSize }, config.family.scoresActualTokens),
      ...(patch.lensAt ? LENS_FETCHES : []),
    ];
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
    const { ranked, actualLogProb } = readPredictions(
      outputs,
      { predictionHead, logitsName, vocabSize: config.vocabSize },
      ids,
      batch * perRow,
      topK,
    );
    const row = (b: number, i: number) => ranked[b * perRow + rowIndex(i)];
    return { feeds, outputs, row, actualLogProb, runMs };
  }

  /**
   * The run's attention sets (one today: the family's self-attention over the input), computed on request from
   * the tensors the run kept for them (see LayerMaps).
   */
  private attentionSets(feeds: Record<string, ort.Tensor>, outputs: ort.InferenceSession.ReturnType, length: number): AttentionSource[] {
    const { layerMaps, config } = this.model;
    const [spec] = config.family.attentionSets;
    const kept: KeptTensors = {};
    for (const name of layerMaps!.keptOutputs) kept[name] = outputs[name];
    for (const name of layerMaps!.fedInputs) kept[name] = feeds[name];
    const shape = { set: spec.name, layers: config.layers, heads: config.heads, causal: spec.causal, queries: length, keys: length };
    return [recomputedSource(shape, layerMaps!, kept)];
  }

  /**
   * `beforeAttentionRun` is called once the input is accepted, just before a run that returns attention maps:
   * the worker lets the previous run's maps go there, so that two runs' maps are never held at once.
   */
  async inspect(text: string, options: InspectOptions, beforeAttentionRun?: () => void): Promise<RunnerInspectResult> {
    const started = performance.now();
    const { tokens, truncation, pair } = this.window(text, options.maxTokens, options.pair);
    const tokenizeMs = performance.now() - started;
    const ids = tokens.map((t) => t.id);
    const { family } = this.model.config;
    const wantAttention = options.attention && this.model.layerMaps !== undefined;
    checkRunFits(ids.length, this.model.config, wantAttention, this.availableMemory());
    const extra = wantAttention ? this.model.layerMaps!.keptOutputs : [];
    const ranked = family.rankedPositions(tokens, this.model.tokenizer.maskTokenId);
    // Only the ranked positions are projected onto the vocabulary where the graph allows (see graphPatch).
    const at = ranked !== 'every' && this.model.positionsInput ? ranked : undefined;
    const lensAt = options.logitLens
      ? lensPositions(this.model.logitLens, tokens.length, options.logitLens === 'all' ? undefined : options.logitLens)
      : options.lensWindow && this.model.logitLens.available
        ? lensWindow(tokens.length, null, ranked === 'every' ? undefined : ranked[0], options.lensWindow)
        : undefined;
    const lensInRun = lensAt && lensAt.length <= MAX_LENS_POSITIONS ? lensAt : undefined;
    if (wantAttention) beforeAttentionRun?.();
    const { feeds, outputs, row, actualLogProb, runMs } = await this.run(ids, 1, ids.length, options.topK, extra, at, pair?.segments, {
      lensAt: lensInRun,
    });
    const logitLens = lensInRun
      ? this.readLens(outputs, lensInRun, ids, options.topK)
      : lensAt && (await this.lensRuns(ids, lensAt, options.topK, pair?.segments));
    const attention = wantAttention ? this.attentionSets(feeds, outputs, ids.length) : undefined;
    const rankAt = (position: number, i: number) => this.toPredictions(row(0, at ? i : position));
    const positions = ranked === 'every' ? tokens.map((t) => t.index) : ranked;
    const predictions: RunPredictions = {
      task: family.task,
      ranked: positions.map((position, i) => ({ position, top: rankAt(position, i) })),
      ...(family.scoresActualTokens ? { actual: tokens.map((_, p) => nullableExp(actualLogProb(p))) } : {}),
    };
    // Every position was ranked anyway: what unmasked() would compute comes along.
    const unmasked = family.capabilities.unmasked && !at ? tokens.map((_, p) => rankAt(p, p)) : undefined;
    return {
      text,
      model: this.model.info,
      device: this.model.device,
      tokens,
      ...(pair ? { pair: { ...pair, segmentsFed: this.model.inputs.some((input) => input.name === 'token_type_ids') } } : {}),
      truncation,
      predictions,
      attention,
      ...(logitLens ? { logitLens } : {}),
      ...(unmasked ? { unmasked } : {}),
      timings: { loadMs: this.model.loadMs, tokenizeMs, runMs, totalMs: performance.now() - started },
    };
  }

  private readLens(outputs: ort.InferenceSession.ReturnType, positions: readonly number[], ids: number[], topK: number): LogitLens {
    const read = { layers: this.model.config.layers, positions, topK, ...(this.model.config.family.scoresActualTokens ? { ids } : {}) };
    return readLogitLens(outputs, this.model.tokenizer, read);
  }

  /** The lens in runs of its own, MAX_LENS_POSITIONS positions each, joined. */
  private async lensRuns(ids: number[], positions: number[], topK: number, segments?: number[]): Promise<LogitLens> {
    return lensInChunks(positions, async (chunk) => {
      const { outputs } = await this.run(ids, 1, ids.length, 1, [], undefined, segments, { lensAt: chunk });
      return this.readLens(outputs, chunk, ids, topK);
    });
  }

  /** The logit lens of the text as it is: every layer's top-k at `positions` (see InspectOptions.logitLens). */
  async logitLens(text: string, options: LogitLensOptions): Promise<LogitLens> {
    const { tokens, pair } = this.window(text, options.maxTokens, options.pair ?? false);
    const ids = tokens.map((t) => t.id);
    const positions = lensPositions(this.model.logitLens, ids.length, options.positions);
    checkRunFits(ids.length, this.model.config, false, this.availableMemory());
    return this.lensRuns(ids, positions, options.topK, pair?.segments);
  }

  private maskTokenId(): number {
    const { tokenizer, info } = this.model;
    if (!info.capabilities.maskPosition || tokenizer.maskTokenId === undefined) {
      throw new LensError('masking a position needs a masked language model', 'model-unsupported');
    }
    return tokenizer.maskTokenId;
  }

  /** Top-k at each position when it alone is replaced by the mask token. Special tokens are skipped. */
  async maskedAt(text: string, positions: number[], topK: number, maxTokens?: number, pairRun = false): Promise<MaskedAtPosition[]> {
    const maskTokenId = this.maskTokenId();
    const { tokens, pair } = this.window(text, maxTokens, pairRun);
    const wanted = [...new Set(positions)].filter((p) => p >= 0 && p < tokens.length && !tokens[p].special);
    const ranked = new Map<number, Prediction[]>();
    const length = tokens.length;
    const perBatch = Math.max(1, Math.floor(MAX_BATCH_LOGITS / (length * this.model.config.vocabSize)));
    for (let i = 0; i < wanted.length; i += perBatch) {
      const chunk = wanted.slice(i, i + perBatch);
      const ids: number[] = [];
      for (const p of chunk) ids.push(...tokens.map((t: Token, j) => (j === p ? maskTokenId : t.id)));
      // Row b has chunk[b] masked; every row is ranked at the chunk's positions and row b is read at chunk[b].
      const { row } = await this.run(ids, chunk.length, length, topK, [], chunk, pair?.segments);
      chunk.forEach((p, b) => ranked.set(p, this.toPredictions(row(b, b))));
    }
    return wanted.map((p) => ({ position: p, top: ranked.get(p)! }));
  }

  /** Top-k at every position of the text as it is, nothing masked (what the model "sees" at each token). */
  async unmasked(text: string, topK: number, maxTokens?: number, pairRun = false): Promise<Prediction[][]> {
    if (!this.model.info.capabilities.unmasked)
      throw new LensError("unmasked predictions are a masked language model's", 'model-unsupported');
    const { tokens, pair } = this.window(text, maxTokens, pairRun);
    const ids = tokens.map((t) => t.id);
    checkRunFits(ids.length, this.model.config, false, this.availableMemory());
    const { row } = await this.run(ids, 1, ids.length, topK, [], undefined, pair?.segments);
    return ids.map((_, p) => this.toPredictions(row(0, p)));
  }

  /**
   * The predictions at the run's ranked positions with `spec`'s heads ablated (see onnx/headGate.ts), against the
   * plain run's: one run per call, plus the plain run once per text. Each ranks GRAPH_TOP_K candidates, so a
   * token's rank and probability are known in both wherever it is among the first 50 of each.
   */
  async ablate(text: string, spec: AblationSpec, topK: number, maxTokens?: number, pairRun = false): Promise<Omit<AblationView, 'runId'>> {
    const { config, info } = this.model;
    if (!this.model.headGate) {
      const reason = info.ablation?.available === false ? info.ablation.reason : 'this kind of model has no head gate';
      throw new LensError(`heads cannot be ablated in this model: ${reason}`, 'model-unsupported');
    }
    const bad = badAblatedHeads(spec.heads, config.layers, config.heads);
    if (bad) throw new LensError(bad, 'model-unsupported');
    const key = `${maxTokens ?? ''}/${pairRun}/${text}`;
    if (this.ablationBaseline?.key !== key) this.ablationBaseline = { key, ...(await this.candidates(text, maxTokens, pairRun)) };
    const before = this.ablationBaseline;
    const { positions, rows, actualNext } = await this.candidates(text, maxTokens, pairRun, spec);
    return {
      ablated: spec.heads.map(headLabel),
      mode: spec.mode,
      candidates: GRAPH_TOP_K,
      positions: positions.map((position, i) => ({
        position,
        changes: compareRankings(before.rows[i], rows[i], topK),
        ...(actualNext ? { actualNext: { before: before.actualNext![i], after: actualNext[i] } } : {}),
      })),
    };
  }

  /** GRAPH_TOP_K candidates at each of the family's ranked positions of the text, with `ablation`'s heads ablated. */
  private async candidates(text: string, maxTokens: number | undefined, pairRun: boolean, ablation?: AblationSpec) {
    const { tokens, pair } = this.window(text, maxTokens, pairRun);
    const ids = tokens.map((t) => t.id);
    checkRunFits(ids.length, this.model.config, false, this.availableMemory());
    const ranked = this.model.config.family.rankedPositions(tokens, this.model.tokenizer.maskTokenId);
    const positions = ranked === 'every' ? tokens.map((t) => t.index) : ranked;
    const at = ranked !== 'every' && this.model.positionsInput ? ranked : undefined;
    const { row, actualLogProb } = await this.run(ids, 1, ids.length, GRAPH_TOP_K, [], at, pair?.segments, { ablation });
    const rows = positions.map((position, i) => this.toPredictions(row(0, at ? i : position)));
    // The token after position p is scored at p + 1 (see readPredictions); none follows the last.
    const next = (p: number) => (p + 1 < ids.length ? nullableExp(actualLogProb(p + 1)) : null);
    return { positions, rows, actualNext: this.model.config.family.scoresActualTokens ? positions.map(next) : undefined };
  }

  /**
   * The logits over the whole vocabulary at `position` of the text as it is: a causal LM's for the token after
   * it, a masked LM's at that token (the mask's, at a mask token). The inspect fetches only the graph's top-k
   * (see graphPatch): copying every position's logits out of onnxruntime in every run would cost S × V floats for
   * a view most runs never open, so this is a run of its own, made when the sampling controls first need a row.
   * A masked LM's projection then runs at that one position; a causal LM's rows are kept while small (KEEP_LOGITS_BYTES).
   */
  async logitsAt(text: string, position: number, maxTokens?: number, run: { pair?: boolean } = {}): Promise<LogitsRow> {
    const pairRun = run.pair ?? false;
    const key = `${maxTokens ?? ''}/${pairRun}/${text}`;
    if (this.logits.key !== key) this.logits = { key, rows: new Map() };
    const rows = this.logits.rows;
    const { positionsInput, logitsName, config } = this.model;
    const vocab = config.vocabSize;
    let row = rows.get(position);
    if (!row) {
      const { tokens, pair } = this.window(text, maxTokens, pairRun);
      const ids = tokens.map((t) => t.id);
      if (!Number.isInteger(position) || position < 0 || position >= ids.length) {
        throw new LensError(`position ${position} is outside the ${ids.length} tokens of this text`, 'empty-input');
      }
      checkRunFits(ids.length, this.model.config, false, this.availableMemory());
      const at = positionsInput ? [position] : undefined;
      const { outputs } = await this.run(ids, 1, ids.length, 1, [logitsName], at, pair?.segments);
      const data = asFloat32(outputs[logitsName].data);
      const perRow = positionsInput ? 1 : ids.length;
      if (data.length !== perRow * vocab)
        throw new LensError(`the logits have ${data.length} values, expected ${perRow} × ${vocab}`, 'model-unsupported');
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

/** A ranked row as predictions, each id with its readable text. */
export function predictionsOf(tokenizer: TextTokenizer, row: RankedRow): Prediction[] {
  return row.ids.map((id, i) => ({ id, token: tokenizer.displayOf(id), probability: row.probabilities[i] }));
}

/** Where a graph's predictions are read from: the patched head (see graphPatch), else the full logits. */
export interface PredictionOutputs {
  predictionHead: boolean;
  logitsName: string;
  vocabSize: number;
}

/** The outputs a run fetches for its predictions; with `actual`, the head's logit of the token actually next. */
export function predictionFetches(from: PredictionOutputs, actual: boolean): string[] {
  if (!from.predictionHead) return [from.logitsName];
  return [HEAD.topValues, HEAD.topIndices, HEAD.logSumExp, ...(actual ? [HEAD.actualLogit] : [])];
}

/**
 * The `rows` rankings of a run's outputs (best topK of each), and the log-probability the run gave the token
 * actually at position p of `ids`, given those before it (null at 0; single-row runs, as the causal inspect's).
 */
export function readPredictions(
  outputs: ort.InferenceSession.ReturnType,
  from: PredictionOutputs,
  ids: readonly number[],
  rows: number,
  topK: number,
): { ranked: RankedRow[]; actualLogProb: (p: number) => number | null } {
  if (from.predictionHead) {
    const lse = asFloat32(outputs[HEAD.logSumExp].data);
    const values = asFloat32(outputs[HEAD.topValues].data);
    const ranked = rankFromHead(values, outputs[HEAD.topIndices].data as BigInt64Array, lse, rows, GRAPH_TOP_K, topK);
    const actual = outputs[HEAD.actualLogit] ? asFloat32(outputs[HEAD.actualLogit].data) : undefined;
    return { ranked, actualLogProb: (p) => (actual && p >= 1 ? actual[p - 1] - lse[p - 1] : null) };
  }
  const logits = asFloat32(outputs[from.logitsName].data);
  const full = rankFromLogits(logits, rows, from.vocabSize, topK);
  const vocab = from.vocabSize;
  return { ranked: full.rows, actualLogProb: (p) => (p >= 1 ? logits[(p - 1) * vocab + ids[p]] - full.logSumExp[p - 1] : null) };
}

/** Sessions are counted wherever a runner loads them (the encoder–decoder runner's too). */
export function countOpenSessions(change: 1 | -1): void {
  openSessions += change;
}

export function nullableExp(logProb: number | null): number | null {
  return logProb === null ? null : Math.exp(logProb);
}
