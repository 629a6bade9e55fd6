// The two layouts: the inspector panel (tabs under the summary line) and the compact side view.
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import type { VscodeTabs } from '@vscode-elements/elements/dist/vscode-tabs/vscode-tabs.js';
import { FromWebviewType } from '../src/protocol';
import type { App, View } from './app';
import type { ExportedView } from './export/caption';
import { TABS, type TabId } from './state';
import { CompareRunsView } from './views/compareRunsView';
import { HeadView } from './views/headView';
import { LogitLensView } from './views/logitLensView';
import { MatrixView } from './views/matrixView';
import { ModelView } from './views/modelView';
import { PredictionsView } from './views/predictionsView';
import { SidebarView } from './views/sidebarView';
import { SummaryLine } from './views/summaryLine';
import { TargetBox } from './views/targetBox';
import { TokensView } from './views/tokensView';

export interface Layout {
  /** The view an export renders, and which one it is. */
  current(): { view: View; id: ExportedView };
  render(): void;
}

const TAB_LABELS: Record<TabId, string> = {
  tokens: 'Tokens',
  head: 'Head view',
  model: 'Model view',
  matrix: 'Matrix',
  predictions: 'Predictions',
  lens: 'Logit lens',
  compare: 'Compare runs',
};

/**
 * Seven tab headers do not fit a panel beside the editor in one line, and vscode-tabs neither scrolls nor wraps
 * them (its tab list is a one-line flex box in its shadow root, with no part to style): the list is let wrap. A
 * constructed style sheet, as the element's own styles are, so the webview's CSP needs no inline style.
 */
function wrapTabHeaders(tabs: VscodeTabs): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync('.tablist { flex-wrap: wrap; }');
  if (tabs.shadowRoot) tabs.shadowRoot.adoptedStyleSheets = [...tabs.shadowRoot.adoptedStyleSheets, sheet];
}

export function inspectorLayout(app: App, root: HTMLElement): Layout {
  const summary = new SummaryLine(app);
  const targetBox = new TargetBox(app);
  const views: Record<TabId, View> = {
    tokens: new TokensView(app),
    head: new HeadView(app),
    model: new ModelView(app),
    matrix: new MatrixView(app),
    predictions: new PredictionsView(app),
    lens: new LogitLensView(app),
    compare: new CompareRunsView(app),
  };
  const tabs: VscodeTabs = document.createElement('vscode-tabs');
  tabs.setAttribute('aria-label', 'Attention Lens views');
  for (const id of TABS) {
    const header = document.createElement('vscode-tab-header');
    header.slot = 'header';
    header.textContent = TAB_LABELS[id];
    header.dataset.tab = id;
    const panel = document.createElement('vscode-tab-panel');
    panel.dataset.tab = id;
    panel.append(views[id].element);
    tabs.append(header, panel);
  }
  tabs.selectedIndex = TABS.indexOf(app.state.tab);
  tabs.addEventListener('vsc-tabs-select', (e) => app.update({ tab: TABS[e.detail.selectedIndex] }));
  root.append(summary.element, targetBox.element, tabs);
  wrapTabHeaders(tabs);
  const tell = focusTeller(app);
  return {
    current: () => ({ view: views[app.state.tab], id: app.state.tab }),
    render: () => {
      summary.render();
      targetBox.render();
      const index = TABS.indexOf(app.state.tab);
      if (tabs.selectedIndex !== index) tabs.selectedIndex = index;
      // Hidden panels have no size: render only what is seen; a tab switch renders the new one.
      views[app.state.tab].render();
      if (app.state.tab !== 'tokens') views.tokens.render();
      const focus = app.takeFocusRequest();
      // The tab panel shows after the tabs element updates: focus its canvas a frame later.
      if (focus) requestAnimationFrame(() => views[focus].element.querySelector<HTMLElement>('canvas[tabindex]')?.focus());
      // The side view can follow the inspector's layer and head: tell the host when they change.
      tell();
    },
  };
}

/** Tells the host the view's layer and head whenever they change (the side view follows the inspector's; the hover reads them). */
function focusTeller(app: App): () => void {
  let told = '';
  return () => {
    const { layer, head } = app.state;
    const key = `${layer}:${head}`;
    if (app.data.summary && key !== told) {
      told = key;
      app.host.post({ type: FromWebviewType.ViewFocus, layer, head });
    }
  };
}

export function sidebarLayout(app: App, root: HTMLElement): Layout {
  const summary = new SummaryLine(app, true);
  const view = new SidebarView(app);
  root.append(summary.element, view.element);
  const tell = focusTeller(app);
  return {
    current: () => ({ view, id: 'sidebar' }),
    render: () => {
      summary.render();
      view.render();
      tell();
    },
  };
}
