// Predictions, from what predictionsAt says at the selected token. Fill-mask runs: each mask's top-k, and the top-k
// at the selected token (optionally with that token masked, asked of the host). Next-token runs: the next-token
// distribution at the selected token; the actual next token; the surprisal strip. Temperature, top-k and top-p
// apply to the whole distribution at one position (samplingPosition), from the logits the host sends when shown.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import {
  defaultPosition,
  maskFills,
  predictionList,
  predictionsAt,
  predictionTokens,
  samplingPosition as rankedSamplingPosition,
  type PredictionView,
} from '../../src/protocol';
import type { App, View } from '../app';
import { formatProbability, sample, TOP_K_ALL } from '../render/sampling';
import { ablationGroups } from './ablationGroups';
import { AblationBar } from './ablationBar';
import { BarList, barsToCanvas, type Bar } from './barList';
import { tokenLabel } from './describe';
import { SamplingPanel } from './samplingPanel';
import { SurprisalStrip } from './surprisalStrip';

export interface BarGroup {
  title: string;
  bars: Bar[];
  note?: string;
}

/** Rows listed under the sampling controls: at least the ten best (cut ones muted), at most the top-k maximum. */
const MIN_ROWS = 10;
const MAX_ROWS = 100;

const plain = (top: PredictionView[]): Bar[] => top.map((t) => ({ label: t.token, value: t.probability }));
const count = (n: number) => n.toLocaleString('en-US');

/** The position whose whole distribution the sampling controls apply to, or null (a run that ranked nothing). */
export function samplingPosition(app: App, position: number | null): number | null {
  const s = app.data.summary;
  return s ? rankedSamplingPosition(s, position) : null;
}

interface Actual {
  id: number;
  /** The model's probability of it, from the run. */
  probability: number | null;
}

/** "target " where the predictions are over an encoder–decoder run's target, so the headings say which list. */
const listWord = (app: App): string => (app.data.summary && predictionList(app.data.summary) === 'target' ? 'target ' : '');

const actualText = (app: App, at: number) =>
  `Actual next ${listWord(app)}token ${JSON.stringify(tokenLabel(predictionTokens(app.data.summary!)[at + 1]))}`;

/** The run's top-k as it came, without sampling; `why` says why, when it is in place of a sampled group. */
function modelGroup(app: App, at: number, heading: string, top: PredictionView[], actual?: Actual, why?: string): BarGroup {
  const notes = why ? [why] : [];
  if (actual?.probability != null)
    notes.push(
      `${actualText(app, at)}: p = ${formatProbability(actual.probability)}` +
        `${top.some((t) => t.id === actual.id) ? '' : ' (not in this top-k)'}.`,
    );
  const bars = top.map((t) => ({ label: t.token, value: t.probability, highlight: t.id === actual?.id }));
  return { title: heading, bars, note: notes.length ? notes.join(' ') : undefined };
}

/**
 * The sampled distribution at `at` as bars: the resulting probabilities, the model's own as faint bars. While the
 * logits are on their way (or failed), the run's top-k as it came, with a note that says so.
 */
function sampledGroup(app: App, at: number, heading: string, top: PredictionView[], actual?: Actual): BarGroup {
  const d = app.data.distributionAt(at);
  if ('waiting' in d)
    return modelGroup(app, at, heading, top, actual, `${d.waiting} Meanwhile: the model's top-${top.length}, without sampling.`);
  const actualId = actual?.id;
  const st = app.state;
  const r = sample(d, st);
  const vocab = d.order.length;
  const rows = Math.min(vocab, Math.max(MIN_ROWS, Math.min(r.kept, MAX_ROWS)));
  const bars: Bar[] = [];
  for (let i = 0; i < rows; i++) {
    const id = d.order[i];
    const kept = i < r.kept;
    bars.push({
      label: d.labels.get(id) ?? `id ${id}`,
      value: r.adjusted[i],
      ghost: r.model[i],
      muted: !kept,
      highlight: id === actualId,
      valueText: `${kept ? formatProbability(r.adjusted[i]) : 'cut'} (model ${formatProbability(r.model[i])})`,
    });
  }
  const topK = st.topK === TOP_K_ALL ? 'all' : String(Math.min(st.topK, vocab));
  const notes = [`The ${count(r.kept)} kept tokens hold ${(100 * r.keptMass).toPrecision(3)} % of the model's probability.`];
  if (r.kept > rows) notes.push(`${count(r.kept - rows)} more kept tokens are not listed.`);
  if (actualId !== undefined) {
    const rank = d.order.indexOf(actualId);
    const after = rank < r.kept ? `${formatProbability(r.adjusted[rank])} after sampling` : 'cut by the sampling';
    notes.push(`${actualText(app, at)}: p = ${formatProbability(r.model[rank])}, rank ${count(rank + 1)} of ${count(vocab)}; ${after}.`);
  }
  return {
    title:
      `${heading} · T=${st.temperature.toFixed(2)}, top-k=${topK}, top-p=${st.topP.toFixed(2)} → ${count(r.kept)} ` +
      `of ${count(vocab)} kept`,
    bars,
    note: notes.join(' '),
  };
}

/**
 * The prediction groups for the current run and selection, then the same positions with the chosen heads ablated;
 * shared by this view and the side view, which has no sampling controls (`sampling` false: the run's top-k as the
 * model gave it, and no logits are asked for).
 */
export function predictionGroups(app: App, position: number | null, sampling = true): BarGroup[] {
  return [...runGroups(app, position, sampling), ...ablationGroups(app, position)];
}

function runGroups(app: App, position: number | null, sampling: boolean): BarGroup[] {
  const s = app.data.summary;
  if (!s) return [];
  const groups: BarGroup[] = [];
  const sampled = sampling ? samplingPosition(app, position) : null;
  // The run's own rankings of positions other than the selected one (each mask's fills) come first.
  for (const r of maskFills(s)) {
    const heading = `${s.model.maskToken ?? 'Mask'} at #${r.position}`;
    groups.push(r.position === sampled ? sampledGroup(app, r.position, heading, r.top) : { title: heading, bars: plain(r.top) });
  }
  // With nothing selected, a next-token run shows what comes after the text.
  const at = predictionsAt(s, position ?? defaultPosition(s) ?? -1, app.data.derived);
  if (!at) return groups;
  if (at.next) {
    const heading = `Next ${listWord(app)}token after #${at.position} ${JSON.stringify(tokenLabel(at.token))}`;
    const after = at.next.actual;
    const actual = after && { id: after.token.id, probability: after.probability };
    const group = (sampling ? sampledGroup : modelGroup)(app, at.position, heading, at.next.top, actual);
    if (!after) group.note = `${group.note ? `${group.note} ` : ''}This is the last token: there is no actual next token.`;
    groups.push(group);
  }
  const label = JSON.stringify(tokenLabel(at.token));
  if (at.unmasked) {
    const unmasked = app.data.unmaskedAt(at.position);
    const title = `What the model sees at #${at.position} ${label} (unmasked)`;
    groups.push(Array.isArray(unmasked) ? { title, bars: plain(unmasked) } : { title, bars: [], note: unmasked.waiting });
  }
  if (at.maskedHere?.top) groups.push({ title: `#${at.position} ${label} when it alone is masked`, bars: plain(at.maskedHere.top) });
  return groups;
}

export class PredictionsView implements View {
  readonly element = document.createElement('div');
  private readonly groupsEl = document.createElement('div');
  private readonly sampling;
  private readonly strip;
  private readonly maskButton = document.createElement('vscode-button');
  private readonly ablation;
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
    this.ablation = new AblationBar(app);
    this.element.append(this.ablation.element, this.sampling.element, this.maskButton, this.groupsEl, this.strip.element);
  }

  render(): void {
    const s = this.app.data.summary;
    // The strip shows what a run carries: a probability for each actual token.
    const surprisal = s?.predictions.actual !== undefined;
    const position = this.app.predictionSelection();
    const sampled = samplingPosition(this.app, position) !== null;
    this.sampling.element.hidden = !sampled;
    this.strip.element.hidden = !surprisal;
    this.maskButton.hidden = !s?.capabilities.maskPosition || this.app.state.selected === null;
    if (sampled) this.sampling.render();
    this.ablation.render();
    if (surprisal) this.strip.render();
    const groups = predictionGroups(this.app, position);
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
    if (s && defaultPosition(s) === null && position === null) {
      const hint = document.createElement('div');
      hint.className = 'note';
      hint.textContent = 'Select a token (Tokens tab, or click in any view) to see what the model predicts at that position.';
      this.groupsEl.append(hint);
    }
    if (!groups.length && !this.groupsEl.childElementCount)
      this.groupsEl.textContent = s ? 'No predictions in this result.' : 'No result yet.';
  }

  exportCanvas(): HTMLCanvasElement {
    return barsToCanvas(predictionGroups(this.app, this.app.predictionSelection()));
  }
}
