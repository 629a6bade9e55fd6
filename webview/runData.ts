// The current run as the webview knows it: summary, overview, and a small cache of full layers fetched on
// demand. Everything from an older run (by runId) is dropped on arrival.
import {
  FromWebviewType,
  type AttentionLayer,
  type AttentionOverview,
  type PredictionView,
  type ReplyMessage,
  type RunSummary,
} from '../src/protocol';
import type { Host } from './host';

// A 1024-token layer of 12 heads is 50 MB: keep only a few.
const MAX_CACHED_LAYERS = 3;

type Pending = { kind: 'layer'; runId: number; layer: number } | { kind: 'maskedAt'; runId: number; position: number } | { kind: 'unmasked'; runId: number };

export class RunData {
  summary: RunSummary | null = null;
  overview: AttentionOverview | null = null;
  stale: string | null = null;
  status: { state: 'running' | 'idle' | 'error'; message: string } | null = null;
  /** The inspector's layer and head as last heard (the side view follows them when asked to). */
  inspectorFocus: { layer: number; head: number | 'mean' } | null = null;
  /** Top-k when only that position is masked (masked LMs), by position. */
  readonly maskedAt = new Map<number, PredictionView[]>();
  /** A masked LM's top-k at every position, nothing masked: asked for once per run, when first shown. */
  private unmasked: PredictionView[][] | 'asked' | { failed: string } | undefined;
  private readonly layers = new Map<number, AttentionLayer>();
  private readonly pending = new Map<number, Pending>();
  private readonly requestedLayers = new Set<number>();
  /** Layers the host could not send, with its reason: not asked again for this run. */
  private readonly failedLayers = new Map<number, string>();

  constructor(
    private readonly host: Host,
    private readonly onChange: () => void,
  ) {}

  get runId(): number {
    return this.summary?.runId ?? -1;
  }

  setResult(summary: RunSummary): void {
    this.summary = summary;
    this.overview = null;
    this.stale = null;
    this.layers.clear();
    this.requestedLayers.clear();
    this.failedLayers.clear();
    this.maskedAt.clear();
    this.unmasked = undefined;
    this.pending.clear();
  }

  setOverview(overview: AttentionOverview): boolean {
    if (overview.runId !== this.runId) return false;
    this.overview = overview;
    return true;
  }

  /** The layer if it is here; otherwise asks the host once and returns undefined (onChange fires on arrival). */
  layer(index: number): AttentionLayer | undefined {
    const s = this.summary;
    if (!s || s.attentionUnavailable !== null || index < 0 || index >= s.model.layers) return undefined;
    const cached = this.layers.get(index);
    if (cached) {
      // Refresh its place in the LRU order.
      this.layers.delete(index);
      this.layers.set(index, cached);
      return cached;
    }
    if (!this.requestedLayers.has(index)) {
      this.requestedLayers.add(index);
      const requestId = this.host.requestId();
      this.pending.set(requestId, { kind: 'layer', runId: s.runId, layer: index });
      this.host.post({ type: FromWebviewType.RequestLayer, requestId, runId: s.runId, layer: index });
    }
    return undefined;
  }

  /** What to show while a layer is not here: loading, or why it failed. */
  layerStatus(index: number): string {
    const failed = this.failedLayers.get(index);
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

  /** Returns true when the reply changed what is shown. */
  handleReply(message: ReplyMessage): boolean {
    const request = this.pending.get(message.inReplyTo);
    if (!request) return false;
    this.pending.delete(message.inReplyTo);
    if (request.runId !== this.runId) return false;
    if (message.error !== undefined || !message.result) {
      if (request.kind === 'layer') this.failedLayers.set(request.layer, message.error ?? 'empty reply');
      if (request.kind === 'unmasked') this.unmasked = { failed: message.error ?? 'empty reply' };
      this.status = { state: 'error', message: message.error ?? 'The host sent an empty reply.' };
      return true;
    }
    const result = message.result;
    if (result.kind === 'layer') {
      const layer = result.layer;
      const expected = layer.heads * layer.tokens * layer.tokens;
      if (layer.runId !== this.runId || layer.data.length !== expected) return false;
      this.layers.set(layer.layer, layer);
      while (this.layers.size > MAX_CACHED_LAYERS) {
        const oldest = this.layers.keys().next().value as number;
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
    if (result.kind === 'unmasked') {
      if (result.runId !== this.runId || result.atPosition.length !== this.summary?.tokens.length) return false;
      this.unmasked = result.atPosition;
      return true;
    }
    return false;
  }

  notify(): void {
    this.onChange();
  }
}
