// The header: one facts line (model, tokenizer, device, tokens, timings) that wraps instead of being cut off,
// the stale banner, the truncation notice, the toy-model notice and the run status. The host's status after
// a run carries only what the facts line does not say (e.g. "No selection: inspected line 4").
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { attentionFactParts, FromWebviewType, type RunSummary } from '../../src/protocol';
import type { App } from '../app';
import { StaleNotice } from './staleNotice';

/** The facts as separate parts, so the line can wrap between them; compact (side view) keeps the essentials. */
export function summaryParts(s: RunSummary, compact = false): string[] {
  const m = s.model;
  const device = s.device.fallbackReason ? `${s.device.label} (fell back: ${s.device.fallbackReason})` : s.device.label;
  // The truncation notice says how many the whole selection needs: the count is said once.
  const input = s.truncation ? `${s.tokens.length} tokens (cut)` : `${s.tokens.length} tokens`;
  // An encoder–decoder run: the source's tokens, then the target's and who wrote it.
  const tokens = s.target ? [`source ${input}`, targetPart(s.target)] : [input];
  // A run file: no model ran in this window, so no device and no timings to give.
  const origin = s.fromFile !== undefined ? [`read from ${s.fromFile}, no model loaded`] : undefined;
  if (compact) return [m.id, ...(origin ?? [device]), ...tokens];
  const t = s.timings;
  const timing = [
    t.loadMs !== undefined ? `load ${Math.round(t.loadMs)} ms` : '',
    `tokenize ${Math.round(t.tokenizeMs)} ms`,
    `run ${Math.round(t.runMs)} ms`,
    `total ${Math.round(t.totalMs)} ms`,
  ]
    .filter(Boolean)
    .join(', ');
  // A grouped-query model says how its heads share key/value heads; windows and soft-cap where the model has them.
  const family = `${m.familyLabel} (${m.architecture}, ${m.layers}×${m.heads})`;
  const facts = [m.id, family, ...attentionFactParts(m), `${m.tokenizerKind} tokenizer`];
  return origin ? [...facts, ...origin, ...tokens] : [...facts, device, ...tokens, timing];
}

/** "target 9 tokens, generated (greedy)" or "…, given (teacher forcing)". */
export function targetPart(target: NonNullable<RunSummary['target']>): string {
  return `target ${target.tokens.length} tokens, ${target.generated ? 'generated (greedy)' : 'given (teacher forcing)'}`;
}

export function summaryText(s: RunSummary): string {
  return summaryParts(s).join(' · ');
}

/** Said once, in the inspector, while one of the project's own tiny models is active. */
export function toyModelText(modelId: string): string {
  return (
    `${modelId} is a tiny model trained by this project to show how the tool works: its guesses are weak. For real predictions, ` +
    `use a model from the Hugging Face Hub.`
  );
}

export class SummaryLine {
  readonly element = document.createElement('header');
  private readonly facts = document.createElement('div');
  private readonly truncation = document.createElement('div');
  private readonly toy = document.createElement('div');
  private readonly toyText = document.createElement('span');
  private readonly status = document.createElement('div');
  private readonly stale: StaleNotice;
  private factsKey = '';

  constructor(
    private readonly app: App,
    private readonly compact = false,
  ) {
    this.element.className = compact ? 'summary compact' : 'summary';
    this.facts.className = 'facts';
    this.truncation.className = 'notice truncation';
    this.toy.className = 'notice toy-model';
    this.toy.setAttribute('role', 'note');
    const pick = document.createElement('vscode-button');
    pick.textContent = 'Use a Hub model…';
    pick.addEventListener('click', () => this.app.host.post({ type: FromWebviewType.SelectModel }));
    this.toy.append(this.toyText, pick);
    this.status.className = 'status';
    this.status.setAttribute('role', 'status');
    this.stale = new StaleNotice(app);
    this.element.append(this.stale.element, this.facts, this.truncation, this.toy, this.status);
  }

  render(): void {
    const d = this.app.data;
    const s = d.summary;
    this.renderFacts(s);
    this.truncation.hidden = !s?.truncation;
    this.truncation.textContent = s?.truncation?.message ?? '';
    this.stale.render();
    // The side view is too narrow for it, and the inspector already says it.
    const toy = !this.compact && s?.model.source === 'embedded' && s.fromFile === undefined;
    this.toy.hidden = !toy;
    this.toyText.textContent = toy ? toyModelText(s.model.id) : '';
    const st = d.status;
    this.status.hidden = !st || (st.state === 'idle' && !st.message);
    this.status.textContent = st?.message ?? '';
    this.status.dataset.state = st?.state ?? 'idle';
    const unavailable = s?.attentionUnavailable;
    if (unavailable)
      this.status.textContent = `${st?.message ? `${st.message} · ` : ''}Attention is not available for this model: ${unavailable}`;
    if (unavailable) this.status.hidden = false;
  }

  private renderFacts(s: RunSummary | null): void {
    const parts = s ? summaryParts(s, this.compact) : ['Select text in an editor and run “Attention Lens: Inspect Selection”.'];
    const key = parts.join('\u0000');
    if (key === this.factsKey) return;
    this.factsKey = key;
    // One span per fact: the line wraps between facts, never inside one unless a fact alone is wider.
    this.facts.replaceChildren(
      ...parts.map((text, i) => {
        const span = document.createElement('span');
        span.className = 'fact';
        span.textContent = i < parts.length - 1 ? `${text} · ` : text;
        return span;
      }),
    );
    this.facts.title = s ? summaryText(s) : '';
  }
}
