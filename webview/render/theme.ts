// Colours and fonts read from VS Code's theme variables, re-read when the body's theme class changes.
import { makeLut, type ColorLut } from './colormap';

export interface Theme {
  kind: 'light' | 'dark' | 'high-contrast';
  background: string;
  foreground: string;
  muted: string;
  focus: string;
  border: string;
  selection: string;
  fontFamily: string;
  fontSize: number;
  lut: ColorLut;
  /** One colour per head index (cycled). */
  headColor(head: number): string;
}

// Fallbacks matter only outside VS Code (tests set the variables themselves).
const CHART_VARS = [
  '--vscode-charts-blue',
  '--vscode-charts-orange',
  '--vscode-charts-green',
  '--vscode-charts-red',
  '--vscode-charts-purple',
  '--vscode-charts-yellow',
];
const CHART_FALLBACK = ['#3794ff', '#d18616', '#89d185', '#f14c4c', '#b180d7', '#cca700'];
// Beyond the six chart colours: Paul Tol's "muted" qualitative scheme, chosen to stay distinct for
// colour-blind readers.
const EXTRA = ['#88ccee', '#cc6677', '#117733', '#ddcc77', '#aa4499', '#44aa99', '#999933', '#882255', '#332288'];

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

export function readTheme(): Theme {
  const body = document.body;
  const kind =
    body.classList.contains('vscode-high-contrast') || body.classList.contains('vscode-high-contrast-light')
      ? 'high-contrast'
      : body.classList.contains('vscode-light')
        ? 'light'
        : 'dark';
  const s = getComputedStyle(body);
  const light = kind === 'light' || body.classList.contains('vscode-high-contrast-light');
  const palette = CHART_VARS.map((v, i) => cssVar(s, v, CHART_FALLBACK[i])).concat(EXTRA);
  return {
    kind,
    background: cssVar(s, '--vscode-editor-background', light ? '#ffffff' : '#1e1e1e'),
    foreground: cssVar(s, '--vscode-foreground', light ? '#3b3b3b' : '#cccccc'),
    muted: cssVar(s, '--vscode-descriptionForeground', light ? '#717171' : '#9d9d9d'),
    focus: cssVar(s, '--vscode-focusBorder', '#0078d4'),
    border: cssVar(s, '--vscode-panel-border', light ? '#e5e5e5' : '#2b2b2b'),
    selection: cssVar(s, '--vscode-editor-selectionBackground', light ? '#add6ff' : '#264f78'),
    fontFamily: cssVar(s, '--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: parseFloat(cssVar(s, '--vscode-font-size', '13')) || 13,
    lut: makeLut(light),
    headColor: (head) => palette[head % palette.length],
  };
}

let current: Theme | null = null;
const listeners: (() => void)[] = [];

export function theme(): Theme {
  if (!current) current = readTheme();
  return current;
}

/** VS Code swaps body classes on theme change; redraw canvases then. */
export function watchTheme(onChange: () => void): void {
  listeners.push(onChange);
  if (listeners.length > 1) return;
  new MutationObserver(() => {
    current = readTheme();
    for (const l of listeners) l();
  }).observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
}
