// The banner of a stale run: the inspected text changed after it ran, so what is shown is the text as it was.
// It offers the one-click re-run (on the text as it reads now) and says why a clicked token is not shown in
// the editor, where its characters no longer are.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { FromWebviewType } from '../../src/protocol';
import type { App } from '../app';

export class StaleNotice {
  readonly element = document.createElement('div');
  private readonly message = document.createElement('span');
  private readonly unrevealed = document.createElement('div');
  private readonly rerun = document.createElement('vscode-button');

  constructor(private readonly app: App) {
    this.element.className = 'notice stale';
    this.element.setAttribute('role', 'alert');
    this.unrevealed.className = 'unrevealed';
    this.rerun.className = 'rerun';
    this.rerun.textContent = 'Re-run';
    this.rerun.title = 'Inspect this text again as it reads now';
    this.rerun.addEventListener('click', () => {
      const runId = this.app.data.runId;
      if (runId >= 0) this.app.host.post({ type: FromWebviewType.Rerun, runId });
    });
    const line = document.createElement('div');
    line.className = 'stale-line';
    line.append(this.message, this.rerun);
    this.element.append(line, this.unrevealed);
  }

  render(): void {
    const d = this.app.data;
    this.element.hidden = d.stale === null;
    this.message.textContent = d.stale ?? '';
    const index = d.unrevealed;
    const token = index === null ? undefined : d.summary?.tokens[index];
    this.unrevealed.hidden = !token;
    this.unrevealed.textContent = token
      ? `Token #${token.index} “${token.display || token.piece}” is not selected in the editor: the text there has changed since this ` +
        `run. Re-run to inspect it as it is now.`
      : '';
  }
}
