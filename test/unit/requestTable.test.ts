// The webview → host request table: every method's params validator accepts good params (keeping only the known
// fields) and rejects each bad field; parseFromWebview sends `request` messages through it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FromWebviewType,
  MAX_NAMED_HEADS,
  MAX_TARGET_CHARS,
  parseFromWebview,
  REQUESTS,
  isRequestMethod,
  type RequestMethod,
} from '../../src/protocol';

const GOOD: { [M in RequestMethod]: Record<string, unknown> } = {
  layer: { runId: 3, set: 'self', layer: 2 },
  maskedAt: { runId: 3, position: 4 },
  unmasked: { runId: 3 },
  logits: { runId: 3, position: 0 },
  setTarget: { runId: 3, target: 'Das Haus ist klein.' },
  compareRuns: { runId: 3, set: 'self', layer: 1, head: 2 },
  pinBaseline: { runId: 3, pin: true },
};

const BAD_COUNTS: unknown[] = [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '3', null, undefined, [3], {}];

function validate(method: RequestMethod, params: Record<string, unknown>): unknown {
  return (REQUESTS[method] as (p: Record<string, unknown>) => unknown)(params);
}

describe('request table', () => {
  it('names every method the webview asks (layer, maskedAt, unmasked, logits, setTarget, compareRuns, pinBaseline), and only those', () => {
    const methods = ['compareRuns', 'layer', 'logits', 'maskedAt', 'pinBaseline', 'setTarget', 'unmasked'];
    assert.deepEqual(Object.keys(REQUESTS).sort(), methods);
    for (const method of Object.keys(GOOD)) assert.equal(isRequestMethod(method), true, method);
    for (const method of ['toString', '__proto__', 'constructor', 'requestLayer', '', 1]) {
      assert.equal(isRequestMethod(method), false, String(method));
    }
  });

  for (const method of Object.keys(GOOD) as RequestMethod[]) {
    it(`${method}: good params are accepted with only their known fields`, () => {
      assert.deepEqual(validate(method, { ...GOOD[method], extra: '/etc/passwd' }), GOOD[method]);
      const parsed = parseFromWebview({ type: FromWebviewType.Request, requestId: 9, method, params: GOOD[method] });
      assert.deepEqual(parsed, { ok: true, message: { type: FromWebviewType.Request, requestId: 9, method, params: GOOD[method] } });
    });

    for (const field of Object.keys(GOOD[method])) {
      it(`${method}: a bad or missing ${field} is rejected`, () => {
        const bads =
          field === 'set'
            ? ['', 'Self', '../x', 'a b', 'x'.repeat(33), 7, null, undefined]
            : field === 'target'
              ? ['x'.repeat(MAX_TARGET_CHARS + 1), 7, null, undefined, ['a'], { text: 'a' }]
              : BAD_COUNTS;
        for (const bad of bads) {
          const params = { ...GOOD[method], [field]: bad };
          const reason = field === 'set' ? `bad ${method} set` : field === 'target' ? 'bad setTarget target' : `bad ${method} params`;
          assert.deepEqual(validate(method, params), { rejected: reason }, `${field} = ${String(bad)}`);
          assert.deepEqual(parseFromWebview({ type: FromWebviewType.Request, requestId: 1, method, params }), { ok: false, reason });
        }
        const missing: Record<string, unknown> = { ...GOOD[method] };
        delete missing[field];
        assert.ok('rejected' in (validate(method, missing) as object), `without ${field}`);
      });
    }
  }

  it('setTarget: any text up to the limit is a target, the empty one included (it means: generate)', () => {
    for (const target of ['', ' ', 'Das Haus', '\u{1F600} \n\t<script>', 'x'.repeat(MAX_TARGET_CHARS)]) {
      assert.deepEqual(validate('setTarget', { runId: 1, target }), { runId: 1, target });
    }
  });

  it("compareRuns: the head is a head's number or 'mean'", () => {
    assert.deepEqual(validate('compareRuns', { ...GOOD.compareRuns, head: 'mean' }), { ...GOOD.compareRuns, head: 'mean' });
    assert.deepEqual(validate('compareRuns', { ...GOOD.compareRuns, head: 'Mean' }), { rejected: 'bad compareRuns params' });
  });

  it('layer: heads, when named, are a short non-empty list of counts (the host checks them against the set)', () => {
    const good = { ...GOOD.layer, heads: [3, 0] };
    assert.deepEqual(validate('layer', good), good);
    for (const heads of [[], [-1], [1.5], ['0'], [0, null], 2, 'all', null, new Array<number>(MAX_NAMED_HEADS + 1).fill(0)]) {
      assert.deepEqual(validate('layer', { ...GOOD.layer, heads }), { rejected: 'bad layer heads' }, JSON.stringify(heads));
    }
  });

  it('attention set names: short lower-case names such as self, encoder, decoder, cross', () => {
    for (const set of ['self', 'encoder', 'decoder', 'cross', 'x'.repeat(32)]) {
      assert.deepEqual(validate('layer', { runId: 1, set, layer: 0 }), { runId: 1, set, layer: 0 });
    }
  });
});
