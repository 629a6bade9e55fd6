// The Compare runs tab: this run against its baseline (the pinned run, else the run before it; one model). The
// host aligns the two runs' tokens and answers one layer and head at a time (the compareRuns request); this view
// shows the alignment, the three maps, the top-k at the selected (or last) aligned position and the surprisal.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { predictionList, predictionTokens, tokenList, type RunComparison, type RunSummary, type TokenListName } from '../../src/protocol';
import type { App, View } from '../app';
import { drawCompareMaps } from '../render/compareMaps';
import { formatProbability } from '../render/sampling';
import { theme } from '../render/theme';
import { headSelect, layerSelect, setSelect, updateHeadSelect, updateLayerSelect, updateSetSelect } from './controls';
import { tokenLabel } from './describe';

/** Surprisal rows shown (a long run's table scrolls; the JSON export has them all). */
const MAX_SURPRISAL_ROWS = 400;

const signed = (v: number, digits: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;

function cell(tag: 'td' | 'th', text: string, className?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = text;
  if (className) el.className = className;
  return el;
}

function table(caption: string, head: string[], rows: HTMLElement[][]): HTMLTableElement {
  const t = document.createElement('table');
  t.className = 'compare-table';
  t.createCaption().textContent = caption;
  t.createTHead().append(row(head.map((h) => cell('th', h))));
  t.createTBody().append(...rows.map(row));
  return t;
}

function row(cells: HTMLElement[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.append(...cells);
  return tr;
}

export class CompareRunsView implements View {
  readonly element = document.createElement('div');
  private readonly status = document.createElement('div');
  private readonly pin = document.createElement('vscode-button');
  private readonly unpin = document.createElement('vscode-button');
  private readonly setSel;
  private readonly layerSel;
  private readonly headSel;
  private readonly canvas = document.createElement('canvas');
  private readonly attentionNote = document.createElement('div');
  private readonly alignment = document.createElement('div');
  private readonly tables = document.createElement('div');
  private comparison: RunComparison | null = null;
  private error: string | null = null;
  private asked = '';
  private drawn = '';

  constructor(private readonly app: App) {
    this.element.className = 'view compare-runs-view';
    this.status.className = 'compare-status';
    this.status.setAttribute('aria-live', 'polite');
    this.pin.className = 'pin-baseline';
    this.pin.textContent = 'Pin this run as baseline';
    this.pin.title = 'Later runs are compared with this one (Attention Lens: Pin Run as Baseline)';
    this.pin.addEventListener('click', () => this.setPin(true));
    this.unpin.className = 'unpin-baseline';
    this.unpin.textContent = 'Compare with the run before';
    this.unpin.title = 'Unpin the baseline (Attention Lens: Compare with Previous Run)';
    this.unpin.addEventListener('click', () => this.setPin(false));
    this.setSel = setSelect(app);
    this.layerSel = layerSelect(app);
    this.headSel = headSelect(app);
    const controls = document.createElement('div');
    controls.className = 'selectors';
    controls.append(this.setSel.element, this.layerSel.element, this.headSel.element, this.pin, this.unpin);
    this.canvas.className = 'compare-maps';
    this.canvas.setAttribute('role', 'img');
    this.attentionNote.className = 'note';
    this.alignment.className = 'token-list compare-alignment';
    this.alignment.setAttribute('aria-label', 'Tokens of both runs: struck out only in the baseline, underlined only in this run');
    this.tables.className = 'compare-tables';
    this.element.append(this.status, controls, this.canvas, this.attentionNote, this.alignment, this.tables);
  }

  private setPin(pin: boolean): void {
    const runId = this.app.data.runId;
    if (runId < 0) return;
    this.app.host.request('pinBaseline', { runId, pin }).then(
      () => {
        this.app.data.baselineChanges++;
        this.app.invalidate();
      },
      (error: unknown) => this.fail(error),
    );
  }

  private fail(error: unknown): void {
    this.error = error instanceof Error ? error.message : String(error);
    this.app.invalidate();
  }

  /** Asks for the comparison at the shown set, layer and head, once per run, baseline and choice. */
  private ask(s: RunSummary): void {
    const set = this.app.attentionSet()?.name ?? 'self';
    const { layer, head } = this.app.state;
    const key = `${s.runId}|${set}|${layer}|${head}|${this.app.data.baselineChanges}`;
    if (key === this.asked) return;
    this.asked = key;
    // What was shown belongs to another run, baseline or head: nothing until the answer.
    this.comparison = null;
    this.error = null;
    this.app.host.request('compareRuns', { runId: s.runId, set, layer, head }).then(
      (comparison) => {
        if (this.asked !== key) return;
        this.comparison = comparison;
        this.error = null;
        this.app.invalidate();
      },
      (error: unknown) => {
        if (this.asked !== key) return;
        this.comparison = null;
        this.fail(error);
      },
    );
  }

  render(): void {
    updateSetSelect(this.setSel, this.app);
    updateLayerSelect(this.layerSel, this.app);
    updateHeadSelect(this.headSel, this.app);
    const s = this.app.data.summary;
    if (s) this.ask(s);
    const c = s ? this.comparison : null;
    this.pin.hidden = !s;
    this.unpin.hidden = !c?.pinned;
    this.status.textContent = !s
      ? 'No result yet: inspect a selection.'
      : this.error
        ? this.error
        : !c
          ? 'Comparing…'
          : `${c.pinned ? 'Pinned baseline' : 'Previous run'} (run ${c.baseline.runId}, ${c.baseline.tokens.length} tokens) → this run ` +
            `(run ${s.runId}, ${s.tokens.length} tokens): ${c.input.pairs.length} tokens match, ${c.input.baselineOnly.length} only in ` +
            `the baseline, ${c.input.currentOnly.length} only in this run.`;
    this.canvas.hidden = !c || 'unavailable' in c.attention;
    this.attentionNote.textContent = c && 'unavailable' in c.attention ? `Attention is not compared: ${c.attention.unavailable}` : '';
    if (!s || !c) {
      this.alignment.replaceChildren();
      this.tables.replaceChildren();
      this.drawn = '';
      return;
    }
    const key = `${this.asked}|${this.app.predictionSelection()}|${this.element.clientWidth}|${theme().kind}`;
    if (key === this.drawn) return;
    this.drawn = key;
    this.draw(c);
    this.alignment.replaceChildren(...this.alignmentChips(c.baseline, s, c, 'input'));
    this.tables.replaceChildren(...this.predictionTable(c, s), ...this.surprisalTable(c, s));
  }

  private draw(c: RunComparison): void {
    if ('unavailable' in c.attention) return;
    const names: [string, string] = [`Baseline · run ${c.baseline.runId}`, `This run · run ${this.app.data.runId}`];
    drawCompareMaps(this.canvas, Math.max(240, this.element.clientWidth - 16), c.attention, names, theme());
    const a = c.attention;
    this.canvas.setAttribute(
      'aria-label',
      `Attention of layer ${a.layer}, ${a.head === 'mean' ? 'mean of heads' : `head ${a.head}`}, ` +
        `in the baseline, this run and their difference, ` +
        `over ${a.queryPairs.length} matched query and ${a.keyPairs.length} matched key tokens`,
    );
  }

  /** Both runs' tokens in one line, in order: matched, only in the baseline (struck out), only in this run (underlined). */
  private alignmentChips(b: RunSummary, s: RunSummary, c: RunComparison, list: TokenListName): HTMLElement[] {
    const al = list === 'target' && c.target ? c.target : c.input;
    const chips: HTMLElement[] = [];
    const chip = (summary: RunSummary, i: number, kind: 'same' | 'deleted' | 'inserted') => {
      const el = document.createElement('span');
      el.className = `chip ${kind}`;
      el.textContent = tokenLabel(tokenList(summary, list)[i]);
      el.title = kind === 'same' ? 'in both runs' : kind === 'deleted' ? 'only in the baseline' : 'only in this run';
      chips.push(el);
    };
    let bi = 0;
    let ci = 0;
    const flush = (bEnd: number, cEnd: number) => {
      for (; bi < bEnd; bi++) if (al.baselineOnly.includes(bi)) chip(b, bi, 'deleted');
      for (; ci < cEnd; ci++) if (al.currentOnly.includes(ci)) chip(s, ci, 'inserted');
    };
    for (const p of al.pairs) {
      flush(p.baseline, p.current);
      chip(s, p.current, 'same');
      bi = p.baseline + 1;
      ci = p.current + 1;
    }
    flush(tokenList(b, list).length, tokenList(s, list).length);
    return chips;
  }

  /** The top-k of both runs at the selected aligned position, else the last one both ranked. */
  private predictionTable(c: RunComparison, s: RunSummary): HTMLElement[] {
    if (c.predictions.length === 0) return [cell('td', 'No aligned position was ranked by both runs (e.g. a [MASK] only in one).', 'note')];
    const sel = this.app.predictionSelection();
    const at = c.predictions.find((p) => p.current === sel) ?? c.predictions[c.predictions.length - 1];
    const token = tokenLabel(predictionTokens(s)[at.current]);
    const what = s.predictions.task === 'next-token' ? `after #${at.current} “${token}”` : `at #${at.current} “${token}”`;
    const rows = at.changes.map((ch) => {
      const was = ch.baseline ? `${formatProbability(ch.baseline.probability)} (#${ch.baseline.rank})` : 'not in top-k';
      const now = ch.current ? `${formatProbability(ch.current.probability)} (#${ch.current.rank})` : 'not in top-k';
      const delta = ch.baseline && ch.current ? signed(ch.current.probability - ch.baseline.probability, 4) : '—';
      const moved = ch.baseline && ch.current ? ch.current.probability - ch.baseline.probability : 0;
      return [
        cell('td', JSON.stringify(ch.token)),
        cell('td', was),
        cell('td', now),
        cell('td', delta, moved > 0 ? 'up' : moved < 0 ? 'down' : ''),
      ];
    });
    const list = predictionList(s) === 'target' ? ' (target)' : '';
    return [table(`Predictions ${what}${list}: baseline → this run`, ['Token', 'Baseline p (rank)', 'This run p (rank)', 'Δ p'], rows)];
  }

  private surprisalTable(c: RunComparison, s: RunSummary): HTMLElement[] {
    if (!c.surprisal) return [];
    const tokens = predictionTokens(s);
    const rows = c.surprisal.slice(0, MAX_SURPRISAL_ROWS).map((x) => {
      const bits = (v: number | null) => (v === null ? '—' : v.toFixed(2));
      const delta = x.baselineBits !== null && x.currentBits !== null ? x.currentBits - x.baselineBits : null;
      const cls = delta === null ? '' : delta > 0 ? 'down' : delta < 0 ? 'up' : '';
      return [
        cell('td', `#${x.current} ${JSON.stringify(tokenLabel(tokens[x.current]))}`),
        cell('td', bits(x.baselineBits)),
        cell('td', bits(x.currentBits)),
        cell('td', delta === null ? '—' : signed(delta, 2), cls),
      ];
    });
    const more = c.surprisal.length > MAX_SURPRISAL_ROWS ? ` (first ${MAX_SURPRISAL_ROWS} of ${c.surprisal.length})` : '';
    return [table(`Surprisal of each matched token, bits${more}`, ['Token', 'Baseline', 'This run', 'Δ bits'], rows)];
  }

  exportCanvas(): HTMLCanvasElement {
    const canvas = document.createElement('canvas');
    const c = this.comparison;
    if (c && !('unavailable' in c.attention)) {
      const names: [string, string] = [`Baseline · run ${c.baseline.runId}`, `This run · run ${this.app.data.runId}`];
      drawCompareMaps(canvas, 3 * 360 + 32, c.attention, names, theme());
    }
    return canvas;
  }
}
