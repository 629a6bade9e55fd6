import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildWebviewHtml, contentSecurityPolicy, createNonce } from '../../src/panels/webviewHtml';

const CSP_SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';

function html(nonce = createNonce(), view: 'inspector' | 'sidebar' = 'inspector'): string {
  return buildWebviewHtml({
    cspSource: CSP_SOURCE,
    nonce,
    scriptUri: `${CSP_SOURCE}/ext/dist/webview/main.js`,
    styleUri: `${CSP_SOURCE}/ext/dist/webview/main.css`,
    view,
    title: 'Attention Lens',
  });
}

function cspOf(page: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(page);
  assert.ok(m, 'the page has a CSP meta tag');
  return m[1];
}

test('the CSP is exactly default-src none, local images/styles/fonts, scripts by nonce', () => {
  const nonce = createNonce();
  assert.equal(
    cspOf(html(nonce)),
    `default-src 'none'; img-src ${CSP_SOURCE} data: blob:; style-src ${CSP_SOURCE}; font-src ${CSP_SOURCE}; script-src 'nonce-${nonce}';`,
  );
  assert.equal(
    contentSecurityPolicy('vscode-webview://x', 'n'),
    "default-src 'none'; img-src vscode-webview://x data: blob:; style-src vscode-webview://x; font-src vscode-webview://x; script-src 'nonce-n';",
  );
});

test('the CSP allows no inline code, no eval and no remote origin other than the webview resource root', () => {
  const csp = cspOf(html());
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe-eval|\*/);
  const withoutResourceRoot = csp.split(CSP_SOURCE).join('');
  assert.doesNotMatch(withoutResourceRoot, /https?:/);
});

test('the page names no http(s) URL except resources under the webview resource root', () => {
  const page = html();
  const urls = page.match(/https?:[^"'\s;]*/g) ?? [];
  assert.ok(urls.length > 0);
  for (const url of urls) assert.ok(url.startsWith(CSP_SOURCE), `unexpected URL ${url}`);
});

test('every script tag carries the nonce, and there is no inline script or inline style', () => {
  const nonce = createNonce();
  const page = html(nonce);
  const scripts = page.match(/<script\b[^>]*>/g) ?? [];
  assert.equal(scripts.length, 1);
  for (const tag of scripts) {
    assert.ok(tag.includes(`nonce="${nonce}"`), tag);
    assert.match(tag, /\ssrc="/, 'scripts are loaded from files, not inline');
  }
  assert.doesNotMatch(page, /<style\b|\sstyle=|\son[a-z]+=/i);
});

test('nonces carry at least 128 bits and differ on every call', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const n = createNonce();
    assert.match(n, /^[A-Za-z0-9_-]+$/);
    assert.ok(Buffer.from(n, 'base64url').length >= 16, 'at least 16 random bytes');
    seen.add(n);
  }
  assert.equal(seen.size, 200);
  assert.notEqual(cspOf(html()), cspOf(html()));
});

test('a weak or malformed nonce is refused', () => {
  assert.throws(() => html('abc'), /128 bits/);
  assert.throws(() => html('a"b c d e f g h i j k l m n o p'), /128 bits/);
});

test('the body names the view, and attribute values are escaped', () => {
  assert.match(html(undefined, 'sidebar'), /<body data-view="sidebar">/);
  assert.match(html(undefined, 'inspector'), /<body data-view="inspector">/);
  const page = buildWebviewHtml({
    cspSource: CSP_SOURCE,
    nonce: createNonce(),
    scriptUri: 'x"><script>alert(1)</script>',
    styleUri: 's',
    view: 'inspector',
    title: '<t>',
  });
  assert.doesNotMatch(page, /<script>alert/);
  assert.match(page, /<title>&#60;t&#62;<\/title>/);
});
