// The pin of the selected token (bertviz #129), in the head view and the side view: a pinned token stays while the
// editor cursor (side view) or the mouse (head view) moves; a click on the toggle, P in the head view, or a new
// run unpins it.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { App } from '../app';
import { tokenLabel } from './describe';

export class PinToggle {
  readonly element = document.createElement('vscode-button');

  constructor(private readonly app: App) {
    this.element.className = 'pin-toggle';
    this.element.setAttribute('secondary', '');
    this.element.addEventListener('click', () => this.app.togglePin());
  }

  render(): void {
    const { selected } = this.app.state;
    const token = selected === null ? undefined : this.app.data.summary?.tokens[selected];
    const pinned = this.app.pinned && token !== undefined;
    this.element.toggleAttribute('disabled', token === undefined);
    this.element.setAttribute('aria-pressed', String(pinned));
    this.element.classList.toggle('pinned', pinned);
    this.element.textContent = pinned ? `Pinned: #${selected} “${tokenLabel(token)}” — unpin` : 'Pin token';
    this.element.title = pinned
      ? 'Unpin: the view follows the cursor again'
      : token
        ? `Keep #${selected} “${tokenLabel(token)}” while the cursor moves`
        : 'Select a token to pin it';
  }
}
