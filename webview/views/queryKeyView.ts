// The query·key view (bertviz's neuron view) inside the matrix tab: for the shown layer and head and one query token,
// the query vector and each listed key's vector as colour strips, their elementwise product, q·k, the score the
// Softmax takes and the probability. The host sends every key's score and probability but the vectors of only the
// most attended keys (MAX_QUERY_KEY_KEYS at most), so a 2,048-token row draws a few dozen rows; "Show more" asks
// for more. The numbers are the model's: the vectors as the scores product reads them, the scores from its graph.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { headName, kvHeadOf, layerSuffix, MAX_QUERY_KEY_KEYS, queryHeadsOf, tokenList, type QueryKeyView } from '../../src/protocol';
import type { App } from '../app';
import { tokenLabel } from './describe';

/** Keys listed at first; each "Show more" doubles it. */
export const FIRST_KEYS = 48;
/** CSS px per vector component in a strip: narrower for wider heads, so the table fits a panel beside the editor. */
const cellWidth = (dim: number) => (dim <= 32 ? 4 : dim <= 128 ? 2 : 1);
const STRIP_HEIGHT = 14;

/** The request the view shows: one head at one query of a set, with how many key vectors. */
interface Asked {
  runId: number;
  set: string;
  layer: number;
  head: number;
  query: number;
  keys: number;
}

const sameAsk = (a: Asked, b: Asked) =>
  a.runId === b.runId && a.set === b.set && a.layer === b.layer && a.head === b.head && a.query === b.query && a.keys === b.keys;

/** A colour for `value` on a diverging scale up to `max`: red positive, blue negative, transparent at 0. */
function diverging(value: number, max: number): string {
  const t = max > 0 ? Math.min(1, Math.abs(value) / max) : 0;
  return value >= 0 ? `rgba(214, 64, 52, ${t.toFixed(3)})` : `rgba(52, 120, 214, ${t.toFixed(3)})`;
}

/** One strip: `values` as cells of one colour scale, each titled with its component and value. */
function strip(values: ArrayLike<number>, max: number, label: string): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.className = 'qk-strip';
  const cell = cellWidth(values.length);
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.ceil(values.length * cell * ratio);
  canvas.height = Math.ceil(STRIP_HEIGHT * ratio);
  canvas.style.width = `${values.length * cell}px`;
  canvas.style.height = `${STRIP_HEIGHT}px`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  const ctx = canvas.getContext('2d');
  if (ctx) {
    ctx.scale(ratio, ratio);
    for (let c = 0; c < values.length; c++) {
      ctx.fillStyle = diverging(values[c], max);
      ctx.fillRect(c * cell, 0, cell, STRIP_HEIGHT);
    }
  }
  return canvas;
}

const maxAbs = (values: ArrayLike<number>, from = 0) => {
  let m = from;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
};

/** How the score is made from q·k, in words: the factor found, 1/√d named when it is that. */
export function scaleWords(view: Pick<QueryKeyView, 'scale' | 'dim'>): string {
  if (view.scale === undefined) return 'score: the layer’s own chain (a soft-cap or a bias: not one factor × q·k), then the mask';
  const root = 1 / Math.sqrt(view.dim);
  const named =
    Math.abs(view.scale - root) < 1e-6 * root ? ` (1/√${view.dim})` : Math.abs(view.scale - 1) < 1e-6 ? ' (already in q or k)' : '';
  return `score = q·k × ${view.scale.toPrecision(4)}${named}, then the mask`;
}

export class QueryKeyPanel {
  readonly element = document.createElement('div');
  private readonly caption = document.createElement('div');
  private readonly body = document.createElement('div');
  private asked: Asked | null = null;
  private shown: QueryKeyView | null = null;
  private failed: string | null = null;
  private keys = FIRST_KEYS;
  private drawnFor: QueryKeyView | null = null;

  constructor(
    private readonly app: App,
    /** The query token the view reads: the selected one, or the matrix's cursor row. */
    private readonly query: () => number,
  ) {
    this.element.className = 'qk-view';
    this.caption.className = 'caption qk-caption';
    this.caption.setAttribute('aria-live', 'polite');
    this.body.className = 'qk-body';
    this.element.append(this.caption, this.body);
  }

  render(): void {
    const s = this.app.data.summary;
    const set = this.app.attentionSet();
    const { layer, head } = this.app.state;
    if (!s || !set) {
      this.say(s?.attentionUnavailable ?? 'No result yet.');
      return;
    }
    if (head === 'mean') {
      this.say('Choose one head: q·k is per head (the mean of heads has no query or keys of its own).');
      return;
    }
    const ask: Asked = { runId: s.runId, set: set.name, layer, head, query: this.query(), keys: this.keys };
    if (!this.asked || !sameAsk(ask, this.asked)) {
      // Another head or query starts again from the first keys.
      if (this.asked && (this.asked.query !== ask.query || this.asked.head !== ask.head || this.asked.layer !== ask.layer)) {
        this.keys = ask.keys = FIRST_KEYS;
      }
      this.fetch(ask);
    }
    if (this.failed) this.say(`The query·key view could not be computed: ${this.failed}`);
    else if (!this.shown || this.shown.runId !== s.runId) this.say('Computing q·k…');
    else this.draw(this.shown);
  }

  private say(text: string): void {
    this.caption.textContent = text;
    this.body.replaceChildren();
    this.drawnFor = null;
  }

  private fetch(ask: Asked): void {
    this.asked = ask;
    this.failed = null;
    const { runId, ...params } = ask;
    this.app.host.request('queryKey', { runId, ...params }).then(
      (view) => {
        if (this.asked !== ask) return;
        this.shown = view;
        this.app.invalidate();
      },
      (error: Error) => {
        if (this.asked !== ask) return;
        this.failed = error.message;
        this.app.invalidate();
      },
    );
  }

  private draw(view: QueryKeyView): void {
    if (this.drawnFor === view) return;
    this.drawnFor = view;
    const s = this.app.data.summary!;
    const set = this.app.attentionSet()!;
    const rows = tokenList(s, set.queries);
    const cols = tokenList(s, set.keys);
    const kv = view.kvHead ?? kvHeadOf(s.model, view.head);
    const sharing =
      kv === undefined ? '' : ` · reads key/value head ${kv} (query heads ${queryHeadsOf(s.model, kv).join('–')} share its keys)`;
    const masked = Array.from(view.scores).filter((x) => x === -Infinity).length;
    this.caption.textContent =
      `Layer ${view.layer}${layerSuffix(s.model, view.layer)}, ${headName(s.model, view.head)}${sharing} · query #${view.query} ` +
      `${tokenLabel(rows[view.query])} · d = ${view.dim} · ${scaleWords(view)} · softmax(scores) = the matrix row · ` +
      `${view.keys} keys${masked ? `, ${masked} masked (−∞)` : ''}, the ${view.top.length} most attended listed`;
    // One scale for q and every listed k, another for the products: strips compare across rows.
    const vectorMax = maxAbs(view.k, maxAbs(view.q));
    const products = view.top.map((_, i) => Float32Array.from(view.q, (x, c) => x * view.k[i * view.dim + c]));
    const productMax = products.reduce((m, p) => maxAbs(p, m), 0);
    const table = document.createElement('table');
    table.className = 'qk-keys';
    const head = table.createTHead().insertRow();
    for (const title of ['key', 'k', 'q ⊙ k', 'q·k', 'score', 'probability']) {
      const th = document.createElement('th');
      th.textContent = title;
      head.append(th);
    }
    const query = table.createTHead().insertRow();
    query.className = 'qk-query';
    const cell = (row: HTMLTableRowElement, content: string | Node, className?: string) => {
      const td = row.insertCell();
      td.append(content);
      if (className) td.className = className;
      return td;
    };
    cell(query, `q · #${view.query} ${tokenLabel(rows[view.query])}`, 'qk-token');
    cell(query, strip(view.q, vectorMax, `query vector of ${view.dim} components`));
    for (let i = 0; i < 4; i++) cell(query, '');
    const body = table.createTBody();
    view.top.forEach((key, i) => {
      const row = body.insertRow();
      row.dataset.key = String(key);
      const k = view.k.subarray(i * view.dim, (i + 1) * view.dim);
      const dot = products[i].reduce((sum, x) => sum + x, 0);
      const score = view.scores[key];
      const p = view.probs[key];
      cell(row, `#${key} ${tokenLabel(cols[key])}`, 'qk-token');
      cell(row, strip(k, vectorMax, `key vector of token ${key}`));
      cell(row, strip(products[i], productMax, `q ⊙ k of token ${key}, summing to ${dot.toFixed(4)}`));
      cell(row, dot.toFixed(3), 'qk-number');
      cell(row, Number.isFinite(score) ? score.toFixed(3) : '−∞ (masked)', 'qk-number');
      const bar = document.createElement('div');
      bar.className = 'qk-bar';
      bar.style.width = `${(p * 100).toFixed(2)}%`;
      const prob = cell(row, p.toFixed(4), 'qk-number qk-prob');
      prob.prepend(bar);
    });
    const parts: Node[] = [table];
    if (view.top.length < view.keys && this.keys < MAX_QUERY_KEY_KEYS) {
      const more = document.createElement('vscode-button');
      more.className = 'qk-more';
      more.setAttribute('secondary', '');
      const next = Math.min(view.keys, this.keys * 2, MAX_QUERY_KEY_KEYS);
      more.textContent = `Show ${next - view.top.length} more keys`;
      more.addEventListener('click', () => {
        this.keys = next;
        this.app.invalidate();
      });
      parts.push(more);
    }
    const legend = document.createElement('div');
    legend.className = 'caption qk-legend';
    legend.textContent =
      `Strips: one cell per component, red positive, blue negative; q and k share a scale (max |x| ${vectorMax.toFixed(3)}), ` +
      `q ⊙ k has its own (max ${productMax.toFixed(3)}). Vectors as the model's scores product reads them: after rotary ` +
      'embedding where the model has one.';
    this.body.replaceChildren(legend, ...parts);
  }
}
