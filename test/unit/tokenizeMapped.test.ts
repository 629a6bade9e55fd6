// The offset-map building blocks of src/core/tokenize, and the fallbacks that the fixture tokenizers never
// reach: reconciling with a normalizer output of another length, and matching post-processed pieces that are
// not a simple [CLS] … [SEP] frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromOriginal, mapCodePoints, normalizeForm, reconcile, type MappedText } from '../../src/core/tokenize/mappedText';
import { matchPieces, type AlignedPiece } from '../../src/core/tokenize/alignText';

/** Each unit of the mapped text with its original span, as "u:start-end". */
function spans(mt: MappedText): string[] {
  return [...mt.text].length === mt.text.length
    ? [...mt.text].map((u, i) => `${u}:${mt.start[i]}-${mt.end[i]}`)
    : Array.from({ length: mt.text.length }, (_, i) => `${mt.start[i]}-${mt.end[i]}`);
}

test('fromOriginal: both halves of a surrogate pair map to the pair; a lone surrogate to itself', () => {
  const mt = fromOriginal('a😀\ud800b', 0, 5);
  assert.deepEqual(spans(mt), ['0-1', '1-3', '1-3', '3-4', '4-5']);
  assert.deepEqual(spans(fromOriginal('xyz', 1, 3)), ['y:1-2', 'z:2-3']);
});

test('mapCodePoints: expansions share the source span; deleted marks join the letter before them', () => {
  const lower = mapCodePoints(fromOriginal('İa', 0, 2), (ch) => ch.toLowerCase());
  assert.deepEqual(spans(lower), ['i:0-1', '\u0307:0-1', 'a:1-2']);
  const stripped = mapCodePoints(fromOriginal('e\u0301 \u0301x', 0, 5), (ch) => (/\p{M}/u.test(ch) ? '' : ch));
  // Each mark joins the character before it, as in a grapheme cluster: "e" takes the first, the space the second.
  assert.deepEqual(spans(stripped), ['e:0-2', ' :2-4', 'x:4-5']);
  const same = fromOriginal('a\nb', 0, 3);
  const spaced = mapCodePoints(same, (ch) => (ch === '\n' ? ' ' : ch));
  assert.equal(spaced.text, 'a b');
  assert.equal(spaced.start, same.start, 'a same-length change keeps the span arrays');
});

test('normalizeForm: composition maps the composed character to its base and marks', () => {
  assert.deepEqual(spans(normalizeForm(fromOriginal('e\u0301x', 0, 3), 'NFC')), ['é:0-2', 'x:2-3']);
  assert.deepEqual(spans(normalizeForm(fromOriginal('ﬁ!', 0, 2), 'NFKC')), ['f:0-1', 'i:0-1', '!:1-2']);
  assert.deepEqual(spans(normalizeForm(fromOriginal('é', 0, 1), 'NFD')), ['e:0-1', '\u0301:0-1']);
});

test('reconcile: another length maps the differing middle to what it replaced; same length keeps the map', () => {
  const mt = fromOriginal('abcde', 0, 5);
  assert.deepEqual(spans(reconcile(mt, 'abXYde')), ['a:0-1', 'b:1-2', 'X:2-3', 'Y:2-3', 'd:3-4', 'e:4-5']);
  assert.deepEqual(spans(reconcile(mt, 'ae')), ['a:0-1', 'e:4-5']);
  assert.deepEqual(spans(reconcile(fromOriginal('ΟΣ', 0, 2), 'ος')), ['ο:0-1', 'ς:1-2']);
});

function piece(p: string, start: number, end: number): AlignedPiece {
  return { piece: p, start, end, partial: false, continuation: false };
}

test('matchPieces: extra tokens are left for the caller, replaced ones share the span they replace', () => {
  const aligned = [piece('a', 0, 1), piece('<unk>', 2, 3), piece('<unk>', 3, 5), piece('b', 6, 7)];
  const out = matchPieces(['<s>', 'a', '<unk>', 'b', '</s>'], aligned);
  assert.equal(out[0], undefined);
  assert.deepEqual(
    out.slice(1, 4).map((p) => p && [p.piece, p.start, p.end]),
    [
      ['a', 0, 1],
      ['<unk>', 2, 3],
      ['b', 6, 7],
    ],
  );
  assert.equal(out[4], undefined);
  const fused = matchPieces(['a', 'X', 'b'], aligned);
  assert.deepEqual(
    fused.map((p) => p && [p.piece, p.start, p.end]),
    [
      ['a', 0, 1],
      ['X', 2, 5],
      ['b', 6, 7],
    ],
  );
});
