// The webview → host request table: every method's params validator accepts good params (keeping only the known
// fields) and rejects each bad field; parseFromWebview sends `request` messages through it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FromWebviewType,
  MAX_NAMED_HEADS,
  MAX_QUERY_KEY_KEYS,
  MAX_TARGET_CHARS,
  parseFromWebview,
  REQUESTS,
  isRequestMethod,
  LENS_WINDOW,
  type RequestMethod,
} from '../../src/protocol';

const GOOD: { [M in RequestMethod]: Record<string, unknown> } = {
  layer: { runId: 3, set: 'self', layer: 2 },
  maskedAt: { runId: 3, position: 4 },
  unmasked: { runId: 3 },
  logits: { runId: 3, position: 0 },
  setTarget: { runId: 3, target: 'Das Haus ist klein.' },
  ablate: { runId: 3, heads: [{ layer: 0, head: 2 }], mode: 'zero' },
  rollout: { runId: 3, set: 'self', layer: 1 },
  shadeRollout: { runId: 3, set: 'encoder', layer: 0, query: 2 },
  logitLens: { runId: 3, positions: [0, 2, 5] },
  queryKey: { runId: 3, set: 'self', layer: 1, head: 2, query: 5, keys: 64 },
  compareRuns: { runId: 3, set: 'self', layer: 1, head: 2 },
  pinBaseline: { runId: 3, pin: true },
};

const BAD_COUNTS: unknown[] = [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '3', null, undefined, [3], {}];

function validate(method: RequestMethod, params: Record<string, unknown>): unknown {
  return (REQUESTS[method] as (p: Record<string, unknown>) => unknown)(params);
}

describe('request table', () => {
  it('names every method the webview asks, and only those', () => {
    assert.deepEqual(Object.keys(REQUESTS).sort(), [
      'ablate',
      'compareRuns',
      'layer',
      'logitLens',
      'logits',
      'maskedAt',
      'pinBaseline',
      'queryKey',
      'rollout',
      'setTarget',
      'shadeRollout',
      'unmasked',
    ]);
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
              : field === 'query'
                ? BAD_COUNTS.filter((b) => b !== null)
                : field === 'positions'
                  ? [[], [-1], [1.5], [2, 2], ['1'], Array.from({ length: LENS_WINDOW + 1 }, (_, i) => i), 3, null, undefined]
                  : BAD_COUNTS;
        for (const bad of bads) {
          const params = { ...GOOD[method], [field]: bad };
          const setReason = method === 'layer' || method === 'queryKey' || method === 'compareRuns';
          const reason =
            field === 'set' && setReason ? `bad ${method} set` : field === 'target' ? 'bad setTarget target' : `bad ${method} params`;
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

  it('shadeRollout: a null query clears the shading', () => {
    assert.deepEqual(validate('shadeRollout', { ...GOOD.shadeRollout, query: null }), { ...GOOD.shadeRollout, query: null });
  });

  it("compareRuns: the head is a head's number or 'mean'", () => {
    assert.deepEqual(validate('compareRuns', { ...GOOD.compareRuns, head: 'mean' }), { ...GOOD.compareRuns, head: 'mean' });
    assert.deepEqual(validate('compareRuns', { ...GOOD.compareRuns, head: 'Mean' }), { rejected: 'bad compareRuns params' });
  });

  it("layer: heads, when named, are a short non-empty list of counts (the host checks them against the set), or 'mean'", () => {
    const good = { ...GOOD.layer, heads: [3, 0] };
    assert.deepEqual(validate('layer', good), good);
    assert.deepEqual(validate('layer', { ...GOOD.layer, heads: 'mean' }), { ...GOOD.layer, heads: 'mean' });
    for (const heads of [[], [-1], [1.5], ['0'], [0, null], 2, 'all', 'Mean', null, new Array<number>(MAX_NAMED_HEADS + 1).fill(0)]) {
      assert.deepEqual(validate('layer', { ...GOOD.layer, heads }), { rejected: 'bad layer heads' }, JSON.stringify(heads));
    }
  });

  it('attention set names: short lower-case names such as self, encoder, decoder, cross', () => {
    for (const set of ['self', 'encoder', 'decoder', 'cross', 'x'.repeat(32)]) {
      assert.deepEqual(validate('layer', { runId: 1, set, layer: 0 }), { runId: 1, set, layer: 0 });
    }
  });
});

describe('queryKey request', () => {
  it('asks for at least one and at most MAX_QUERY_KEY_KEYS key vectors', () => {
    const good = { runId: 3, set: 'self', layer: 1, head: 2, query: 5 };
    assert.deepEqual(validate('queryKey', { ...good, keys: MAX_QUERY_KEY_KEYS }), { ...good, keys: MAX_QUERY_KEY_KEYS });
    for (const keys of [0, MAX_QUERY_KEY_KEYS + 1])
      assert.deepEqual(validate('queryKey', { ...good, keys }), { rejected: 'bad queryKey params' });
  });
});
