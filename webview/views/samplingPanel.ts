// Temperature, top-k and top-p controls (native range inputs: keyboard-operable, announced by screen readers).
// Top-k runs 1 … 100 and then "all", the whole vocabulary.
import type { App } from '../app';
import { MIN_TEMPERATURE, TOP_K_ALL } from '../render/sampling';

/** The top-k slider's last step: no limit. */
const TOP_K_SLIDER_ALL = 101;

interface Control {
  input: HTMLInputElement;
  output: HTMLOutputElement;
  format: (v: number) => string;
  /** The slider's position for a state value, and back. */
  toSlider: (v: number) => number;
  fromSlider: (v: number) => number;
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
    const same = (v: number) => v;
    this.add('Temperature', 'temperature', MIN_TEMPERATURE, 3, 0.05, (v) => v.toFixed(2), same, same);
    this.add(
      'Top-k',
      'topK',
      1,
      TOP_K_SLIDER_ALL,
      1,
      (v) => (v === TOP_K_ALL ? 'all' : String(v)),
      (v) => (v === TOP_K_ALL ? TOP_K_SLIDER_ALL : v),
      (v) => (v >= TOP_K_SLIDER_ALL ? TOP_K_ALL : v),
    );
    this.add('Top-p', 'topP', 0.05, 1, 0.01, (v) => v.toFixed(2), same, same);
    this.note.className = 'note';
    this.element.append(this.note);
  }

  private add(
    label: string,
    key: Control['key'],
    min: number,
    max: number,
    step: number,
    format: Control['format'],
    toSlider: Control['toSlider'],
    fromSlider: Control['fromSlider'],
  ): void {
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
    input.addEventListener('input', () => this.app.update({ [key]: fromSlider(Number(input.value)) }));
    wrap.append(caption, input, output);
    this.element.append(wrap);
    this.controls.push({ input, output, format, key, toSlider, fromSlider });
  }

  render(): void {
    const vocab = this.app.data.summary?.model.vocabSize ?? 0;
    for (const c of this.controls) {
      const v = this.app.state[c.key];
      if (document.activeElement !== c.input) c.input.value = String(c.toSlider(v));
      c.output.textContent = c.key === 'topK' && v === TOP_K_ALL ? `all ${vocab.toLocaleString('en-US')}` : c.format(v);
      c.input.setAttribute('aria-valuetext', c.output.textContent);
    }
    this.note.textContent =
      `Applied to the model's whole distribution over its ${vocab.toLocaleString('en-US')}-token vocabulary at this position: ` +
      "bars show the probabilities after sampling, faint bars the model's own. At temperature 1, top-k all and top-p 1 they are the same.";
  }
}
