// The script Playwright injects before the webview bundle: a stand-in for VS Code's acquireVsCodeApi that
// records what the webview posts, keeps setState in sessionStorage (so a reload restores it, as VS Code does
// on hide/show), applies a theme, answers the layer and logits requests through the Node-side `__lensHost` binding, and records
// CSP violations. It is browser code kept as a string because the Node tsconfig has no DOM types.
export const PAGE_STUB = String.raw`
(() => {
  const lens = { posted: [], states: [], violations: [], autoReply: true, acquired: 0 };
  window.__lens = lens;
  const params = new URLSearchParams(location.search);
  const themeName = params.get('theme') || 'dark';
  const THEMES = {
    dark: { cls: 'vscode-dark', vars: { 'editor-background': '#1f1f1f', foreground: '#cccccc', descriptionForeground: '#9d9d9d',
      focusBorder: '#0078d4', 'panel-border': '#2b2b2b', 'editor-selectionBackground': '#264f78', 'charts-blue': '#3794ff',
      'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-red': '#f14c4c', 'charts-purple': '#b180d7',
      'charts-yellow': '#cca700', 'font-family': 'system-ui, sans-serif', 'font-size': '13px', 'editor-font-family': 'monospace',
      'button-background': '#0078d4', 'button-foreground': '#ffffff', 'button-hoverBackground': '#026ec1',
      'button-secondaryBackground': '#313131', 'button-secondaryForeground': '#cccccc', 'button-secondaryHoverBackground': '#3c3c3c',
      'button-border': '#ffffff12',
      'panel-background': '#181818', 'panelTitle-activeBorder': '#0078d4', 'panelTitle-activeForeground': '#cccccc',
      'panelTitle-inactiveForeground': '#9d9d9d', 'settings-headerBorder': '#2b2b2b',
      'settings-dropdownBackground': '#313131', 'settings-dropdownBorder': '#3c3c3c', 'settings-dropdownForeground': '#cccccc',
      'settings-dropdownListBorder': '#454545',
      'settings-checkboxBackground': '#313131', 'settings-checkboxBorder': '#3c3c3c', 'settings-checkboxForeground': '#cccccc',
      'list-activeSelectionBackground': '#04395e', 'list-activeSelectionForeground': '#ffffff', 'list-hoverBackground': '#2a2d2e',
      'editorWidget-background': '#202020', 'editorHoverWidget-background': '#202020', 'editorHoverWidget-foreground': '#cccccc',
      'editorHoverWidget-border': '#454545', 'editorWarning-foreground': '#cca700' } },
    light: { cls: 'vscode-light', vars: { 'editor-background': '#ffffff', foreground: '#3b3b3b', descriptionForeground: '#717171',
      focusBorder: '#005fb8', 'panel-border': '#e5e5e5', 'editor-selectionBackground': '#add6ff', 'charts-blue': '#1a85ff',
      'charts-orange': '#d18616', 'charts-green': '#388a34', 'charts-red': '#e51400', 'charts-purple': '#652d90',
      'charts-yellow': '#bf8803', 'font-family': 'system-ui, sans-serif', 'font-size': '13px', 'editor-font-family': 'monospace',
      'button-background': '#005fb8', 'button-foreground': '#ffffff', 'button-hoverBackground': '#0258a8',
      'button-secondaryBackground': '#e5e5e5', 'button-secondaryForeground': '#3b3b3b', 'button-secondaryHoverBackground': '#cccccc',
      'button-border': '#0000001a',
      'panel-background': '#f8f8f8', 'panelTitle-activeBorder': '#005fb8', 'panelTitle-activeForeground': '#3b3b3b',
      'panelTitle-inactiveForeground': '#3b3b3b', 'settings-headerBorder': '#e5e5e5',
      'settings-dropdownBackground': '#ffffff', 'settings-dropdownBorder': '#cecece', 'settings-dropdownForeground': '#3b3b3b',
      'settings-dropdownListBorder': '#c8c8c8',
      'settings-checkboxBackground': '#f8f8f8', 'settings-checkboxBorder': '#cecece', 'settings-checkboxForeground': '#3b3b3b',
      'list-activeSelectionBackground': '#e8e8e8', 'list-activeSelectionForeground': '#000000', 'list-hoverBackground': '#f2f2f2',
      'editorWidget-background': '#f0f0f0', 'editorHoverWidget-background': '#f8f8f8', 'editorHoverWidget-foreground': '#3b3b3b',
      'editorHoverWidget-border': '#c8c8c8', 'editorWarning-foreground': '#bf8803' } },
    hc: { cls: 'vscode-high-contrast', vars: { 'editor-background': '#000000', foreground: '#ffffff', descriptionForeground: '#ffffff',
      focusBorder: '#f38518', 'panel-border': '#6fc3df', 'editor-selectionBackground': '#ffffff', 'contrastBorder': '#6fc3df',
      'charts-blue': '#3794ff', 'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-red': '#f14c4c', 'charts-purple': '#b180d7',
      'charts-yellow': '#cca700', 'font-family': 'system-ui, sans-serif', 'font-size': '13px', 'editor-font-family': 'monospace',
      'button-background': '#000000', 'button-foreground': '#ffffff', 'button-border': '#6fc3df', 'button-secondaryBackground': '#000000',
      'button-secondaryForeground': '#ffffff',
      'panel-background': '#000000', 'panelTitle-activeBorder': '#f38518', 'panelTitle-activeForeground': '#ffffff',
      'panelTitle-inactiveForeground': '#ffffff', 'settings-headerBorder': '#6fc3df',
      'settings-dropdownBackground': '#000000', 'settings-dropdownBorder': '#6fc3df', 'settings-dropdownForeground': '#ffffff',
      'settings-dropdownListBorder': '#6fc3df',
      'settings-checkboxBackground': '#000000', 'settings-checkboxBorder': '#6fc3df', 'settings-checkboxForeground': '#ffffff',
      'list-activeSelectionBackground': '#000000', 'list-activeSelectionForeground': '#ffffff', 'list-focusOutline': '#f38518',
      'list-hoverBackground': '#000000',
      'editorWidget-background': '#0c141f', 'editorHoverWidget-background': '#0c141f', 'editorHoverWidget-foreground': '#ffffff',
      'editorHoverWidget-border': '#6fc3df', 'editorWarning-foreground': '#ffd370' } },
  };
  const theme = THEMES[themeName] || THEMES.dark;
  // Runs before the document exists: apply the theme (as VS Code does, on <html> style and <body> class)
  // as soon as <body> is parsed, which is before the deferred module script runs.
  const applyBody = () => {
    if (!document.body) return false;
    for (const [k, v] of Object.entries(theme.vars)) document.documentElement.style.setProperty('--vscode-' + k, v);
    document.body.classList.add(theme.cls);
    return true;
  };
  const obs = new MutationObserver(() => { if (applyBody()) obs.disconnect(); });
  obs.observe(document, { childList: true, subtree: true });
  document.addEventListener('securitypolicyviolation', (e) =>
    lens.violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));
  const fromB64 = (b64) => {
    const s = atob(b64);
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return new Float32Array(bytes.buffer);
  };
  lens.fromB64 = fromB64;
  lens.deliver = (message) => window.postMessage(message, '*');
  window.acquireVsCodeApi = () => {
    lens.acquired++;
    if (lens.acquired > 1) throw new Error('acquireVsCodeApi called twice');
    return {
      postMessage(m) {
        lens.posted.push(m);
        if (m && m.type === 'request' && (m.method === 'layer' || m.method === 'logits') && lens.autoReply && window.__lensHost) {
          window.__lensHost(JSON.stringify(m)).then((r) => {
            if (!r) return;
            const reply = JSON.parse(r.meta);
            if (reply.result && m.method === 'layer') reply.result.data = fromB64(r.data);
            if (reply.result && m.method === 'logits') reply.result.logits = fromB64(r.data);
            lens.deliver(reply);
          });
        }
      },
      getState() {
        const s = sessionStorage.getItem('lens-state');
        return s ? JSON.parse(s) : undefined;
      },
      setState(s) {
        lens.states.push(s);
        sessionStorage.setItem('lens-state', JSON.stringify(s));
      },
    };
  };
})();
`;
