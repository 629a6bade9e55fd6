// Predictions. Masked LMs: each mask's top-k, and the top-k at the selected token (optionally with that
// token masked, asked of the host). Causal LMs: the next-token top-k at the selected token under temperature /
// top-k / top-p, re-normalised live over the top-k the host sent; the actual next token; the surprisal strip.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { PredictionView } from '../../src/protocol';
import type { App, View } from '../app';
import { resample } from '../render/sampling';
import { BarList, barsToCanvas, type Bar } from './barList';
import { tokenLabel } from './describe';
import { SamplingPanel } from './samplingPanel';
import { SurprisalStrip } from './surprisalStrip';

export interface BarGroup {
  title: string;
  bars: Bar[];
  note?: string;
}

/** The prediction groups for the current run and selection; shared by this view and the side view. */
export function predictionGroups(app: App, position: number | null): BarGroup[] {
  const s = app.data.summary;
  if (!s) return [];
  const p = s.predictions;
  const plain = (top: PredictionView[]): Bar[] => top.map((t) => ({ label: t.token, value: t.probability }));
  const groups: BarGroup[] = [];
  if (p.kind === 'masked') {
    for (const m of p.masks) groups.push({ title: `${s.model.maskToken ?? 'Mask'} at #${m.position}`, bars: plain(m.top) });
    if (position !== null) {
      const label = JSON.stringify(tokenLabel(s.tokens[position]));
      const unmasked = app.data.unmaskedAt(position);
      const title = `What the model sees at #${position} ${label} (unmasked)`;
      groups.push(Array.isArray(unmasked) ? { title, bars: plain(unmasked) } : { title, bars: [], note: unmasked.waiting });
      const masked = app.data.maskedAt.get(position);
      if (masked) groups.push({ title: `#${position} ${label} when it alone is masked`, bars: plain(masked) });
    }
    return groups;
  }
  const at = position ?? s.tokens.length - 1;
  const top = p.next[at] ?? [];
  const st = app.state;
  const shown = resample(top, st);
  const actualToken = s.tokens[at + 1];
  const actualP = p.actual[at + 1] ?? null;
  const bars: Bar[] = shown.map((r) => ({
    label: r.prediction.token,
    value: r.adjusted,
    ghost: r.prediction.probability,
    muted: !r.kept,
    highlight: actualToken !== undefined && r.prediction.id === actualToken.id,
    valueText: r.kept ? `${r.adjusted.toFixed(4)} (was ${r.prediction.probability.toFixed(4)})` : `cut (was ${r.prediction.probability.toFixed(4)})`,
  }));
  const kept = shown.filter((r) => r.kept).length;
  const note = actualToken
    ? `Actual next token ${JSON.stringify(tokenLabel(actualToken))}: p = ${actualP === null ? '—' : actualP.toFixed(4)}${top.some((t) => t.id === actualToken.id) ? '' : ' (not in the shown top-k)'}`
    : 'This is the last token: there is no actual next token.';
  groups.push({
    title: `Next token after #${at} ${JSON.stringify(tokenLabel(s.tokens[at]))} · T=${st.temperature.toFixed(2)}, top-k=${Math.min(st.topK, top.length)}, top-p=${st.topP.toFixed(2)} → ${kept} kept`,
    bars,
    note,
  });
  return groups;
}

export class PredictionsView implements View {
  readonly element = document.createElement('div');
  private readonly groupsEl = document.createElement('div');
  private readonly sampling;
  private readonly strip;
  private readonly maskButton = document.createElement('vscode-button');
  private key = '';

  constructor(private readonly app: App) {
    this.element.className = 'view predictions-view';
    this.sampling = new SamplingPanel(app);
    this.strip = new SurprisalStrip(app);
    this.maskButton.textContent = 'Predict this token masked';
    this.maskButton.setAttribute('aria-label', 'Ask the model for the selected token when it alone is masked');
    this.maskButton.addEventListener('click', () => {
      const sel = this.app.state.selected;
      if (sel !== null) this.app.data.requestMaskedAt(sel);
    });
    this.groupsEl.className = 'prediction-groups';
    this.element.append(this.sampling.element, this.maskButton, this.groupsEl, this.strip.element);
  }

  render(): void {
    const s = this.app.data.summary;
    const causal = s?.predictions.kind === 'causal';
    this.sampling.element.hidden = !causal;
    this.strip.element.hidden = !causal;
    this.maskButton.hidden = causal || !s || this.app.state.selected === null;
    if (causal) {
      this.sampling.render();
      this.strip.render();
    }
    const groups = predictionGroups(this.app, this.app.state.selected);
    const key = JSON.stringify(groups);
    if (key === this.key) return;
    this.key = key;
    this.groupsEl.replaceChildren(
      ...groups.map((g) => {
        const section = document.createElement('section');
        section.className = 'prediction-group';
        const h = document.createElement('div');
        h.className = 'section-title';
        h.textContent = g.title;
        const list = new BarList(g.title);
        list.set(g.bars);
        section.append(h, list.element);
        if (g.note) {
          const note = document.createElement('div');
          note.className = 'note actual-next';
          note.textContent = g.note;
          section.append(note);
        }
        return section;
      }),
    );
    if (s?.predictions.kind === 'masked' && this.app.state.selected === null) {
      const hint = document.createElement('div');
      hint.className = 'note';
      hint.textContent = 'Select a token (Tokens tab, or click in any view) to see what the model predicts at that position.';
      this.groupsEl.append(hint);
    }
    if (!groups.length && !this.groupsEl.childElementCount) this.groupsEl.textContent = s ? 'No predictions in this result.' : 'No result yet.';
  }

  exportCanvas(): HTMLCanvasElement {
    return barsToCanvas(predictionGroups(this.app, this.app.state.selected));
  }
}
