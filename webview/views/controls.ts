// Selectors shared by the views: attention set, layer, single head (or mean), and the head overlay toggles.
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import { headSuffix, layerSuffix, queriesPerKvHead, queryHeadsOf, type AttentionModelFacts } from '../../src/protocol';
import type { App } from '../app';
import { theme } from '../render/theme';

/** A labelled vscode-single-select whose options are rebuilt only when their list changes. */
export class Select {
  readonly element = document.createElement('label');
  readonly select: VscodeSingleSelect = document.createElement('vscode-single-select');
  private key = '';

  constructor(label: string, onChange: (value: string) => void) {
    this.element.className = 'control';
    const caption = document.createElement('span');
    caption.textContent = label;
    this.select.setAttribute('aria-label', label);
    this.select.addEventListener('change', () => onChange(this.select.value));
    this.element.append(caption, this.select);
  }

  set(options: { value: string; label: string }[], value: string): void {
    const key = options.map((o) => `${o.value}:${o.label}`).join('|');
    if (key !== this.key) {
      this.key = key;
      this.select.replaceChildren(
        ...options.map((o) => {
          const opt = document.createElement('vscode-option');
          opt.value = o.value;
          opt.textContent = o.label;
          if (o.value === value) opt.selected = true;
          return opt;
        }),
      );
    }
    if (this.select.value !== value) this.select.value = value;
  }
}

/** The shown set's layers and heads; the model's while the run has no set (attention unavailable). */
function shape(app: App): { layers: number; heads: number } {
  return app.attentionSet() ?? app.data.summary?.model ?? { layers: 0, heads: 0 };
}

/** Picks the attention set; shown only for a run of several (one set needs no choice). */
export function setSelect(app: App): Select {
  const sel = new Select('Attention', (v) => app.selectSet(v));
  sel.element.classList.add('set-select');
  sel.element.hidden = true;
  return sel;
}

export function updateSetSelect(sel: Select, app: App): void {
  const sets = app.data.summary?.attentionSets ?? [];
  sel.element.hidden = sets.length < 2;
  if (sets.length > 1)
    sel.set(
      sets.map((s) => ({ value: s.name, label: s.label })),
      app.attentionSet()?.name ?? '',
    );
}

export function layerSelect(app: App): Select {
  const sel = new Select('Layer', (v) => app.update({ layer: Number(v) }));
  sel.element.classList.add('layer-select');
  return sel;
}

export function updateLayerSelect(sel: Select, app: App): void {
  const { layers } = shape(app);
  sel.element.classList.toggle('windowed', app.data.summary?.model.slidingWindow !== undefined);
  sel.set(
    Array.from({ length: layers }, (_, i) => ({ value: String(i), label: `Layer ${i}${layerSuffix(app.data.summary?.model, i)}` })),
    String(app.state.layer),
  );
}

/** One head or the mean over all heads (matrix view, side view). */
export function headSelect(app: App): Select {
  const sel = new Select('Head', (v) => app.update({ head: v === 'mean' ? 'mean' : Number(v) }));
  sel.element.classList.add('head-select');
  return sel;
}

export function updateHeadSelect(sel: Select, app: App): void {
  const { heads } = shape(app);
  const options = [{ value: 'mean', label: 'Mean of heads' }].concat(
    Array.from({ length: heads }, (_, i) => ({ value: String(i), label: `Head ${i}${headSuffix(app.data.summary?.model, i)}` })),
  );
  sel.set(options, String(app.state.head));
}

/** A grouped-query model's head toggles in one group per key/value head, named "KV 0:"; others as they are. */
function kvGroups(toggles: HTMLElement[], model: AttentionModelFacts | undefined): HTMLElement[] {
  const groups = model && queriesPerKvHead(model) > 1 && model.heads === toggles.length ? (model.kvHeads ?? 0) : 0;
  if (groups === 0) return toggles;
  return Array.from({ length: groups }, (_, kv) => {
    const [first, last] = queryHeadsOf(model!, kv);
    const group = document.createElement('span');
    group.className = 'kv-group';
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', `Heads ${first}–${last}: they share key/value head ${kv}`);
    const name = document.createElement('span');
    name.className = 'kv-name';
    name.textContent = `KV ${kv}:`;
    group.append(name, ...toggles.slice(first, last + 1));
    return group;
  });
}

/** A checkbox per head, each with its head colour, for overlaying several heads in the head view. */
export class HeadToggles {
  readonly element = document.createElement('div');
  private boxes: VscodeCheckbox[] = [];
  private swatches: HTMLElement[] = [];
  private key = '';

  constructor(private readonly app: App) {
    this.element.className = 'head-toggles';
    this.element.setAttribute('role', 'group');
    this.element.setAttribute('aria-label', 'Heads shown');
  }

  render(): void {
    const { heads } = shape(this.app);
    const model = this.app.data.summary?.model;
    // A grouped-query model's toggles are grouped by the key/value head they share (rebuilt when that changes).
    const key = Array.from({ length: heads }, (_, h) => headSuffix(model, h)).join('|');
    if (this.boxes.length !== heads || key !== this.key) {
      this.key = key;
      this.boxes = [];
      this.swatches = [];
      const items = Array.from({ length: heads }, (_, h) => {
        const wrap = document.createElement('span');
        wrap.className = 'head-toggle';
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        const box = document.createElement('vscode-checkbox');
        // The swatch goes inside the checkbox's label slot so each colour sits next to its own head number.
        const text = document.createElement('span');
        text.textContent = `H${h}`;
        box.append(swatch, text);
        box.setAttribute('aria-label', `Head ${h}`);
        box.dataset.head = String(h);
        box.addEventListener('change', () => this.toggle(h, box.checked));
        this.boxes.push(box);
        this.swatches.push(swatch);
        wrap.append(box);
        return wrap;
      });
      this.element.replaceChildren(...kvGroups(items, model));
    }
    const th = theme();
    const on = new Set(this.app.state.heads);
    this.boxes.forEach((b, h) => {
      if (b.checked !== on.has(h)) b.checked = on.has(h);
      this.swatches[h].style.background = th.headColor(h);
    });
  }

  private toggle(head: number, checked: boolean): void {
    const set = new Set(this.app.state.heads);
    if (checked) set.add(head);
    else set.delete(head);
    this.app.update({ heads: [...set].sort((a, b) => a - b) });
  }
}
