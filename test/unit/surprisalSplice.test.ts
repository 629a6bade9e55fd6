// An edit's tokens spliced from the last tokens (src/core/surprisal/spliceTokens.ts) are exactly the edited text
// tokenized whole, for every kind of tokenizer the fixtures have, across random edits of code and prose; and for
// the embedded GPT-2 tokenizer the splice is taken (not the fallback) on ordinary edits away from the start.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { ScanToken } from '../../src/core/surprisal/windowScores';
import { retokenize } from '../../src/core/surprisal/spliceTokens';
import { loadTextTokenizer } from '../../src/core/tokenize/textTokenizer';
import { fixtureModel, repoRoot } from '../support/paths';

const CODE = Array.from(
  { length: 60 },
  (_, i) => `${i % 7 === 0 ? '\n' : ''}    const value${i} = compute(${(i * 37) % 101}, "item ${i}");  // step ${i % 13}`,
).join('\n');
const PROSE = Array.from(
  { length: 30 },
  (_, i) => `Paragraph ${i}: the café's naïve owner sold ${i * 3} crêpes 🙂 before noon, then   closed.\t(Again?)`,
).join('\n');
const INSERTS = ['x', ' ', '\n', '  ', 'hello world', '🙂', 'é', ');\n  foo(', '\t', '"', '12345', 'ing'];

/** A deterministic generator, so that a failure names an edit that can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

/** An edit at a random place: an insertion, a deletion or a replacement (never splitting a surrogate pair). */
function edit(text: string, next: () => number): string {
  let at = Math.floor(next() * text.length);
  if (at > 0 && /[\uDC00-\uDFFF]/.test(text[at])) at--;
  let removed = Math.floor(next() * 3) === 0 ? 0 : Math.floor(next() * 12);
  if (/[\uD800-\uDBFF]/.test(text[at + removed - 1] ?? '')) removed++;
  const inserted = next() < 0.25 ? '' : INSERTS[Math.floor(next() * INSERTS.length)];
  return text.slice(0, at) + inserted + text.slice(at + removed);
}

const scanTokens = (tokenizer: { encode(t: string): ScanToken[] }) => (t: string) =>
  tokenizer.encode(t).map(({ index, id, piece, start, end, special }) => ({ index, id, piece, start, end, special }));

const TOKENIZERS: [string, string][] = [
  ['embedded GPT-2', path.join(repoRoot, 'models', 'lens-gpt2-mini')],
  ...['tiny-gpt2', 'tiny-llama', 'tiny-gpt-neox', 'tiny-opt', 'tiny-bert', 'tiny-t5', 'tiny-qwen3', 'tiny-gemma3'].map(
    (name) => [name, fixtureModel(name)] as [string, string],
  ),
];

describe("an edit's spliced tokens equal the edited text tokenized whole", () => {
  for (const [name, folder] of TOKENIZERS) {
    it(name, async (t) => {
      const encode = scanTokens(await loadTextTokenizer(folder));
      let spliced = 0;
      let edits = 0;
      for (const [kind, start] of [
        ['code', CODE],
        ['prose', PROSE],
      ]) {
        const next = random(kind.length * 7919);
        let text = start;
        let tokens = encode(text);
        for (let round = 0; round < 25; round++) {
          const edited = edit(text, next);
          const result = retokenize(encode, { text, tokens }, edited);
          const whole = encode(edited);
          assert.deepEqual(result.tokens, whole, `${kind} edit ${round}: ${JSON.stringify(edited.slice(0, 40))}…`);
          if (result.spliced) spliced++;
          edits++;
          text = edited;
          tokens = result.tokens;
        }
      }
      t.diagnostic(`${spliced} of ${edits} edits spliced`);
      // Byte-level BPE (GPT-2's) decides tokens locally: the splice is taken but for edits next to the text's start.
      if (name === 'embedded GPT-2' || name === 'tiny-gpt2') assert.ok(spliced >= edits * 0.8, `${spliced} of ${edits} spliced`);
    });
  }

  it('an unchanged text keeps its tokens, and an edit at the very start is tokenized whole', async () => {
    const encode = scanTokens(await loadTextTokenizer(fixtureModel('tiny-gpt2')));
    const tokens = encode(CODE);
    assert.deepEqual(retokenize(encode, { text: CODE, tokens }, CODE), { tokens, spliced: true });
    const atStart = retokenize(encode, { text: CODE, tokens }, `x${CODE}`);
    assert.equal(atStart.spliced, false);
    assert.deepEqual(atStart.tokens, encode(`x${CODE}`));
  });
});
