// The side view: compact. The token under the editor cursor (FocusToken) or picked here, a layer and head
// selector (which can follow the inspector's), the tokens it attends to most (or, in cross-attention, the target
// tokens that attend to it most), and the predictions.
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { headName, layerSuffix, tokenList, type TokenListName } from '../../src/protocol';
import type { App, View } from '../app';
import { attendedBy, attendsTo, headMap } from '../render/attention';
import { BarList, barsToCanvas, type Bar } from './barList';
import { headSelect, layerSelect, setSelect, updateHeadSelect, updateLayerSelect, updateSetSelect } from './controls';
import { tokenLabel } from './describe';
import { PinToggle } from './pinToggle';
import { predictionGroups } from './predictionsView';
import { tokenTitle } from './tokensView';

const TOP_KEYS = 10;

export class SidebarView implements View {
  readonly element = document.createElement('div');
  private readonly token = document.createElement('div');
  private readonly setSel;
  private readonly layerSel;
  private readonly headSel;
  private readonly attendsTitle = document.createElement('div');
  private readonly attends;
  private readonly predictions = document.createElement('div');
  private readonly follow = document.createElement('vscode-checkbox');
  private readonly pin;
  private predictionsKey = '';

  constructor(private readonly app: App) {
    this.element.className = 'view sidebar-view';
    this.setSel = setSelect(app);
    this.layerSel = layerSelect(app);
    this.headSel = headSelect(app);
    this.pin = new PinToggle(app);
    this.attends = new BarList('Tokens the selected token attends to', (i) => this.app.select(i, true));
    this.token.className = 'focus-token';
    this.token.setAttribute('aria-live', 'polite');
    const selectors = document.createElement('div');
    selectors.className = 'selectors';
    this.follow.textContent = 'Follow the inspector’s layer and head';
    this.follow.className = 'follow-inspector';
    this.follow.addEventListener('change', () => this.setFollow(this.follow.checked));
    selectors.append(this.setSel.element, this.layerSel.element, this.headSel.element, this.follow, this.pin.element);
    this.attendsTitle.className = 'section-title';
    this.predictions.className = 'prediction-groups';
    this.element.append(this.token, selectors, this.attendsTitle, this.attends.element, this.predictions);
  }

  private setFollow(on: boolean): void {
    this.app.update({ followInspector: on });
    if (on) this.app.followInspector();
  }

  /**
   * The selected input token's strongest links in the shown set: the keys it attends to where its list asks (the
   * queries are the input), else the queries that attend to it (cross-attention: target tokens attending to the source).
   */
  private links(): { bars: Bar[]; verb: string } {
    const s = this.app.data.summary;
    const sel = this.app.state.selected;
    const set = this.app.attentionSet();
    const layer = set && (set.queries === 'input' || set.keys === 'input') ? this.app.shownLayer(this.app.state.head) : undefined;
    if (!s || !set || sel === null || !layer) return { bars: [], verb: 'Attends to' };
    const map = headMap(layer, this.app.state.head);
    // Only a token of the input can be revealed in the editor.
    const index = (list: TokenListName, i: number): number | undefined => (list === 'input' ? i : undefined);
    const bar = (list: TokenListName) => (r: { index: number; weight: number }) => ({
      label: `#${r.index} ${tokenLabel(tokenList(s, list)[r.index])}`,
      value: r.weight,
      index: index(list, r.index),
    });
    if (set.queries === 'input') return { bars: attendsTo(map, layer.keys, sel, TOP_KEYS).map(bar(set.keys)), verb: 'Attends to' };
    const verb = `Attended by ${set.queries} tokens`;
    return { bars: attendedBy(map, layer.queries, layer.keys, sel, TOP_KEYS).map(bar(set.queries)), verb };
  }

  render(): void {
    if (this.follow.checked !== this.app.state.followInspector) this.follow.checked = this.app.state.followInspector;
    updateSetSelect(this.setSel, this.app);
    updateLayerSelect(this.layerSel, this.app);
    updateHeadSelect(this.headSel, this.app);
    this.pin.render();
    const s = this.app.data.summary;
    const sel = this.app.state.selected;
    if (!s) this.token.textContent = 'No result yet: inspect a selection.';
    else if (sel === null) this.token.textContent = 'Move the cursor onto an inspected token, or pick one in the inspector.';
    else {
      const pinned = this.app.pinned ? 'Pinned (the cursor does not move it): ' : '';
      this.token.textContent = `${pinned}${JSON.stringify(tokenLabel(s.tokens[sel]))} — ${tokenTitle(s.tokens[sel])}`;
    }
    const { layer, head } = this.app.state;
    const { bars, verb } = this.links();
    this.attendsTitle.textContent = s?.attentionUnavailable
      ? `Attention is not available: ${s.attentionUnavailable}`
      : sel === null
        ? ''
        : bars.length
          ? `${verb} (layer ${layer}${layerSuffix(s?.model, layer)}, ${headName(s?.model, head)})`
          : this.app.data.layerStatus(this.app.state.set, this.app.state.layer);
    this.attends.set(bars);
    const groups = predictionGroups(this.app, this.app.predictionSelection(), false);
    const key = JSON.stringify(groups);
    if (key !== this.predictionsKey) {
      this.predictionsKey = key;
      this.predictions.replaceChildren(
        ...groups.map((g) => {
          const title = document.createElement('div');
          title.className = 'section-title';
          title.textContent = g.title;
          const list = new BarList(g.title);
          list.set(g.bars.map((b) => ({ ...b, ghost: undefined, valueText: undefined })));
          const wrap = document.createElement('section');
          wrap.append(title, list.element);
          if (g.note) {
            const note = document.createElement('div');
            note.className = 'note';
            note.textContent = g.note;
            wrap.append(note);
          }
          return wrap;
        }),
      );
    }
  }

  private groups(): { title: string; bars: Bar[] }[] {
    return [
      { title: this.attendsTitle.textContent ?? '', bars: this.links().bars },
      ...predictionGroups(this.app, this.app.predictionSelection(), false),
    ];
  }

  exportCanvas(): HTMLCanvasElement {
    return barsToCanvas(this.groups(), 360);
  }
}
