// What the editor draws for surprisal, without VS Code: colour levels and the legend, the most surprising share,
// the token under an offset, and a document's scores across an edit (pending from the edit, never stale values).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScanPlan, ScanToken } from '../../src/core/surprisal/surprisalScan';
import { legend, levelOf, mostSurprising, tokenAt } from '../../src/core/surprisal/surprisalScale';
import { planWindows, windowShape } from '../../src/core/surprisal/surprisalWindows';
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

const score = (token: ScanToken, bits: number | null) => ({
  index: token.index,
  token,
  surprisal: bits,
  probability: bits === null ? null : 2 ** -bits,
  top: [],
});

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
    assert.equal(tokenAt(all, 0), 0);
    assert.equal(tokenAt(all, 2), undefined, 'the gap after a token');
    assert.equal(tokenAt(all, 3 * 777 + 1), 777);
    assert.equal(tokenAt(all, 5000), undefined);
  });
});

describe('a document’s surprisal across an edit', () => {
  it('shows only current scores: pending from the edit until the stale windows have run again', () => {
    const all = tokens(10);
    const doc = new DocumentSurprisal();
    const first = plan(all, 0, 1);
    doc.planned(first);
    assert.equal(doc.pendingFrom(), 0, 'nothing scored yet');
    for (const w of first.windows) doc.scored(all.slice(w.scoreFrom, w.end).map((t) => score(t, t.index === 0 ? null : t.index)));
    assert.equal(doc.pendingFrom(), undefined);
    assert.equal(doc.currentTokens().length, 10);
    assert.equal(doc.windowsRun, first.windows.length);

    doc.edited(3 * 6 + 1);
    assert.equal(doc.pendingFrom(), 19);
    assert.deepEqual(
      doc.currentTokens().map((c) => c.token.index),
      [0, 1, 2, 3, 4, 5],
      'the token the edit is in is no longer current',
    );
    assert.equal(doc.currentAt(6), undefined);

    // The worker says window 2 (scoring tokens 6–7) is the first stale one: tokens before it keep their scores.
    const edited = all.map((t) => (t.index >= 6 ? { ...t, id: t.id + 1000 } : t));
    const second = plan(edited, 2, 2);
    doc.planned(second);
    assert.equal(doc.windowsPlanned, second.windows.length - 2);
    assert.equal(doc.pendingFrom(), 18, 'pending from the stale window’s first scored token');
    assert.equal(doc.currentAt(5)!.score.surprisal, 5, 'kept');
    assert.equal(doc.allTokens.length, 6, 'the stale tokens are dropped until their window brings them');
    doc.scored([score(edited[6], 60), score(edited[7], 70)]);
    assert.equal(doc.allTokens[7].id, 1107, 'the edited tokens came with their scores');
    assert.equal(doc.currentAt(7)!.score.surprisal, 70);
    assert.equal(doc.pendingFrom(), 23, 'pending from the end of the last token scored');
  });
});
