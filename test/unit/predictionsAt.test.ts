// predictionsAt: what the hover, the views, the HTML export and the CLI show at one token, for both tasks and
// at the edges (first token, last token, a special token, the mask token).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { predictionsAt, samplingPosition, type PredictionView, type RunSummary, type TokenView } from '../../src/protocol';

function token(index: number, piece: string, special = false): TokenView {
  return { index, id: 100 + index, piece, display: piece, start: index, end: index + 1, special, continuation: false, partialChar: false };
}

const top = (label: string): PredictionView[] => [{ id: 1, token: label, probability: 0.5 }];

function summary(overrides: Partial<RunSummary>): RunSummary {
  return {
    runId: 1,
    text: 'x',
    model: {
      id: 'm',
      source: 'local',
      family: 'f',
      familyLabel: 'f LM',
      task: 'fill-mask',
      architecture: 'A',
      tokenizerKind: 'wordpiece',
      layers: 1,
      heads: 1,
      maxPositions: 8,
      vocabSize: 10,
    },
    device: { provider: 'cpu', label: 'CPU' },
    tokens: [],
    predictions: { task: 'fill-mask', ranked: [] },
    capabilities: { maskPosition: false, unmasked: false, logits: true },
    attentionUnavailable: null,
    attentionSets: [],
    timings: { tokenizeMs: 0, runMs: 0, totalMs: 0 },
    ...overrides,
  };
}

// [CLS] the [MASK] [SEP]
const MASKED = summary({
  tokens: [token(0, '[CLS]', true), token(1, 'the'), token(2, '[MASK]', true), token(3, '[SEP]', true)],
  predictions: { task: 'fill-mask', ranked: [{ position: 2, top: top('cat') }] },
  capabilities: { maskPosition: true, unmasked: true, logits: true },
});

// a b c
const CAUSAL = summary({
  tokens: [token(0, 'a'), token(1, 'b'), token(2, 'c')],
  predictions: {
    task: 'next-token',
    ranked: [0, 1, 2].map((position) => ({ position, top: top(`after ${position}`) })),
    actual: [null, 0.25, 0.125],
  },
});

describe('predictionsAt, fill-mask', () => {
  it('the mask token: its fills, and what may be asked there', () => {
    const at = predictionsAt(MASKED, 2)!;
    assert.deepEqual(at.fills, top('cat'));
    assert.equal(at.next, undefined);
    assert.equal(at.probabilityHere, undefined);
    assert.deepEqual(at.maskedHere, { top: undefined });
    assert.deepEqual(at.unmasked, { top: undefined });
  });

  it('an ordinary token: no fills; the masked and unmasked rankings once derived', () => {
    const unmasked = MASKED.tokens.map((t) => top(`seen ${t.index}`));
    const at = predictionsAt(MASKED, 1, { maskedAt: new Map([[1, top('a')]]), unmasked })!;
    assert.equal(at.fills, undefined);
    assert.deepEqual(at.maskedHere, { top: top('a') });
    assert.deepEqual(at.unmasked, { top: top('seen 1') });
    assert.deepEqual(predictionsAt(MASKED, 3, { maskedAt: new Map([[1, top('a')]]) })!.maskedHere, { top: undefined }, 'another position');
  });

  it('the first and last (special) tokens: the token, nothing ranked, what may be asked', () => {
    for (const i of [0, 3]) {
      const at = predictionsAt(MASKED, i)!;
      assert.equal(at.token.piece, i === 0 ? '[CLS]' : '[SEP]');
      assert.equal(at.fills, undefined);
      assert.ok(at.maskedHere && at.unmasked);
    }
  });

  it('no such token: undefined', () => {
    assert.equal(predictionsAt(MASKED, 4), undefined);
    assert.equal(predictionsAt(MASKED, -1), undefined);
  });

  it('sampling: at the selected mask, else at the first mask; none without a mask', () => {
    assert.equal(samplingPosition(MASKED, 2), 2);
    assert.equal(samplingPosition(MASKED, 1), 2);
    assert.equal(samplingPosition(MASKED, null), 2);
    assert.equal(samplingPosition({ ...MASKED, predictions: { task: 'fill-mask', ranked: [] } }, 1), null);
  });
});

describe('predictionsAt, next-token', () => {
  it('the first token: no probability of its own, the next token and its probability', () => {
    const at = predictionsAt(CAUSAL, 0)!;
    assert.equal(at.probabilityHere, null);
    assert.deepEqual(at.next, { top: top('after 0'), actual: { token: CAUSAL.tokens[1], probability: 0.25 } });
    assert.equal(at.fills, undefined);
    assert.equal(at.maskedHere, undefined, 'a next-token run cannot mask a position');
    assert.equal(at.unmasked, undefined);
  });

  it('a middle token: the probability it was given, the token after it', () => {
    const at = predictionsAt(CAUSAL, 1)!;
    assert.equal(at.probabilityHere, 0.25);
    assert.deepEqual(at.next?.actual, { token: CAUSAL.tokens[2], probability: 0.125 });
  });

  it('the last token: the ranking after the text, and no actual next token', () => {
    const at = predictionsAt(CAUSAL, 2)!;
    assert.equal(at.probabilityHere, 0.125);
    assert.deepEqual(at.next, { top: top('after 2'), actual: undefined });
  });

  it('a special token (a BOS) is answered like any other position', () => {
    const bos = summary({ ...CAUSAL, tokens: [token(0, '<|endoftext|>', true), ...CAUSAL.tokens.slice(1)] });
    assert.equal(predictionsAt(bos, 0)!.token.special, true);
    assert.deepEqual(predictionsAt(bos, 0)!.next?.top, top('after 0'));
  });

  it('sampling: at the selected token, else after the last one', () => {
    assert.equal(samplingPosition(CAUSAL, 1), 1);
    assert.equal(samplingPosition(CAUSAL, null), 2);
    assert.equal(samplingPosition({ ...CAUSAL, capabilities: { ...CAUSAL.capabilities, logits: false } }, 1), null);
  });
});
