// The facts line on top: model, tokenizer, device (and why it fell back), tokens (and truncation), timings;
// plus the run status and the "stale" banner.
import type { RunSummary } from '../../src/protocol';
import type { App } from '../app';
import { StaleNotice } from './staleNotice';

export function summaryText(s: RunSummary): string {
  const m = s.model;
  const device = s.device.fallbackReason ? `${s.device.label} (fell back: ${s.device.fallbackReason})` : s.device.label;
  // The truncation notice says how many the whole selection needs: the count is said once.
  const tokens = s.truncation ? `${s.tokens.length} tokens (cut)` : `${s.tokens.length} tokens`;
  const t = s.timings;
  const timing = [t.loadMs !== undefined ? `load ${Math.round(t.loadMs)} ms` : '', `tokenize ${Math.round(t.tokenizeMs)} ms`, `run ${Math.round(t.runMs)} ms`, `total ${Math.round(t.totalMs)} ms`].filter(Boolean).join(', ');
  return `${m.id} · ${m.kind === 'masked' ? 'masked LM' : 'causal LM'} (${m.architecture}, ${m.layers}×${m.heads}) · ${m.tokenizerKind} tokenizer · ${device} · ${tokens} · ${timing}`;
}

export class SummaryLine {
  readonly element = document.createElement('header');
  private readonly facts = document.createElement('div');
  private readonly truncation = document.createElement('div');
  private readonly status = document.createElement('div');
  private readonly stale: StaleNotice;

  constructor(private readonly app: App) {
    this.element.className = 'summary';
    this.facts.className = 'facts';
    this.truncation.className = 'notice truncation';
    this.status.className = 'status';
    this.status.setAttribute('role', 'status');
    this.stale = new StaleNotice(app);
    this.element.append(this.stale.element, this.facts, this.truncation, this.status);
  }

  render(): void {
    const d = this.app.data;
    const s = d.summary;
    this.facts.textContent = s ? summaryText(s) : 'Select text in an editor and run “Attention Lens: Inspect Selection”.';
    this.facts.title = this.facts.textContent;
    this.truncation.hidden = !s?.truncation;
    this.truncation.textContent = s?.truncation?.message ?? '';
    this.stale.render();
    const st = d.status;
    this.status.hidden = !st || (st.state === 'idle' && !st.message);
    this.status.textContent = st?.message ?? '';
    this.status.dataset.state = st?.state ?? 'idle';
    const unavailable = s?.attentionUnavailable;
    if (unavailable) this.status.textContent = `${st?.message ? `${st.message} · ` : ''}Attention is not available for this model: ${unavailable}`;
    if (unavailable) this.status.hidden = false;
  }
}
