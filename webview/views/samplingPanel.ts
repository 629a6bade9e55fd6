// Temperature, top-k and top-p controls (native range inputs: keyboard-operable, announced by screen readers).
import type { App } from '../app';

interface Control {
  input: HTMLInputElement;
  output: HTMLOutputElement;
  format: (v: number) => string;
  key: 'temperature' | 'topK' | 'topP';
}

export class SamplingPanel {
  readonly element = document.createElement('div');
  private readonly controls: Control[] = [];
  private readonly note = document.createElement('div');

  constructor(private readonly app: App) {
    this.element.className = 'sampling';
    this.element.setAttribute('role', 'group');
    this.element.setAttribute('aria-label', 'Sampling controls');
    this.add('Temperature', 'temperature', 0.05, 3, 0.05, (v) => v.toFixed(2));
    this.add('Top-k', 'topK', 1, 50, 1, (v) => String(v));
    this.add('Top-p', 'topP', 0.05, 1, 0.01, (v) => v.toFixed(2));
    this.note.className = 'note';
    this.element.append(this.note);
  }

  private add(label: string, key: Control['key'], min: number, max: number, step: number, format: (v: number) => string): void {
    const wrap = document.createElement('label');
    wrap.className = 'control range';
    const caption = document.createElement('span');
    caption.textContent = label;
    const input = document.createElement('input');
    input.type = 'range';
    input.min = String(min);
    input.max = String(max);
    input.step = String(step);
    input.dataset.control = key;
    input.setAttribute('aria-label', label);
    const output = document.createElement('output');
    input.addEventListener('input', () => this.app.update({ [key]: Number(input.value) }));
    wrap.append(caption, input, output);
    this.element.append(wrap);
    this.controls.push({ input, output, format, key });
  }

  render(): void {
    const s = this.app.data.summary;
    const p = s?.predictions;
    const at = this.app.state.selected ?? (s ? s.tokens.length - 1 : 0);
    const shown = p?.kind === 'causal' ? (p.next[at] ?? []).length : 0;
    for (const c of this.controls) {
      if (c.key === 'topK') c.input.max = String(Math.max(1, shown));
      const v = c.key === 'topK' ? Math.min(this.app.state.topK, Math.max(1, shown)) : this.app.state[c.key];
      if (document.activeElement !== c.input) c.input.value = String(v);
      c.output.textContent = c.format(v);
    }
    this.note.textContent = `Re-normalised over the ${shown} tokens shown (the top-${shown} the model gave); the rest of the vocabulary is not included. Faint bars: the model's own probabilities.`;
  }
}
