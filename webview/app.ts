// Application state shared by every view: the UI state (persisted), the run data, and one redraw per frame.
import {
  FromWebviewType,
  predictionList,
  tokenList,
  type AttentionLayer,
  type AttentionSetView,
  type TokenListName,
} from '../src/protocol';
import type { HeadRef } from '../src/protocol/ablation';
import type { HostLink } from './host';
import { AblationData } from './ablation';
import { RunData } from './runData';
import { clampToRun, restoreState, type UiState } from './state';

export interface View {
  readonly element: HTMLElement;
  /** Redraw from app.state / app.data; cheap when nothing the view shows has changed. */
  render(): void;
  /**
   * Draws the view for export through fitCanvas, which the export answers with its own surface (a 2× canvas or
   * an SVG surface, see captureDrawing); returns the canvas drawn on when nothing captures it.
   */
  exportCanvas(): HTMLCanvasElement;
}

export class App {
  state: UiState;
  readonly data: RunData;
  /** The host's predictions with the chosen heads ablated (see ablation.ts). */
  readonly ablation: AblationData;
  private readonly listeners: (() => void)[] = [];
  private framePending = false;
  /** A view that should take the keyboard focus once it shows (see openMatrix). */
  private focusRequest: 'matrix' | null = null;

  constructor(readonly host: HostLink) {
    this.state = restoreState(host.getState());
    this.data = new RunData(host, () => this.invalidate());
    this.ablation = new AblationData(host, () => this.invalidate());
  }

  update(patch: Partial<UiState>): void {
    this.state = { ...this.state, ...patch };
    this.host.setState(this.state);
    this.invalidate();
  }

  /** Selects a token in every view; reveal also selects its span in the editor, unless the run is stale. */
  select(index: number | null, reveal: boolean): void {
    const summary = this.data.summary;
    if (index !== null && (!summary || index < 0 || index >= summary.tokens.length)) return;
    this.update({ selected: index });
    if (!reveal || index === null || !summary) return;
    // The editor's text no longer matches a stale run's spans: say why instead of revealing nothing.
    if (this.data.stale !== null) this.data.unrevealed = index;
    else this.host.post({ type: FromWebviewType.RevealToken, runId: summary.runId, index });
  }

  /** Pins the selected token (the cursor and the mouse no longer move it), or unpins; nothing to pin without a selection. */
  togglePin(): void {
    this.update({ pinned: !this.state.pinned && this.state.selected !== null });
  }

  /** Whether the selected token is pinned. */
  get pinned(): boolean {
    return this.state.pinned && this.state.selected !== null;
  }

  /** Selects a token of the run's second list (the target); it has no span in the editor, so nothing is revealed. */
  selectTarget(index: number | null): void {
    const summary = this.data.summary;
    if (index !== null && (!summary || index < 0 || index >= tokenList(summary, 'target').length)) return;
    this.update({ targetSelected: index });
  }

  /** Selects a token of either list: the input's is revealed in the editor when `reveal`. */
  selectIn(list: TokenListName, index: number | null, reveal: boolean): void {
    if (list === 'target') this.selectTarget(index);
    else this.select(index, reveal);
  }

  /** The selected token of the list the run's predictions index (the target of an encoder–decoder run). */
  predictionSelection(): number | null {
    const s = this.data.summary;
    return s && predictionList(s) === 'target' ? this.state.targetSelected : this.state.selected;
  }

  /** Opens a head in the matrix; the focus goes with it (it would otherwise stay on the view that just hid). */
  openMatrix(layer: number, head: number | 'mean'): void {
    this.focusRequest = 'matrix';
    this.update({ tab: 'matrix', layer, head, zoom: 0, panX: 0, panY: 0 });
  }

  /** The view to focus now, once (the layout asks after it rendered). */
  takeFocusRequest(): 'matrix' | null {
    const tab = this.focusRequest;
    this.focusRequest = null;
    return tab;
  }

  /** Takes the inspector's layer and head (side view), kept within this run's model. */
  followInspector(): void {
    const focus = this.data.inspectorFocus;
    const s = this.data.summary;
    if (!focus) return;
    this.state = s ? clampToRun({ ...this.state, ...focus }, s) : { ...this.state, ...focus };
    this.host.setState(this.state);
    this.invalidate();
  }

  /** The attention set the views show: the selected one, or the run's first; undefined without attention. */
  attentionSet(): AttentionSetView | undefined {
    const sets = this.data.summary?.attentionSets ?? [];
    return sets.find((a) => a.name === this.state.set) ?? sets[0];
  }

  /** Shows another attention set: its layer and heads are kept where it has them, the matrix is fitted anew. */
  selectSet(name: string): void {
    const s = this.data.summary;
    if (!s || !s.attentionSets.some((a) => a.name === name)) return;
    this.state = clampToRun({ ...this.state, set: name, zoom: 0, panX: 0, panY: 0 }, s);
    this.host.setState(this.state);
    this.invalidate();
  }

  /**
   * The shown set's layer as RunData has it (fetched on first use), with `heads` (a view's shown heads) or whole;
   * `head` as the matrix and side views take it: one head, or 'mean' (every head).
   */
  shownLayer(heads?: readonly number[] | number | 'mean'): AttentionLayer | undefined {
    const set = this.attentionSet();
    const some = typeof heads === 'number' ? [heads] : heads;
    return set ? this.data.layer(set.name, this.state.layer, some) : undefined;
  }

  /** Called when a result arrives: indices from the previous run may be out of range, and its token is not this one's. */
  adoptRun(): void {
    const s = this.data.summary;
    if (!s) return;
    const selection =
      this.state.selectionRun === s.runId ? {} : { selected: null, targetSelected: null, selectionRun: s.runId, pinned: false };
    this.state = clampToRun({ ...this.state, ...selection }, s);
    this.host.setState(this.state);
    this.invalidate();
  }

  /** The ablation of the shown run with the chosen heads and mode. */
  ablationStatus() {
    return this.ablation.status(this.data.summary, this.state.ablated, this.state.ablationMode);
  }

  /**
   * Adds a head to the ablated ones, or takes it out (where the run's model can take a head gate); in a model with
   * several attention sets, a head of the shown set.
   */
  toggleAblated(layer: number, head: number): void {
    const can = this.data.summary?.ablation;
    if (can?.available !== true) return;
    const ref = can.sets ? { set: this.state.set, layer, head } : { layer, head };
    const same = (h: HeadRef) => h.layer === layer && h.head === head && h.set === ref.set;
    const has = this.state.ablated.some(same);
    const ablated = has ? this.state.ablated.filter((h) => !same(h)) : [...this.state.ablated, ref];
    this.update({ ablated: ablated.sort((a, b) => (a.set ?? '').localeCompare(b.set ?? '') || a.layer - b.layer || a.head - b.head) });
  }

  onRender(listener: () => void): void {
    this.listeners.push(listener);
  }

  invalidate(): void {
    if (this.framePending) return;
    this.framePending = true;
    requestAnimationFrame(() => {
      this.framePending = false;
      for (const l of this.listeners) l();
    });
  }
}
