// An inspected range follows the document's edits (the stale run's one-click re-run inspects it as it reads now).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trackRange, type OffsetChange, type OffsetRange } from '../../src/session/trackedRange';

/** Applies the changes to the text too, so each case states the text the range should hold afterwards. */
function edit(text: string, range: OffsetRange, changes: (OffsetChange & { with: string })[]): string {
  let out = text;
  for (const c of changes) out = out.slice(0, c.offset) + c.with + out.slice(c.offset + c.length);
  const r = trackRange(range, changes);
  return out.slice(r.start, r.end);
}

const change = (offset: number, length: number, text: string) => ({ offset, length, inserted: text.length, with: text });
const TEXT = 'intro. The cat sat on the mat. outro';
const RANGE = { start: 7, end: 30 }; // "The cat sat on the mat."

test('tracked range: edits before it shift it, edits after it leave it', () => {
  assert.equal(TEXT.slice(RANGE.start, RANGE.end), 'The cat sat on the mat.');
  assert.equal(edit(TEXT, RANGE, [change(0, 5, 'Preface')]), 'The cat sat on the mat.');
  assert.equal(edit(TEXT, RANGE, [change(31, 5, 'x')]), 'The cat sat on the mat.');
  assert.equal(edit(TEXT, RANGE, [change(30, 1, '')]), 'The cat sat on the mat.');
});

test('tracked range: edits inside it grow or shrink it, typing at either edge joins it', () => {
  assert.equal(edit(TEXT, RANGE, [change(11, 3, 'dog')]), 'The dog sat on the mat.');
  assert.equal(edit(TEXT, RANGE, [change(14, 4, '')]), 'The cat on the mat.');
  assert.equal(edit(TEXT, RANGE, [change(30, 0, ' Then it slept.')]), 'The cat sat on the mat. Then it slept.');
  assert.equal(edit(TEXT, RANGE, [change(7, 0, 'So. ')]), 'So. The cat sat on the mat.');
});

test('tracked range: a replacement across an edge keeps what is left and takes in the new text', () => {
  assert.equal(edit(TEXT, RANGE, [change(4, 7, 'X')]), 'Xcat sat on the mat.');
  assert.equal(edit(TEXT, RANGE, [change(26, 8, 'rug!')]), 'The cat sat on the rug!');
  assert.equal(edit(TEXT, RANGE, [change(0, TEXT.length, 'all new')]), 'all new');
  assert.equal(edit(TEXT, RANGE, [change(0, TEXT.length, '')]), '');
});

test('tracked range: several changes of one event apply in order (multi-cursor edits come last-first)', () => {
  assert.equal(edit(TEXT, RANGE, [change(33, 0, '!'), change(11, 3, 'dog'), change(0, 0, '>> ')]), 'The dog sat on the mat.');
});
