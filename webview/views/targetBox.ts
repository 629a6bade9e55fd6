// The target box of an encoder–decoder run (inspector only): the target the decoder was fed, editable. Running it
// re-runs the source with exactly that text (teacher forcing: "why this translation and not mine"); Generate (or
// running an empty box) lets the model write its own again. The host starts the run (the setTarget request).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { MAX_TARGET_CHARS } from '../../src/protocol';
import type { App } from '../app';

export class TargetBox {
  readonly element = document.createElement('div');
  private readonly input = document.createElement('textarea');
  private readonly run = document.createElement('vscode-button');
  private readonly generate = document.createElement('vscode-button');
  private readonly note = document.createElement('div');
  /** The run whose target the box was filled with: a new run refills it, a re-render keeps what is typed. */
  private filledFor = -1;

  constructor(private readonly app: App) {
    this.element.className = 'target-box';
    this.element.setAttribute('role', 'group');
    this.element.setAttribute('aria-label', 'Target');
    const label = document.createElement('label');
    label.className = 'target-label';
    label.textContent = 'Target';
    this.input.id = 'target-input';
    label.htmlFor = this.input.id;
    this.input.rows = 2;
    this.input.maxLength = MAX_TARGET_CHARS;
    this.input.spellcheck = false;
    this.input.setAttribute('aria-describedby', 'target-note');
    // Ctrl/Cmd+Enter runs, as in VS Code's own input boxes that take several lines.
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.submit(this.input.value);
      }
    });
    this.input.addEventListener('input', () => this.renderButtons());
    this.run.textContent = 'Run with this target';
    this.run.title = 'Feed the decoder exactly this target (teacher forcing) — Ctrl+Enter';
    this.run.addEventListener('click', () => this.submit(this.input.value));
    this.generate.textContent = 'Generate';
    this.generate.title = 'Let the model write the target again (greedy)';
    this.generate.setAttribute('secondary', '');
    this.generate.addEventListener('click', () => this.submit(''));
    this.note.id = 'target-note';
    this.note.className = 'note';
    const buttons = document.createElement('div');
    buttons.className = 'target-buttons';
    buttons.append(this.run, this.generate);
    this.element.append(label, this.input, buttons, this.note);
    this.element.hidden = true;
  }

  private submit(text: string): void {
    const s = this.app.data.summary;
    if (!s?.target) return;
    this.app.data.setTarget(text);
  }

  render(): void {
    const s = this.app.data.summary;
    const target = s?.target;
    this.element.hidden = !target;
    if (!s || !target) return;
    if (this.filledFor !== s.runId) {
      this.filledFor = s.runId;
      this.input.value = target.text;
    }
    this.note.textContent = target.generated
      ? 'The model generated this target (greedy). Edit it and run to see the model read your target instead; each target ' +
        "token's predictions are in the Predictions tab."
      : 'The decoder was fed this target as given (teacher forcing). Edit and run again, or Generate to let the model write it.';
    this.renderButtons();
  }

  /** Running the shown target again would change nothing: Run waits for an edit; Generate is for a given target. */
  private renderButtons(): void {
    const target = this.app.data.summary?.target;
    if (!target) return;
    this.run.toggleAttribute('disabled', this.input.value === target.text);
    this.generate.toggleAttribute('disabled', target.generated);
  }
}
