// Options and HTML shared by the inspector panel and the side view: scripts enabled, resources only from the
// built webview folder and media/, a fresh nonce on every load.
import * as vscode from 'vscode';
import { buildWebviewHtml, createNonce, type WebviewKind } from './webviewHtml';

export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: webviewRoots(extensionUri) };
}

/** The inspector and the side view run the main bundle; Compare Tokenizers its own (webview/compare/). */
export function setWebviewContent(webview: vscode.Webview, extensionUri: vscode.Uri, view: WebviewKind, title: string): void {
  const bundle = view === 'compare' ? 'compare' : 'main';
  webview.options = webviewOptions(extensionUri);
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', name)).toString();
  webview.html = buildWebviewHtml({
    cspSource: webview.cspSource,
    nonce: createNonce(),
    scriptUri: asset(`${bundle}.js`),
    styleUri: asset(`${bundle}.css`),
    view,
    title,
  });
}
