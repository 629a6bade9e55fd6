// Shared by the reliability catalogue: fixture models as load requests, temporary model folders, and the
// invariants every inspect result must keep whatever the input (spans, attention rows).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { allLayers } from '../../../src/core/engine/layerMaps';
import type { ModelRequest } from '../../../src/core/engine/modelSession';
import { LensError, type InspectResult, type LensErrorCode, type Prediction, type Token } from '../../../src/core/types';
import { fixtureModel } from '../../support/paths';

export type FixtureName = 'tiny-bert' | 'tiny-gpt2' | 'tiny-gpt2-past' | 'tiny-bert-nosoftmax';

export function request(name: FixtureName | string, folder = fixtureModel(name)): ModelRequest {
  return { id: name, source: 'local', folder, device: 'cpu' };
}

/** The worker script beside the compiled core, wherever the tests were compiled to. */
export const workerPath = path.join(__dirname, '..', '..', '..', 'src', 'core', 'worker', 'inferenceWorker.js');

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lens-${prefix}-`));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Copies a fixture model folder into `dir`/`name` (files only: the fixtures are small) and returns the copy. */
export function copyFixture(name: FixtureName, dir: string, as: string = name): string {
  const target = path.join(dir, as);
  fs.cpSync(fixtureModel(name), target, { recursive: true });
  return target;
}

/** Asserts that `promise` rejects with a LensError of `code` whose message is exactly `message`. */
export async function rejectsWith(promise: Promise<unknown>, code: LensErrorCode, message: string | RegExp): Promise<LensError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof LensError, `expected a LensError, got ${caught instanceof Error ? caught.stack : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  return caught;
}

/**
 * Span invariants: indices in order, spans inside the text and ordered, pieces of one character share its
 * span, special tokens added by the post-processor are empty, and every character that is neither
 * whitespace nor `deleted` (by the tokenizer's normalizer) up to `until` is covered by a token.
 */
export function checkSpans(text: string, tokens: Token[], deleted: (char: string) => boolean, until = text.length): void {
  let lastEnd = 0;
  let previous: Token | undefined;
  tokens.forEach((t, i) => {
    assert.equal(t.index, i, 'token indices run 0, 1, 2 …');
    assert.ok(t.start >= 0 && t.start <= t.end && t.end <= text.length, `token ${i} span [${t.start}, ${t.end}) inside the text`);
    const sharesCharacter = previous !== undefined && t.partialChar && previous.partialChar && t.start < previous.end;
    if (!sharesCharacter)
      assert.ok(t.start >= lastEnd, `token ${i} (${t.piece}) at ${t.start} starts before the previous one ends (${lastEnd})`);
    lastEnd = Math.max(lastEnd, t.end);
    previous = t;
  });
  const covered = new Uint8Array(text.length);
  for (const t of tokens) if (!t.special || t.end > t.start) covered.fill(1, t.start, t.end);
  for (let i = 0; i < until;) {
    // By code point: a lone surrogate is one (category Cs), a paired one is half of its character.
    const char = String.fromCodePoint(text.codePointAt(i)!);
    const isCovered = covered[i] === 1 || (char.length === 2 && covered[i + 1] === 1);
    if (!isCovered && !/\s/u.test(char) && !deleted(char)) {
      assert.fail(`character ${i} (U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}) is covered by no token`);
    }
    i += char.length;
  }
}

/** BertNormalizer (clean_text + strip_accents) drops NUL, U+FFFD, lone surrogates, other control/format characters and combining marks. */
export const bertDeletes = (char: string): boolean => /^[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Mn}\p{Cs}\uFFFD]$/u.test(char);
/** Byte-level BPE keeps every character (a lone surrogate becomes U+FFFD's bytes). */
export const keepsAll = (): boolean => false;

/** Every attention row sums to 1 (within float32 rounding), in every layer and head; causal maps are 0 above the diagonal. */
export async function checkAttentionRows(result: InspectResult): Promise<void> {
  assert.ok(result.attention, 'attention maps present');
  assert.deepEqual(
    result.attention.map((s) => s.set),
    ['self'],
    'one set: self-attention',
  );
  const maps = await allLayers(result.attention[0]);
  const n = result.tokens.length;
  // Causal exactly when the model predicts the next token: the maps' own flag is checked, not trusted.
  const causal = result.model.task === 'next-token';
  assert.deepEqual([maps.queries, maps.keys, maps.causal], [n, n, causal]);
  assert.equal(maps.perLayer.length, result.model.layers);
  for (let layer = 0; layer < maps.layers; layer++) {
    const data = maps.perLayer[layer];
    for (let row = 0; row < maps.heads * n; row++) {
      let sum = 0;
      for (let k = 0; k < n; k++) {
        const p = data[row * n + k];
        assert.ok(Number.isFinite(p) && p >= 0, `layer ${layer} row ${row} column ${k}: ${p}`);
        if (causal && k > row % n) assert.equal(p, 0, `causal map above the diagonal at layer ${layer} row ${row} column ${k}`);
        sum += p;
      }
      assert.ok(Math.abs(sum - 1) < 1e-4, `layer ${layer} row ${row} sums to ${sum}`);
    }
  }
}

/** `count` rankings of top-k predictions, with finite probabilities in (0, 1], best first. */
export function checkPredictions(rows: Prediction[][], count: number, topK: number): void {
  assert.equal(rows.length, count);
  for (const row of rows) {
    assert.equal(row.length, topK);
    for (let j = 0; j < row.length; j++) {
      assert.ok(row[j].probability > 0 && row[j].probability <= 1, `probability ${row[j].probability}`);
      if (j > 0) assert.ok(row[j].probability <= row[j - 1].probability, 'top-k is ordered');
    }
  }
}
