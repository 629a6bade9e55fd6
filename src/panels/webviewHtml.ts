// The HTML shell of the webviews (inspector panel, side view, Compare Tokenizers). Pure: no vscode import, so the CSP can be
// unit-tested. Scripts run only by nonce; styles, fonts and images only from the webview's own resource root.
import { randomBytes } from 'node:crypto';

export type WebviewKind = 'inspector' | 'sidebar' | 'compare';

export interface WebviewHtmlOptions {
  /** webview.cspSource: the origin the webview may load local resources from. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  view: WebviewKind;
  title: string;
}

/** 128 random bits, base64url (no characters that need escaping in a CSP or an attribute). */
export function createNonce(): string {
  return randomBytes(16).toString('base64url');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return (
    [
      "default-src 'none'",
      `img-src ${cspSource} data: blob:`,
      `style-src ${cspSource}`,
      `font-src ${cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ') + ';'
  );
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function buildWebviewHtml(o: WebviewHtmlOptions): string {
  if (!/^[A-Za-z0-9_-]{22,}$/.test(o.nonce)) throw new Error('The nonce must be at least 128 bits of base64url.');
  const csp = contentSecurityPolicy(o.cspSource, o.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(o.styleUri)}">
<title>${escapeAttribute(o.title)}</title>
</head>
<body data-view="${o.view === 'sidebar' || o.view === 'compare' ? o.view : 'inspector'}">
<div id="app"></div>
<script type="module" nonce="${o.nonce}" src="${escapeAttribute(o.scriptUri)}"></script>
</body>
</html>
`;
}
