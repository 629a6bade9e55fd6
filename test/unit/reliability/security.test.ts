// Reliability catalogue, security: what a webview sends is validated before use (and can never name a path),
// and file names that a Hub server announces are never used as paths. The webview CSP and the HTTPS-only
// download policy have their own tests (webviewHtml.test.ts, hubCache.test.ts); see README.md here.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ensureHubModel } from '../../../src/core/hub/hubModel';
import { FromWebviewType, parseFromWebview } from '../../../src/protocol';
import { FakeHub } from '../../support/fakeHub';
import { listFiles, makeModelFiles } from '../../support/hubFixtures';
import { tempDir } from './support';

const MAX_EXPORT_BYTES = 64 * 1024 * 1024;

/** A short description for failure messages (never a full JSON dump: some payloads are 64 MB). */
function preview(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null) return String(raw);
  return `{${Object.keys(raw).join(', ')}} of type ${String((raw as { type?: unknown }).type).slice(0, 40)}`;
}

/** A request message as the webview sends it. */
function request(method: string, params: Record<string, unknown>, requestId: unknown = 1): Record<string, unknown> {
  return { type: FromWebviewType.Request, requestId, method, params };
}

function rejected(raw: unknown): string {
  const parsed = parseFromWebview(raw);
  if (parsed.ok) assert.fail(`accepted ${preview(raw)}`);
  return parsed.reason;
}

function accepted(raw: unknown): unknown {
  const parsed = parseFromWebview(raw);
  if (!parsed.ok) assert.fail(`rejected ${preview(raw)}: ${parsed.reason}`);
  return parsed.message;
}

describe('reliability: messages from a webview', () => {
  it('an export names what it shows only with file-name-safe characters; a view focus is a layer and a head', () => {
    const rendered = { type: FromWebviewType.ExportRendered, requestId: 1, format: 'svg', data: '<svg/>' };
    assert.deepEqual(accepted({ ...rendered, name: 'head-view_L3_H0+2' }), { ...rendered, name: 'head-view_L3_H0+2', error: undefined });
    for (const name of ['../x', 'a/b', '.hidden', '', 'a b', 'x'.repeat(81), 7])
      assert.equal(rejected({ ...rendered, name }), 'bad exportRendered name', String(name));
    assert.deepEqual(accepted({ type: FromWebviewType.ViewFocus, layer: 2, head: 'mean' }), { type: 'viewFocus', layer: 2, head: 'mean' });
    assert.deepEqual(accepted({ type: FromWebviewType.ViewFocus, layer: 0, head: 3 }), { type: 'viewFocus', layer: 0, head: 3 });
    for (const bad of [{ layer: -1, head: 0 }, { layer: 1, head: 'all' }, { layer: 1.5, head: 0 }, { layer: 1 }]) {
      assert.equal(rejected({ type: FromWebviewType.ViewFocus, ...bad }), 'bad viewFocus fields');
    }
    assert.deepEqual(
      accepted({ type: FromWebviewType.SelectModel, spec: '/etc' }),
      { type: 'selectModel' },
      'nothing but the request itself is kept',
    );
  });

  it('non-objects (null, undefined, a string, a number, an array, a boolean) are dropped as "not an object"', () => {
    for (const raw of [null, undefined, 'ready', 42, [], [{ type: 'ready' }], true, () => ({ type: 'ready' })]) {
      assert.equal(rejected(raw), 'not an object');
    }
  });

  it('unknown types are dropped as "unknown message type …", cut to 40 characters for the log', () => {
    assert.equal(rejected({ type: 'readFile', path: '/etc/passwd' }), 'unknown message type "readFile"');
    assert.equal(rejected({ type: 'writeFile', path: '../../x', data: 'y' }), 'unknown message type "writeFile"');
    assert.equal(rejected({ path: '/etc/passwd' }), 'unknown message type "undefined"');
    assert.equal(rejected({ type: 'x'.repeat(10_000) }), `unknown message type "${'x'.repeat(39)}`);
    assert.equal(rejected({ type: { toString: () => 'ready' } }), 'unknown message type "ready"');
  });

  it('wrong field types are dropped with the message kind named ("bad layer params", "bad export format" …)', () => {
    assert.equal(rejected(request('layer', { runId: 1, set: 'self', layer: 0 }, '1')), 'bad request id');
    assert.equal(rejected(request('layer', { runId: 1, set: 'self' })), 'bad layer params');
    assert.equal(rejected(request('layer', { runId: 1, set: '../self', layer: 0 })), 'bad layer set');
    assert.equal(rejected(request('maskedAt', { runId: 1, position: [3] })), 'bad maskedAt params');
    const unmasked = { type: FromWebviewType.Request, requestId: 1, method: 'unmasked' };
    assert.equal(rejected(unmasked), 'bad unmasked params', 'params must be an object');
    assert.equal(rejected({ ...unmasked, params: [1] }), 'bad unmasked params');
    assert.equal(rejected({ type: FromWebviewType.RevealToken, runId: 1, index: '0' }), 'bad revealToken fields');
    assert.equal(rejected({ type: FromWebviewType.Export, format: '../../evil.sh' }), 'bad export format');
    assert.equal(rejected({ type: FromWebviewType.Export, format: 'exe' }), 'bad export format');
    assert.equal(rejected({ type: FromWebviewType.ExportRendered, requestId: 1, format: 'html', data: '' }), 'bad exportRendered fields');
    assert.equal(rejected({ type: FromWebviewType.ExportRendered, requestId: 1, format: 'svg', data: 12 }), 'bad exportRendered data');
    assert.equal(
      rejected({ type: FromWebviewType.ExportRendered, requestId: 1, format: 'svg', data: '<svg/>', error: 5 }),
      'bad exportRendered error',
    );
  });

  it('negative, fractional, NaN, infinite and unsafe-integer ids and indices are dropped', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, Number.MAX_VALUE, -0.5]) {
      assert.equal(rejected(request('layer', { runId: 1, set: 'self', layer: 0 }, bad)), 'bad request id', String(bad));
      assert.equal(rejected(request('layer', { runId: 1, set: 'self', layer: bad })), 'bad layer params', String(bad));
      assert.equal(rejected({ type: FromWebviewType.RevealToken, runId: bad, index: 0 }), 'bad revealToken fields', String(bad));
      assert.equal(rejected(request('maskedAt', { runId: 1, position: bad })), 'bad maskedAt params', String(bad));
      assert.equal(rejected(request('logits', { runId: 1, position: bad })), 'bad logits params', String(bad));
      assert.equal(rejected(request('unmasked', { runId: bad })), 'bad unmasked params', String(bad));
      assert.equal(rejected(request('setTarget', { runId: bad, target: 'x' })), 'bad setTarget params', String(bad));
    }
    // A target is text the host feeds the decoder, nothing else, and bounded.
    for (const bad of [undefined, 1, ['x'], { text: 'x' }, 'x'.repeat(20_001)]) {
      assert.equal(rejected(request('setTarget', { runId: 1, target: bad })), 'bad setTarget target', JSON.stringify(bad)?.slice(0, 20));
    }
    const extra = { ...request('logits', { runId: 1, position: 7, extra: 'dropped' }, 3), extra: 'dropped' };
    assert.deepEqual(accepted(extra), request('logits', { runId: 1, position: 7 }, 3));
    assert.deepEqual(accepted(request('layer', { runId: 0, set: 'self', layer: 0 }, 2 ** 53 - 1)), {
      type: FromWebviewType.Request,
      requestId: 2 ** 53 - 1,
      method: 'layer',
      params: { runId: 0, set: 'self', layer: 0 },
    });
    // A set is a short name; whether the run has it is the host's to check.
    for (const bad of [undefined, 1, '', 'Self', '../x', 'a'.repeat(33), 'cross attention']) {
      assert.equal(rejected(request('layer', { runId: 1, set: bad, layer: 0 })), 'bad layer set', String(bad));
    }
  });

  it('a request names a method of the table itself: inherited names (toString, __proto__) and unknown ones are dropped', () => {
    for (const method of ['readFile', 'toString', '__proto__', 'constructor', 'hasOwnProperty', 7, undefined]) {
      const reason = rejected({ type: FromWebviewType.Request, requestId: 1, method, params: { runId: 1 } });
      assert.match(reason, /^unknown request method /, String(method));
    }
    const long = rejected({ type: FromWebviewType.Request, requestId: 1, method: 'x'.repeat(10_000), params: {} });
    assert.equal(long, `unknown request method "${'x'.repeat(39)}`);
  });

  it('export data over 64 MB is dropped as "bad exportRendered data"; exactly 64 MB is accepted', () => {
    const base = { type: FromWebviewType.ExportRendered, requestId: 7, format: 'png' };
    assert.equal(rejected({ ...base, data: new Uint8Array(MAX_EXPORT_BYTES + 1) }), 'bad exportRendered data');
    assert.equal(rejected({ ...base, format: 'svg', data: 'x'.repeat(MAX_EXPORT_BYTES + 1) }), 'bad exportRendered data');
    const atLimit = accepted({ ...base, data: new Uint8Array(MAX_EXPORT_BYTES) }) as { data: Uint8Array };
    assert.equal(atLimit.data.byteLength, MAX_EXPORT_BYTES);
  });

  it('prototype-pollution keys (__proto__, constructor) neither pollute Object.prototype nor reach the parsed message', () => {
    const hostile = JSON.parse(
      '{"type":"request","requestId":1,"method":"layer","params":{"runId":2,"set":"self","layer":0,"__proto__":{"polluted":true}},' +
        '"__proto__":{"polluted":true,"type":"export"},"constructor":{"prototype":{"polluted":true}}}',
    );
    const message = accepted(hostile) as { params: object };
    assert.deepEqual(Object.keys(message), ['type', 'requestId', 'method', 'params']);
    assert.deepEqual(Object.keys(message.params), ['runId', 'set', 'layer']);
    assert.equal(Object.getPrototypeOf(message), Object.prototype);
    assert.equal(Object.getPrototypeOf(message.params), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
    // A type that exists only under __proto__ is not the message's type.
    assert.equal(rejected(JSON.parse('{"__proto__":{"type":"ready"}}')), 'unknown message type "undefined"');
  });

  it('extra fields never survive parsing: an export request cannot carry a path, a reveal cannot carry a file', () => {
    assert.deepEqual(accepted({ type: FromWebviewType.Export, format: 'json', path: '/etc/passwd', uri: 'file:///etc/passwd' }), {
      type: FromWebviewType.Export,
      format: 'json',
    });
    assert.deepEqual(accepted({ type: FromWebviewType.RevealToken, runId: 3, index: 4, file: '/home/user/.ssh/id_rsa' }), {
      type: FromWebviewType.RevealToken,
      runId: 3,
      index: 4,
    });
    assert.deepEqual(accepted({ type: FromWebviewType.Ready, anything: 'else' }), { type: FromWebviewType.Ready });
  });
});

describe('reliability: names a Hub server announces', () => {
  it(
    'hostile file names in the Hub API listing (../, absolute, ' +
      'backslashes) are never used as paths: only the fixed files land in the cache',
    async () => {
      const files = makeModelFiles('hostile-names');
      const hostile = ['../../escape.onnx', 'onnx/../../../escape.json', '/etc/escape', 'onnx\\..\\..\\escape.onnx', '../onnx/model.onnx'];
      for (const name of hostile) files[name] = Buffer.from('not to be written');
      const hub = await FakeHub.start({ models: { 'tester/hostile': files } });
      const tmp = tempDir('hostile');
      const cacheDir = path.join(tmp.dir, 'cache');
      try {
        const folder = await ensureHubModel({ modelId: 'tester/hostile', hubUrl: hub.url, cacheDir });
        assert.deepEqual(
          listFiles(folder).filter((f) => !f.startsWith('.complete')),
          ['config.json', 'onnx/model.onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'],
        );
        assert.deepEqual(fs.readdirSync(tmp.dir), ['cache'], 'nothing was written beside the cache');
        assert.ok(!hub.requests.some((r) => r.path.includes('escape')), 'a hostile name was requested');
      } finally {
        await hub.close();
        tmp.cleanup();
      }
    },
  );
});
