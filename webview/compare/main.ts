// Entry of the Compare Tokenizers webview: says 'ready', then draws each comparison the host sends. Its own small
// bundle: it shares only src/protocol/compare.ts with the host.
import './compare.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { CompareExportFormat, ComparisonView, FromCompareMessage, ToCompareMessage } from '../../src/protocol/compare';
import { pngFigure, svgFigure } from '../export/figure';
import { figuresTable, drawnNotice } from './figures';
import { drawLines } from './lines';
import { comparisonCaption, drawComparison } from './picture';

interface VsCodeApi {
  postMessage(message: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
const post = (message: FromCompareMessage) => api.postMessage(message);

const root = document.getElementById('app') ?? document.body;
const header = document.createElement('div');
header.className = 'compare-header';
const source = document.createElement('span');
source.className = 'compare-source';
function exportButton(format: CompareExportFormat): HTMLElement {
  const button = document.createElement('vscode-button');
  button.textContent = `Export ${format.toUpperCase()}`;
  button.setAttribute('secondary', '');
  button.addEventListener('click', () => post({ type: 'export', format }));
  return button;
}
header.append(source, ...(['png', 'svg', 'html', 'json'] as const).map(exportButton));
const status = document.createElement('div');
status.className = 'compare-status';
status.setAttribute('aria-live', 'polite');
const figures = document.createElement('div');
figures.className = 'compare-figures-box';
const notice = document.createElement('div');
notice.className = 'compare-notice';
const lines = document.createElement('div');
lines.className = 'compare-lines';
root.append(header, status, figures, notice, lines);
status.textContent = 'Select text (or nothing, for the whole file) and run Attention Lens: Compare Tokenizers.';

let shown: ComparisonView | undefined;

function show(view: ComparisonView): void {
  shown = view;
  document.body.dataset.comparison = String(view.id);
  status.textContent = '';
  source.textContent = `${view.source} · ${view.textLength.toLocaleString('en-US')} characters · ${view.differingTotal} boundaries differ`;
  figures.replaceChildren(figuresTable(view));
  notice.textContent = drawnNotice(view);
  notice.hidden = notice.textContent === '';
  drawLines(lines, view, (start, end) => post({ type: 'revealSpan', start, end }));
}

/** Answers the host's renderExport with the comparison as a titled figure, or why there is none. */
async function renderExport(requestId: number, format: 'png' | 'svg'): Promise<void> {
  const view = shown;
  try {
    if (!view) throw new Error('no comparison is shown');
    const draw = () => drawComparison(view);
    const data = format === 'png' ? await pngFigure(draw, comparisonCaption(view)) : svgFigure(draw, comparisonCaption(view));
    post({ type: 'exportRendered', requestId, format, data });
  } catch (error) {
    post({ type: 'exportRendered', requestId, format, data: '', error: (error as Error).message });
  }
}

window.addEventListener('message', (event: MessageEvent<ToCompareMessage>) => {
  const m = event.data;
  if (m?.type === 'comparison') show(m.comparison);
  else if (m?.type === 'renderExport') void renderExport(m.requestId, m.format);
  else if (m?.type === 'status') {
    status.textContent = m.message;
    status.classList.toggle('error', m.state === 'error');
  }
});
post({ type: 'ready' });
