// The current run as the webview knows it: summary, an overview per attention set, and a small cache of layers (by set,
// layer and the heads a view shows: a whole layer, or only some heads of it) fetched on demand (host.request).
// Everything from an older run (by runId) is dropped on arrival, and every result is checked against the run before
// it is kept.
import {
  attentionSet,
  predictionTokens,
  setShape,
  type AttentionLayer,
  type AttentionOverview,
  type DerivedPredictions,
  type LayerHeads,
  type Params,
  type PredictionView,
  type RequestMethod,
  type Result,
  type RunSummary,
} from '../src/protocol';
import type { HostLink } from './host';
import { rankDistribution, type Distribution } from './render/sampling';

// A 1024-token layer of 12 heads is 50 MB: keep only a few.
const MAX_CACHED_LAYERS = 3;
// A GPT-2 logits row and its ranking are 400 KB.
const MAX_CACHED_DISTRIBUTIONS = 16;

export class RunData {
  summary: RunSummary | null = null;
  /** The model view's overviews, by set name. */
  readonly overviews = new Map<string, AttentionOverview>();
  stale: string | null = null;
  /** The token last clicked while the run was stale (not revealed in the editor; the stale notice says why). */
  unrevealed: number | null = null;
  status: { state: 'running' | 'idle' | 'error'; message: string } | null = null;
  /** The inspector's layer and head as last heard (the side view follows them when asked to). */
  inspectorFocus: { layer: number; head: number | 'mean' } | null = null;
  /** Counts the host's word that the comparison baseline changed (the Compare runs tab asks again). */
  baselineChanges = 0;
  /** Top-k when only that position is masked (masked LMs), by position. */
  readonly maskedAt = new Map<number, PredictionView[]>();
  /** A masked LM's top-k at every position, nothing masked: asked for once per run, when first shown. */
  private unmasked: PredictionView[][] | 'asked' | { failed: string } | undefined;
  /** The whole distribution at a position (logits from the host), by position: asked for when first shown. */
  private readonly distributions = new Map<number, Distribution | 'asked' | { failed: string }>();
  /** Layers (whole, or some heads) by layerKey(set, layer, heads), in LRU order. */
  private readonly layers = new Map<string, AttentionLayer>();
  private readonly requestedLayers = new Set<string>();
  /** Layers the host could not send, with its reason: not asked again for this run. */
  private readonly failedLayers = new Map<string, string>();

  constructor(
    private readonly host: HostLink,
    private readonly onChange: () => void,
  ) {}

  get runId(): number {
    return this.summary?.runId ?? -1;
  }

  setResult(summary: RunSummary): void {
    this.summary = summary;
    this.overviews.clear();
    this.stale = null;
    this.unrevealed = null;
    this.layers.clear();
    this.requestedLayers.clear();
    this.failedLayers.clear();
    this.maskedAt.clear();
    this.distributions.clear();
    this.unmasked = undefined;
  }

  /** What has been asked about this run and has come (for predictionsAt). */
  get derived(): DerivedPredictions {
    return { maskedAt: this.maskedAt, unmasked: Array.isArray(this.unmasked) ? this.unmasked : undefined };
  }

  /**
   * Asks the host about this run; `accept` gets the result only while this run is still shown, and says whether
   * the views changed. A failure is kept by `failed` and shown in the status line.
   */
  private ask<M extends RequestMethod>(
    method: M,
    params: Omit<Params<M>, 'runId'>,
    accept: (result: Result<M>) => boolean,
    failed: (reason: string) => void = () => undefined,
  ): void {
    const runId = this.runId;
    const current = () => runId === this.runId;
    this.host.request(method, { ...params, runId }).then(
      (result) => {
        if (current() && accept(result)) this.onChange();
      },
      (error: Error) => {
        if (!current()) return;
        failed(error.message);
        this.status = { state: 'error', message: error.message };
        this.onChange();
      },
    );
  }

  setOverview(overview: AttentionOverview): boolean {
    if (overview.runId !== this.runId || !this.summary || !attentionSet(this.summary, overview.set)) return false;
    this.overviews.set(overview.set, overview);
    return true;
  }

  /**
   * The layer if it is here with `heads` (default: every head; 'mean': their mean, which the host computes so that a
   * long layer's heads never cross over); otherwise asks the host once for just that and returns undefined (onChange
   * fires on arrival). A whole layer here serves any heads of it, and the mean.
   */
  layer(set: string, index: number, heads?: readonly number[] | 'mean'): AttentionLayer | undefined {
    const s = this.summary;
    const view = s && s.attentionUnavailable === null ? attentionSet(s, set) : undefined;
    if (!s || !view || index < 0 || index >= view.layers) return undefined;
    const mean = heads === 'mean';
    const wanted = heads && heads !== 'mean' && [...new Set(heads)].filter((h) => h >= 0 && h < view.heads).sort((a, b) => a - b);
    const some = wanted && wanted.length > 0 && wanted.length < view.heads ? wanted : undefined;
    const serves = (cached: AttentionLayer) =>
      cached.mean ? mean : cached.only === undefined || (!mean && some?.every((h) => cached.only!.includes(h)));
    for (const [key, cached] of this.layers) {
      if (cached.set !== set || cached.layer !== index || !serves(cached)) continue;
      // Refresh its place in the LRU order.
      this.layers.delete(key);
      this.layers.set(key, cached);
      return cached;
    }
    const asked: LayerHeads | undefined = mean ? 'mean' : some;
    const key = layerKey(set, index, asked);
    // A layer the host could not send is not asked again for other heads either (its reason is shown instead).
    if (!this.requestedLayers.has(key) && !this.failedLayers.has(layerKey(set, index))) {
      this.requestedLayers.add(key);
      const failed = (reason: string) => this.failedLayers.set(layerKey(set, index), reason);
      const params = asked ? { set, layer: index, heads: asked } : { set, layer: index };
      this.ask('layer', params, (layer) => this.acceptLayer(key, set, index, asked, layer), failed);
    }
    return undefined;
  }

  /**
   * A layer as the host must send it: this run's, that set, layer and heads (or their mean), [heads, queries, keys] of
   * the set's lists.
   */
  private acceptLayer(key: string, set: string, index: number, heads: LayerHeads | undefined, layer: AttentionLayer): boolean {
    const view = this.summary ? attentionSet(this.summary, set) : undefined;
    if (!view || layer.runId !== this.runId || layer.set !== set || layer.layer !== index) return false;
    if ((layer.mean === true) !== (heads === 'mean') || layer.only?.join() !== (heads === 'mean' ? undefined : heads?.join())) return false;
    const { queries, keys } = setShape(this.summary!, view);
    const count = layer.mean ? 1 : (layer.only?.length ?? layer.heads);
    if (layer.queries !== queries || layer.keys !== keys || layer.data.length !== count * queries * keys) return false;
    this.layers.set(key, layer);
    while (this.layers.size > MAX_CACHED_LAYERS) {
      const oldest = this.layers.keys().next().value as string;
      this.layers.delete(oldest);
      this.requestedLayers.delete(oldest);
    }
    return true;
  }

  /** What to show while a layer is not here: loading, or why it failed. */
  layerStatus(set: string, index: number): string {
    const failed = this.failedLayers.get(layerKey(set, index));
    return failed !== undefined ? `Layer ${index} could not be loaded: ${failed}` : `Loading layer ${index}…`;
  }

  requestMaskedAt(position: number): void {
    const s = this.summary;
    if (!s?.capabilities.maskPosition || this.maskedAt.has(position)) return;
    this.ask('maskedAt', { position }, (top) => {
      this.maskedAt.set(position, top);
      return true;
    });
  }

  /**
   * The unmasked top-k at a position if it is here; otherwise asks the host once and returns what to show
   * meanwhile (onChange fires on arrival).
   */
  unmaskedAt(position: number): PredictionView[] | { waiting: string } {
    const s = this.summary;
    if (!s?.capabilities.unmasked) return { waiting: 'Only a masked language model predicts at its own tokens.' };
    if (this.unmasked === undefined) {
      this.unmasked = 'asked';
      const accept = (top: PredictionView[][]): boolean => {
        if (top.length !== this.summary?.tokens.length) return false;
        this.unmasked = top;
        return true;
      };
      this.ask('unmasked', {}, accept, (reason) => (this.unmasked = { failed: reason }));
    }
    if (this.unmasked === 'asked') return { waiting: 'Computing the unmasked predictions…' };
    if ('failed' in this.unmasked) return { waiting: `The unmasked predictions could not be computed: ${this.unmasked.failed}` };
    return this.unmasked[position] ?? [];
  }

  /**
   * The whole distribution at a position if it is here; otherwise asks the host once and returns what to show
   * meanwhile (onChange fires on arrival).
   */
  distributionAt(position: number): Distribution | { waiting: string } {
    const s = this.summary;
    if (!s || position < 0 || position >= predictionTokens(s).length) return { waiting: 'No such position in this run.' };
    const known = this.distributions.get(position);
    if (known === undefined) {
      this.distributions.set(position, 'asked');
      const failed = (reason: string) => this.distributions.set(position, { failed: reason });
      this.ask('logits', { position }, (row) => this.acceptLogits(position, row), failed);
      return { waiting: 'Computing the full distribution…' };
    }
    if (known === 'asked') return { waiting: 'Computing the full distribution…' };
    if ('failed' in known) return { waiting: `The full distribution could not be computed: ${known.failed.replace(/[.]?$/, '.')}` };
    // Refresh its place in the LRU order.
    this.distributions.delete(position);
    this.distributions.set(position, known);
    return known;
  }

  /** A logits reply as the host must send it: one finite-or-−∞ logit per vocabulary id, and labels. */
  private acceptLogits(position: number, row: Result<'logits'>): boolean {
    const s = this.summary;
    if (!s) return false;
    const { logits, top } = row;
    const wellFormed =
      logits instanceof Float32Array &&
      logits.length === s.model.vocabSize &&
      logits.every((x) => x < Infinity && !Number.isNaN(x)) &&
      logits.some((x) => x > -Infinity) &&
      Array.isArray(top) &&
      top.every((t) => Number.isInteger(t?.id) && t.id >= 0 && t.id < logits.length && typeof t.token === 'string');
    if (!wellFormed) {
      this.distributions.set(position, { failed: 'the host sent a malformed logits row' });
      return true;
    }
    this.distributions.set(position, rankDistribution(logits, new Map(top.map((t) => [t.id, t.token]))));
    for (const [position, entry] of this.distributions) {
      if (this.distributions.size <= MAX_CACHED_DISTRIBUTIONS) break;
      if (typeof entry === 'object' && 'logits' in entry) this.distributions.delete(position);
    }
    return true;
  }

  /** Asks the host to run the source again with this target (blank: generate); the new run arrives as a result. */
  setTarget(target: string): void {
    this.status = { state: 'running', message: target.trim() ? 'Running with the given target…' : 'Generating the target…' };
    this.ask('setTarget', { target }, () => false);
    this.onChange();
  }

  notify(): void {
    this.onChange();
  }
}

function layerKey(set: string, layer: number, heads?: LayerHeads): string {
  return heads === 'mean' ? `${set}:${layer}:mean` : heads ? `${set}:${layer}:${heads.join(',')}` : `${set}:${layer}`;
}
