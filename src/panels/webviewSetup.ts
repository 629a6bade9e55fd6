// Options and HTML shared by the inspector panel and the side view: scripts enabled, resources only from the
// built webview folder and media/, a fresh nonce on every load.
import * as vscode from 'vscode';
import { buildWebviewHtml, createNonce } from './webviewHtml';

export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: webviewRoots(extensionUri) };
}

export function setWebviewContent(webview: vscode.Webview, extensionUri: vscode.Uri, view: 'inspector' | 'sidebar', title: string): void {
  webview.options = webviewOptions(extensionUri);
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', name)).toString();
  webview.html = buildWebviewHtml({
    cspSource: webview.cspSource,
    nonce: createNonce(),
    scriptUri: asset('main.js'),
    styleUri: asset('main.css'),
    view,
    title,
  });
}
