// The head-ablation bar of the model view and the predictions view: which heads are ablated and how, the mode,
// and Reset; where the model's graph cannot take a head gate, why.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { ABLATION_MODES, headLabel, type AblationMode } from '../../src/protocol/ablation';
import type { App } from '../app';
import { Select } from './controls';

const MODE_LABELS: Record<AblationMode, string> = { zero: 'zeroed', mean: 'mean (positions)' };

export class AblationBar {
  readonly element = document.createElement('div');
  private readonly text = document.createElement('span');
  private readonly mode: Select;
  private readonly reset = document.createElement('vscode-button');

  constructor(private readonly app: App) {
    this.element.className = 'ablation-bar';
    this.text.className = 'ablation-text';
    this.text.setAttribute('aria-live', 'polite');
    this.mode = new Select('Ablation', (v) => this.app.update({ ablationMode: v as AblationMode }));
    this.mode.element.classList.add('ablation-mode');
    this.reset.textContent = 'Reset';
    this.reset.className = 'ablation-reset';
    this.reset.setAttribute('aria-label', 'Reset: no head ablated');
    this.reset.addEventListener('click', () => this.app.update({ ablated: [] }));
    this.element.append(this.text, this.mode.element, this.reset);
  }

  render(): void {
    const s = this.app.data.summary;
    const { ablated, ablationMode } = this.app.state;
    this.element.hidden = !s;
    if (!s) return;
    const can = s.ablation;
    if (can?.available !== true) {
      const reason = can?.available === false ? can.reason : "this kind of model's graphs take no head gate";
      this.text.textContent = `Head ablation: not available, ${reason}.`;
      this.mode.element.hidden = this.reset.hidden = true;
      return;
    }
    this.mode.element.hidden = this.reset.hidden = false;
    this.mode.set(
      ABLATION_MODES.map((m) => ({ value: m, label: MODE_LABELS[m] })),
      ablationMode,
    );
    this.reset.toggleAttribute('disabled', ablated.length === 0);
    const status = this.app.ablationStatus();
    const heads = ablated.map(headLabel).join(', ');
    this.text.textContent =
      ablated.length === 0
        ? 'Head ablation: shift-click heads in the model view (or press X on one) to recompute the predictions without them.'
        : status.state === 'failed'
          ? `Ablating ${heads} failed: ${status.message}`
          : `Ablated heads (${can.sets ? 'set layer.head' : 'layer.head'}): ${heads}${status.state === 'waiting' ? ' · running…' : ''}`;
  }
}
