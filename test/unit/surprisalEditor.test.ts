// What the editor draws for surprisal, without VS Code: colour levels and the legend, the most surprising share,
// the token under an offset, and a document's scores across an edit (pending from the edit, never stale values).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScanPlan } from '../../src/core/surprisal/surprisalScan';
import { legend, levelOf, mostSurprising, tokenAt } from '../../src/core/surprisal/surprisalScale';
import { planWindows, windowShape } from '../../src/core/surprisal/surprisalWindows';
import type { ScanToken, WindowScores } from '../../src/core/surprisal/windowScores';
import { DocumentSurprisal } from '../../src/surprisal/documentSurprisal';

/** Tokens of two characters and a space each: token i spans [3i, 3i + 2). */
function tokens(count: number): ScanToken[] {
  return Array.from({ length: count }, (_, i) => ({ index: i, id: 100 + i, piece: `t${i}`, start: 3 * i, end: 3 * i + 2, special: false }));
}

function plan(all: ScanToken[], firstStale: number, generation: number): ScanPlan {
  const shape = windowShape(64, 4, 2);
  const windows = planWindows(all.length, shape);
  const tokensFrom = firstStale < windows.length ? windows[firstStale].scoreFrom : all.length;
  const pendingFrom = all[tokensFrom]?.start ?? all.length * 3;
  return { tokensFrom, pendingFrom, tokenCount: all.length, shape, windows, firstStale, generation };
}

/** A window's reply for `scored` tokens (in order), each with bits = `bitsOf` (null: nothing before it). */
function reply(scored: ScanToken[], bitsOf: (t: ScanToken) => number | null): WindowScores {
  const bits = Float64Array.from(scored, (t) => bitsOf(t) ?? NaN);
  return {
    from: scored[0].index,
    starts: Uint32Array.from(scored, (t) => t.start),
    ends: Uint32Array.from(scored, (t) => t.end),
    bits,
    probabilities: bits.map((b) => 2 ** -b),
  };
}

describe('surprisal colour scale', () => {
  it('five levels from 0 to the scale, everything above in the hottest', () => {
    assert.deepEqual(
      [0, 3.1, 3.2, 9, 15.9, 16, 40].map((b) => levelOf(b, 16)),
      [0, 0, 1, 2, 4, 4, 4],
    );
    assert.equal(legend(16), '0 · 3.2 · 6.4 · 9.6 · 12.8+ bits');
  });

  it('the most surprising share, most first, at least one, unscored left out', () => {
    assert.deepEqual(mostSurprising([null, 1, 9, 3, undefined, 7], 0.01), [2]);
    assert.deepEqual(mostSurprising([null, 1, 9, 3, undefined, 7], 0.5), [2, 5]);
    assert.deepEqual(mostSurprising([null, undefined], 0.5), []);
  });

  it('the token under an offset, by binary search over starts', () => {
    const all = tokens(1000);
    const starts = all.map((t) => t.start);
    const ends = all.map((t) => t.end);
    assert.equal(tokenAt(starts, ends, 0), 0);
    assert.equal(tokenAt(starts, ends, 2), undefined, 'the gap after a token');
    assert.equal(tokenAt(starts, ends, 3 * 777 + 1), 777);
    assert.equal(tokenAt(starts, ends, 5000), undefined);
  });
});

describe('a document’s surprisal across an edit', () => {
  it('shows only current scores: pending from the edit until the stale windows have run again', () => {
    const all = tokens(10);
    const doc = new DocumentSurprisal();
    const first = plan(all, 0, 1);
    doc.planned(first);
    assert.equal(doc.pendingFrom(), 0, 'nothing scored yet');
    for (const w of first.windows) doc.scored(reply(all.slice(w.scoreFrom, w.end), (t) => (t.index === 0 ? null : t.index)));
    assert.equal(doc.pendingFrom(), undefined);
    assert.equal(doc.currentTokens().length, 10);
    assert.equal(doc.currentTokens()[0].bits, null, 'nothing before the first token');
    assert.equal(doc.currentAt(3 * 4 + 1)!.index, 4, 'the token under an offset');
    assert.equal(doc.currentAt(3 * 4 + 2), undefined, 'the gap after it');
    assert.equal(doc.windowsRun, first.windows.length);

    doc.edited(3 * 6 + 1);
    assert.equal(doc.pendingFrom(), 19);
    assert.deepEqual(
      doc.currentTokens().map((c) => c.index),
      [0, 1, 2, 3, 4, 5],
      'the token the edit is in is no longer current',
    );
    assert.equal(doc.currentAt(3 * 6), undefined);

    // The worker says window 2 (scoring tokens 6–7) is the first stale one: tokens before it keep their scores.
    const edited = all.map((t) => (t.index >= 6 ? { ...t, id: t.id + 1000 } : t));
    const second = plan(edited, 2, 2);
    doc.planned(second);
    assert.equal(doc.windowsPlanned, second.windows.length - 2);
    assert.equal(doc.pendingFrom(), 18, 'pending from the stale window’s first scored token');
    assert.equal(doc.generation, 2, 'a hover names the new plan');
    assert.equal(doc.currentAt(3 * 5)!.bits, 5, 'kept');
    assert.equal(doc.scoredCount, 6, 'the stale scores are dropped until their window brings them');
    doc.scored(reply(edited.slice(6, 8), (t) => t.index * 10));
    assert.equal(doc.scoredCount, 8);
    assert.equal(doc.currentAt(3 * 7)!.bits, 70);
    assert.equal(doc.pendingFrom(), 23, 'pending from the end of the last token scored');

    // A plan keeping part of a window's scores (its first stale token inside that window) keeps just that part.
    doc.planned({ ...plan(edited, 2, 3), tokensFrom: 5, pendingFrom: 15 });
    assert.equal(doc.scoredCount, 5);
    assert.equal(doc.currentAt(3 * 4)!.bits, 4);
    assert.equal(doc.currentAt(3 * 5), undefined);
  });
});
