// Runs a surprisal scan's windows through a loaded causal LM, without attention: the run fetches only the
// prediction head (graphPatch.ts: top-k, log Σ exp and the logit of the token actually next), so a window costs
// one plain forward pass. A scan keeps the file's text and tokens (to splice and compare an edit's) and each
// token's top-k as typed arrays (keptTopK.ts: a hover's answer) and nothing else: each window's tensors are let go
// when its scores are read, and its tokens' spans travel with its scores, so what a window adds is bounded by one
// window, not the file (test/unit/surprisalLarge.test.ts).
import * as ort from 'onnxruntime-node';
import { buildFeeds, feedShape } from '../engine/feeds';
import { predictionFetches, predictionsOf, readPredictions } from '../engine/modelRunner';
import type { RankedRow } from '../engine/topK';
import type { LoadedModel } from '../engine/modelSession';
import { addPatchFeeds } from '../engine/patchFeeds';
import { LensError, type Prediction } from '../types';
import { KeptTopK, KEPT_TOP_K } from './keptTopK';
import { retokenize } from './spliceTokens';
import { firstChangedToken, firstStaleWindow, planWindows, windowShape, type ScanWindow, type WindowShape } from './surprisalWindows';
import type { ScanToken, WindowScores } from './windowScores';

/**
 * What a scan will run: the windows, and the first one an edit made stale. The tokens' spans are not here but in
 * each window's scores (WindowScores): a plan carrying a large file's tokens took the host 0.3–1.7 s to receive
 * (36,000–170,000 tokens, measured on the shared machine), where a window's reply takes a millisecond or two.
 */
export interface ScanPlan {
  /** The first token of the first stale window's scored range: the host keeps its tokens and scores before it. */
  tokensFrom: number;
  /** Where token `tokensFrom` starts in the text (UTF-16): what is pending until its window is scored. */
  pendingFrom: number;
  /** How many tokens the whole file has. */
  tokenCount: number;
  shape: WindowShape;
  windows: ScanWindow[];
  /**
   * The first window to run: 0 for a new scan; after an edit, the one scoring the first token it changed, or the
   * first the last scan did not finish (a scan cancelled or superseded before its end).
   */
  firstStale: number;
  /** Counts the key's plans: a window request names the plan it belongs to, and a newer plan refuses it. */
  generation: number;
}

/** What a scan with a masked LM (or an encoder–decoder) is told; the editor offers to pick a causal model. */
export const NEEDS_CAUSAL = 'surprisal needs a causal language model (one that predicts the next token)';

/** Natural log to bits. */
const LN2 = Math.log(2);

/** The least top-k a scan reports and the most (the prediction head's GRAPH_TOP_K bounds it). */
export const MAX_SCAN_TOP_K = 20;

/**
 * The scan of one text: plan() tokenizes it (and, after an edit, compares with the last text of the same key),
 * score() runs one window. The worker keeps one per document key.
 */
export class SurprisalScan {
  /** The last text planned and its tokens, from which an edit's tokens are spliced (spliceTokens.ts). */
  private text = '';
  private tokens: ScanToken[] = [];
  private ids: number[] = [];
  private plan: ScanPlan | undefined;
  /** Windows of the plan scored so far, in order: [0, done) hold current scores at the host. */
  private done = 0;
  private generation = 0;
  private readonly kept = new KeptTopK();
  /** Hovers whose top-k was not kept (more asked than KEPT_TOP_K), so that their window ran again. */
  topRuns = 0;

  constructor(private readonly model: LoadedModel) {}

  /** Tokenizes `text` and plans its windows; `fresh` forgets the last text (a new scan, not an edit). */
  replan(text: string, options: { window?: number; stride?: number; fresh?: boolean }): ScanPlan {
    const { config, tokenizer } = this.model;
    if (config.family.task !== 'next-token' || !config.family.scoresActualTokens) {
      throw new LensError(NEEDS_CAUSAL, 'model-unsupported');
    }
    if (text.trim().length === 0) throw new LensError('Nothing to scan: the document is empty.', 'empty-input');
    const shape = windowShape(config.maxPositions, options.window, options.stride);
    const encode = (t: string) =>
      tokenizer.encode(t).map(({ index, id, piece, start, end, special }) => ({ index, id, piece, start, end, special }));
    const edit = !options.fresh && this.plan !== undefined;
    const tokens = edit ? retokenize(encode, { text: this.text, tokens: this.tokens }, text).tokens : encode(text);
    const ids = tokens.map((t) => t.id);
    const windows = planWindows(ids.length, shape);
    const samePlan = edit && sameShape(this.plan!.shape, shape);
    const firstStale = samePlan ? Math.min(this.done, firstStaleWindow(windows, firstChangedToken(this.ids, ids))) : 0;
    this.text = text;
    this.tokens = tokens;
    this.ids = ids;
    this.done = firstStale;
    const tokensFrom = firstStale < windows.length ? windows[firstStale].scoreFrom : ids.length;
    this.kept.replan(ids.length, tokensFrom);
    const pendingFrom = tokens[tokensFrom]?.start ?? text.length;
    this.plan = { tokensFrom, pendingFrom, tokenCount: ids.length, shape, windows, firstStale, generation: ++this.generation };
    return this.plan;
  }

  /** Runs window `k` of the current plan and scores its tokens [scoreFrom, end); with `topK`, their top-k too. */
  async score(k: number, generation: number, topK?: number): Promise<WindowScores> {
    const plan = this.current(generation);
    if (!Number.isInteger(k) || k < 0 || k >= plan.windows.length) {
      throw new LensError(`window ${k} is not part of the current scan; the document changed`, 'cancelled');
    }
    const scores = await scoreWindow(this.model, this.tokens, plan.windows[k], topK, this.kept);
    if (k === this.done) this.done++;
    return scores;
  }

  /**
   * The model's top-k before token `index` of the current plan (empty for a token with nothing before it), as its
   * window's run computed it. Where it was not kept (more asked than KEPT_TOP_K, or a window not scored yet) the
   * window runs again from the same start, so the token has the left context it was scored with and the numbers
   * are the scan's (to rounding: within 1e-4, tested). That run stops at the token: a causal model's prediction
   * there does not depend on what follows, and the prediction head (which projects every position; graphPatch
   * selects positions only for masked LMs) then has the fewest positions to project.
   */
  async topAt(index: number, generation: number, topK: number): Promise<Prediction[]> {
    const plan = this.current(generation);
    if (!Number.isInteger(index) || index < 0 || index >= plan.tokenCount) {
      throw new LensError(`token ${index} is not part of the current scan; the document changed`, 'cancelled');
    }
    const kept = this.kept.get(index, topK);
    if (kept) return predictionsOf(this.model.tokenizer, kept);
    this.topRuns++;
    // The window scoring the token (the first that ends after it).
    const { start } = plan.windows[firstStaleWindow(plan.windows, index)];
    const scores = await scoreWindow(this.model, this.tokens, { start, scoreFrom: index, end: index + 1 }, topK);
    return scores.detail!.top[0];
  }

  /** The current plan, if `generation` names it (a request for an older plan's window or token is refused). */
  private current(generation: number): ScanPlan {
    if (!this.plan || this.plan.generation !== generation) {
      throw new LensError('that scan is no longer the current one; the document changed', 'cancelled');
    }
    return this.plan;
  }
}

function sameShape(a: WindowShape, b: WindowShape): boolean {
  return a.window === b.window && a.stride === b.stride;
}

/**
 * One forward pass over ids[start, end) (positions from the model's first, as a pass over that text alone) and
 * the scores of its tokens [scoreFrom, end): token i's is read at row i − start − 1, which predicted it. A graph
 * with past_key_values inputs is fed an empty past: no other window's past is this window's (reusablePast).
 * With `topK`, each token's top-k and the tokens themselves come too (WindowScores.detail); with `keep`, each
 * scored token's top KEPT_TOP_K is kept there.
 */
export async function scoreWindow(
  model: LoadedModel,
  tokens: readonly ScanToken[],
  window: ScanWindow,
  topK?: number,
  keep?: KeptTopK,
): Promise<WindowScores> {
  const { config, session, inputs, predictionHead, logitsName, tokenizer } = model;
  const windowIds = tokens.slice(window.start, window.end).map((t) => t.id);
  const length = windowIds.length;
  const feeds = buildFeeds(inputs, windowIds, 1, length, feedShape(config));
  addPatchFeeds(
    model,
    feeds,
    Array.from(windowIds, (_, p) => p),
  );
  const from = { predictionHead, logitsName, vocabSize: config.vocabSize };
  let outputs: ort.InferenceSession.ReturnType;
  try {
    outputs = await session.run(feeds, predictionFetches(from, true));
  } catch (error) {
    throw new LensError(`the model failed to run: ${(error as Error).message.split('\n')[0]}`, 'model-invalid');
  }
  const k = topK === undefined ? 0 : Math.min(MAX_SCAN_TOP_K, topK);
  const { ranked, actualLogProb } = readPredictions(outputs, from, windowIds, length, Math.max(k, keep ? KEPT_TOP_K : 0));
  const count = window.end - window.scoreFrom;
  const scores: WindowScores = {
    from: window.scoreFrom,
    starts: new Uint32Array(count),
    ends: new Uint32Array(count),
    bits: new Float64Array(count),
    probabilities: new Float64Array(count),
    ...(topK === undefined ? {} : { detail: { tokens: tokens.slice(window.scoreFrom, window.end), top: [] } }),
  };
  for (let j = 0; j < count; j++) {
    const p = window.scoreFrom + j - window.start;
    const logProb = actualLogProb(p) ?? NaN;
    scores.starts[j] = tokens[window.scoreFrom + j].start;
    scores.ends[j] = tokens[window.scoreFrom + j].end;
    scores.bits[j] = -logProb / LN2;
    scores.probabilities[j] = Math.exp(logProb);
    keep?.set(window.scoreFrom + j, p >= 1 ? ranked[p - 1] : undefined);
    scores.detail?.top.push(p >= 1 ? predictionsOf(tokenizer, firstOf(ranked[p - 1], k)) : []);
  }
  return scores;
}

/** A ranked row's best `k`. */
function firstOf(row: RankedRow, k: number): RankedRow {
  return row.ids.length <= k ? row : { ids: row.ids.slice(0, k), probabilities: row.probabilities.slice(0, k) };
}
