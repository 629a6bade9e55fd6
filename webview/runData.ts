// The current run as the webview knows it: summary, an overview per attention set, and a small cache of full layers
// (by set and layer) fetched on demand. Everything from an older run (by runId) is dropped on arrival.
import {
  FromWebviewType,
  type AttentionLayer,
  type AttentionOverview,
  type PredictionView,
  type ReplyMessage,
  type ReplyPayload,
  type RunSummary,
  attentionSet,
  tokenList,
} from '../src/protocol';
import type { Host } from './host';
import { rankDistribution, type Distribution } from './render/sampling';

// A 1024-token layer of 12 heads is 50 MB: keep only a few.
const MAX_CACHED_LAYERS = 3;
// A GPT-2 logits row and its ranking are 400 KB.
const MAX_CACHED_DISTRIBUTIONS = 16;

type Pending =
  | { kind: 'layer'; runId: number; set: string; layer: number }
  | { kind: 'maskedAt'; runId: number; position: number }
  | { kind: 'unmasked'; runId: number }
  | { kind: 'logits'; runId: number; position: number };

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
  /** Top-k when only that position is masked (masked LMs), by position. */
  readonly maskedAt = new Map<number, PredictionView[]>();
  /** A masked LM's top-k at every position, nothing masked: asked for once per run, when first shown. */
  private unmasked: PredictionView[][] | 'asked' | { failed: string } | undefined;
  /** The whole distribution at a position (logits from the host), by position: asked for when first shown. */
  private readonly distributions = new Map<number, Distribution | 'asked' | { failed: string }>();
  /** Full layers by layerKey(set, layer), in LRU order. */
  private readonly layers = new Map<string, AttentionLayer>();
  private readonly pending = new Map<number, Pending>();
  private readonly requestedLayers = new Set<string>();
  /** Layers the host could not send, with its reason: not asked again for this run. */
  private readonly failedLayers = new Map<string, string>();

  constructor(
    private readonly host: Host,
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
    this.pending.clear();
  }

  setOverview(overview: AttentionOverview): boolean {
    if (overview.runId !== this.runId || !this.summary || !attentionSet(this.summary, overview.set)) return false;
    this.overviews.set(overview.set, overview);
    return true;
  }

  /** The layer if it is here; otherwise asks the host once and returns undefined (onChange fires on arrival). */
  layer(set: string, index: number): AttentionLayer | undefined {
    const s = this.summary;
    const view = s && s.attentionUnavailable === null ? attentionSet(s, set) : undefined;
    if (!s || !view || index < 0 || index >= view.layers) return undefined;
    const key = layerKey(set, index);
    const cached = this.layers.get(key);
    if (cached) {
      // Refresh its place in the LRU order.
      this.layers.delete(key);
      this.layers.set(key, cached);
      return cached;
    }
    if (!this.requestedLayers.has(key)) {
      this.requestedLayers.add(key);
      const requestId = this.host.requestId();
      this.pending.set(requestId, { kind: 'layer', runId: s.runId, set, layer: index });
      this.host.post({ type: FromWebviewType.RequestLayer, requestId, runId: s.runId, set, layer: index });
    }
    return undefined;
  }

  /** What to show while a layer is not here: loading, or why it failed. */
  layerStatus(set: string, index: number): string {
    const failed = this.failedLayers.get(layerKey(set, index));
    return failed !== undefined ? `Layer ${index} could not be loaded: ${failed}` : `Loading layer ${index}…`;
  }

  requestMaskedAt(position: number): void {
    const s = this.summary;
    if (!s || s.model.kind !== 'masked' || this.maskedAt.has(position)) return;
    const requestId = this.host.requestId();
    this.pending.set(requestId, { kind: 'maskedAt', runId: s.runId, position });
    this.host.post({ type: FromWebviewType.RequestMaskedAt, requestId, runId: s.runId, position });
  }

  /**
   * The unmasked top-k at a position if it is here; otherwise asks the host once and returns what to show
   * meanwhile (onChange fires on arrival).
   */
  unmaskedAt(position: number): PredictionView[] | { waiting: string } {
    const s = this.summary;
    if (!s || s.model.kind !== 'masked') return { waiting: 'Only a masked language model predicts at its own tokens.' };
    if (this.unmasked === undefined) {
      this.unmasked = 'asked';
      const requestId = this.host.requestId();
      this.pending.set(requestId, { kind: 'unmasked', runId: s.runId });
      this.host.post({ type: FromWebviewType.RequestUnmasked, requestId, runId: s.runId });
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
    if (!s || position < 0 || position >= s.tokens.length) return { waiting: 'No such position in this run.' };
    const known = this.distributions.get(position);
    if (known === undefined) {
      this.distributions.set(position, 'asked');
      const requestId = this.host.requestId();
      this.pending.set(requestId, { kind: 'logits', runId: s.runId, position });
      this.host.post({ type: FromWebviewType.RequestLogits, requestId, runId: s.runId, position });
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
  private acceptLogits(request: { position: number }, result: Extract<ReplyPayload, { kind: 'logits' }>): boolean {
    const s = this.summary;
    if (!s || result.runId !== this.runId || result.position !== request.position) return false;
    const { logits, top } = result;
    const wellFormed =
      logits instanceof Float32Array &&
      logits.length === s.model.vocabSize &&
      logits.every((x) => x < Infinity && !Number.isNaN(x)) &&
      logits.some((x) => x > -Infinity) &&
      Array.isArray(top) &&
      top.every((t) => Number.isInteger(t?.id) && t.id >= 0 && t.id < logits.length && typeof t.token === 'string');
    if (!wellFormed) {
      this.distributions.set(request.position, { failed: 'the host sent a malformed logits row' });
      return true;
    }
    this.distributions.set(request.position, rankDistribution(logits, new Map(top.map((t) => [t.id, t.token]))));
    for (const [position, entry] of this.distributions) {
      if (this.distributions.size <= MAX_CACHED_DISTRIBUTIONS) break;
      if (typeof entry === 'object' && 'logits' in entry) this.distributions.delete(position);
    }
    return true;
  }

  /** Returns true when the reply changed what is shown. */
  handleReply(message: ReplyMessage): boolean {
    const request = this.pending.get(message.inReplyTo);
    if (!request) return false;
    this.pending.delete(message.inReplyTo);
    if (request.runId !== this.runId) return false;
    if (message.error !== undefined || !message.result) {
      if (request.kind === 'layer') this.failedLayers.set(layerKey(request.set, request.layer), message.error ?? 'empty reply');
      if (request.kind === 'unmasked') this.unmasked = { failed: message.error ?? 'empty reply' };
      if (request.kind === 'logits') this.distributions.set(request.position, { failed: message.error ?? 'empty reply' });
      this.status = { state: 'error', message: message.error ?? 'The host sent an empty reply.' };
      return true;
    }
    const result = message.result;
    if (result.kind === 'layer') {
      const layer = result.layer;
      if (request.kind !== 'layer' || !this.wellFormedLayer(layer, request)) return false;
      this.layers.set(layerKey(layer.set, layer.layer), layer);
      while (this.layers.size > MAX_CACHED_LAYERS) {
        const oldest = this.layers.keys().next().value as string;
        this.layers.delete(oldest);
        this.requestedLayers.delete(oldest);
      }
      return true;
    }
    if (result.kind === 'maskedAt') {
      if (result.runId !== this.runId) return false;
      this.maskedAt.set(result.position, result.top);
      return true;
    }
    if (result.kind === 'logits') return request.kind === 'logits' && this.acceptLogits(request, result);
    if (result.kind === 'unmasked') {
      if (result.runId !== this.runId || result.atPosition.length !== this.summary?.tokens.length) return false;
      this.unmasked = result.atPosition;
      return true;
    }
    return false;
  }

  /** A layer as asked for: this run, that set and layer, [heads, queries, keys] of the set's lists. */
  private wellFormedLayer(layer: AttentionLayer, request: { set: string; layer: number }): boolean {
    const set = this.summary ? attentionSet(this.summary, request.set) : undefined;
    if (!set || layer.runId !== this.runId || layer.set !== request.set || layer.layer !== request.layer) return false;
    const [queries, keys] = [tokenList(this.summary!, set.queries).length, tokenList(this.summary!, set.keys).length];
    return layer.queries === queries && layer.keys === keys && layer.data.length === layer.heads * queries * keys;
  }

  notify(): void {
    this.onChange();
  }
}

function layerKey(set: string, layer: number): string {
  return `${set}:${layer}`;
}
