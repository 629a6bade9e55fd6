// Reliability catalogue, selections: whatever text a user selects, an inspect either refuses it with the
// defined message (empty, whitespace) or returns tokens whose spans hold, predictions at every position and
// attention rows that sum to 1. Run on a WordPiece masked LM (tiny-bert) and a byte-level BPE causal LM
// (tiny-gpt2), through ModelRunner.inspect as the worker runs it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { COUNT_CHARS } from '../../../src/core/engine/inputWindow';
import { ModelRunner } from '../../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../../src/core/engine/providerEnvironment';
import type { InspectResult } from '../../../src/core/types';
import { bertDeletes, checkAttentionRows, checkPredictions, checkSpans, keepsAll, rejectsWith, request } from './support';

const env = detectProviderEnvironment();
const TOP_K = 3;

/** 50 KB of minified JavaScript on one line, made deterministically. */
function minifiedScript(bytes: number): string {
  let script = '!function(e,t){"use strict";';
  for (let i = 0; script.length < bytes; i++) script += `var a${i}=function(n,r){return n[r%${i + 7}]?n.slice(${i},r*2):{k:"v${i}",f:!0}};`;
  return script.slice(0, bytes - 19) + '}(window,document);';
}

interface Models {
  bert: ModelRunner;
  gpt2: ModelRunner;
}

/** Runs `text` with attention and checks the invariants every result must keep. */
async function inspectChecked(runner: ModelRunner, text: string): Promise<InspectResult> {
  const result = await runner.inspect(text, { attention: true, topK: TOP_K });
  assert.equal(result.text, text, 'the result names the text it ran on');
  const deleted = runner.info.tokenizerKind === 'wordpiece' ? bertDeletes : keepsAll;
  checkSpans(text, result.tokens, deleted, result.truncation?.keptUntil ?? text.length);
  await checkAttentionRows(result);
  const p = result.predictions;
  const ranked = p.ranked.map((r) => r.top);
  if (p.task === 'fill-mask') {
    const masks = result.tokens.filter((t) => t.piece === runner.info.maskToken);
    assert.deepEqual(
      p.ranked.map((r) => r.position),
      masks.map((t) => t.index),
      'one ranking per mask token',
    );
    checkPredictions(ranked, masks.length, TOP_K);
    checkPredictions(await runner.unmasked(text, TOP_K), result.tokens.length, TOP_K);
  } else {
    assert.deepEqual(
      p.ranked.map((r) => r.position),
      result.tokens.map((t) => t.index),
      'one ranking per position',
    );
    checkPredictions(ranked, result.tokens.length, TOP_K);
    assert.equal(p.actual?.length, result.tokens.length);
  }
  return result;
}

const pieces = (r: InspectResult) => r.tokens.map((t) => `${t.piece}@${t.start}-${t.end}`);

describe('reliability: selections', () => {
  const m = {} as Models;
  before(async () => {
    m.bert = await ModelRunner.load(request('tiny-bert'), env);
    m.gpt2 = await ModelRunner.load(request('tiny-gpt2'), env);
  });
  after(async () => {
    await m.bert?.dispose();
    await m.gpt2?.dispose();
  });

  for (const name of ['bert', 'gpt2'] as const) {
    const label = name === 'bert' ? 'tiny-bert' : 'tiny-gpt2';
    it(`${label}: an empty selection is refused with "Nothing to inspect: the selection is empty."`, async () => {
      await rejectsWith(
        m[name].inspect('', { attention: true, topK: TOP_K }),
        'empty-input',
        'Nothing to inspect: the selection is empty.',
      );
    });
    it(`${label}: whitespace only (spaces, tabs, CRLF, NBSP) is refused with "…the selection holds only whitespace."`, async () => {
      await rejectsWith(
        m[name].inspect(' \t\r\n\u00a0\u2003 ', { attention: true, topK: TOP_K }),
        'empty-input',
        'Nothing to inspect: the selection holds only whitespace.',
      );
    });
  }

  it('a single character: tiny-bert gives [CLS] a [SEP], tiny-gpt2 one token with no "actual" probability', async () => {
    const bert = await inspectChecked(m.bert, 'a');
    assert.deepEqual(pieces(bert), ['[CLS]@0-0', 'a@0-1', '[SEP]@1-1']);
    const gpt2 = await inspectChecked(m.gpt2, 'a');
    assert.deepEqual(pieces(gpt2), ['a@0-1']);
    assert.deepEqual([gpt2.predictions.task, gpt2.predictions.actual], ['next-token', [null]]);
  });

  it(
    '100,000 characters: truncated to 64 tokens, the whole count exact: ' +
      '"The selection needs 16,669 tokens; …(character 371 of 100,000)."',
    async () => {
      const text = 'hello world\n'.repeat(8334).slice(0, 100_000);
      const bert = await inspectChecked(m.bert, text);
      assert.equal(bert.tokens.length, 64);
      // Counted on the whole text: what the tokenizer gives for all of it.
      assert.equal(m.bert.model.tokenizer.encode(text).length, 16_669);
      assert.deepEqual(bert.truncation, {
        totalTokens: 16_669,
        totalExact: true,
        keptTokens: 64,
        keptUntil: 371,
        message:
          'The selection needs 16,669 tokens; the model takes 64. Inspected up to line 31, ' +
          'column 12 of the selection (character 371 of 100,000).',
      });
      assert.equal(bert.tokens.at(-1)!.piece, '[SEP]');
      const gpt2 = await inspectChecked(m.gpt2, text);
      assert.equal(gpt2.tokens.length, 64);
      assert.equal(gpt2.truncation?.keptUntil, 257);
      assert.equal(gpt2.truncation?.totalTokens, m.gpt2.model.tokenizer.encode(text).length);
      assert.equal(gpt2.truncation?.totalExact, true);
      assert.equal(
        gpt2.truncation?.message,
        `The selection needs ${gpt2.truncation?.totalTokens.toLocaleString('en-US')} tokens; the model takes 64. Inspected up to line ` +
          `22, ` +
          `column 6 of the selection (character 257 of 100,000).`,
      );
    },
  );

  it(
    `past ${COUNT_CHARS.toLocaleString('en-US')} characters the count is a lower bound said as ` + `"at least", never above the true count`,
    async () => {
      // Words cut at the counted prefix's end must not inflate the bound: one long word straddles it.
      const text = 'hello world unbelievably\n'.repeat(20_000);
      for (const runner of [m.bert, m.gpt2]) {
        const t = (await runner.inspect(text, { attention: false, topK: TOP_K })).truncation;
        assert.ok(t, `${runner.info.id} truncates`);
        assert.equal(t.totalExact, false);
        const whole = runner.model.tokenizer.encode(text).length;
        assert.ok(
          t.totalTokens <= whole && t.totalTokens > whole / 3,
          `${runner.info.id}: at least ${t.totalTokens}, the whole text has ${whole}`,
        );
        assert.match(
          t.message,
          new RegExp(
            `^The selection needs at least ${t.totalTokens.toLocaleString('en-US')} tokens \\(counted in its ` +
              `first ${COUNT_CHARS.toLocaleString('en-US')} characters\\); the model takes 64\\.`,
          ),
        );
      }
    },
  );

  it('a 50 KB minified script on one line: truncated at line 1 with the column, both models', async () => {
    const text = minifiedScript(50_000);
    assert.equal(text.length, 50_000);
    assert.ok(!text.includes('\n'));
    for (const runner of [m.bert, m.gpt2]) {
      const result = await inspectChecked(runner, text);
      const t = result.truncation;
      assert.ok(t, `${runner.info.id} truncates`);
      assert.equal(t.keptTokens, 64);
      assert.equal(t.keptUntil, result.tokens.filter((x) => !x.special).at(-1)!.end);
      assert.ok(t.keptUntil > 20 && t.keptUntil < 400, `${runner.info.id} kept ${t.keptUntil} characters`);
      assert.equal(t.totalTokens, runner.model.tokenizer.encode(text).length);
      assert.equal(
        t.message,
        `The selection needs ${t.totalTokens.toLocaleString('en-US')} tokens; the model takes 64. Inspected up to line 1, ` +
          `column ${t.keptUntil + 1} of the selection (character ${t.keptUntil} of 50,000).`,
      );
    }
  });

  it('lone surrogates: tiny-bert drops them (abc|##d|x), tiny-gpt2 tokenizes them as U+FFFD bytes, nothing throws', async () => {
    const text = 'ab\uD800cd \uDC00 x\uD83D';
    const bert = await inspectChecked(m.bert, text);
    assert.deepEqual(pieces(bert), ['[CLS]@0-0', 'abc@0-4', '##d@4-5', 'x@8-9', '[SEP]@10-10']);
    const gpt2 = await inspectChecked(m.gpt2, text);
    assert.deepEqual(pieces(gpt2), ['ab@0-2', 'ï¿½@2-3', 'cd@3-5', 'Ġï¿½@5-7', 'Ġx@7-9', 'ï¿½@9-10']);
  });

  it('NUL and control characters (incl. an ANSI escape): tiny-bert drops them, tiny-gpt2 keeps each as its byte token', async () => {
    const text = 'a\u0000b\u0001c\u0007 \u001b[31mred\u007f';
    const bert = await inspectChecked(m.bert, text);
    assert.deepEqual(pieces(bert), ['[CLS]@0-0', 'abc@0-5', '[@8-9', '31@9-11', '##m@11-12', '##red@12-15', '[SEP]@16-16']);
    const gpt2 = await inspectChecked(m.gpt2, text);
    assert.deepEqual(
      gpt2.tokens.slice(0, 2).map((t) => `${t.piece}@${t.start}-${t.end}`),
      ['a@0-1', 'Ā@1-2'],
    );
    assert.equal(gpt2.tokens.length, 13);
  });

  it('a selection of control characters only: runs (tiny-bert sees just [CLS] [SEP]), no refusal, no throw', async () => {
    const bert = await inspectChecked(m.bert, '\u0000\u0001');
    assert.deepEqual(pieces(bert), ['[CLS]@0-0', '[SEP]@2-2']);
    const gpt2 = await inspectChecked(m.gpt2, '\u0000\u0001');
    assert.deepEqual(pieces(gpt2), ['Ā@0-1', 'ā@1-2']);
  });

  it(
    'emoji with ZWJ sequences and skin tones: tiny-bert gives one [UNK] per sequence, ' +
      "tiny-gpt2 byte pieces share their character's span",
    async () => {
      const text = 'family 👨‍👩‍👧‍👦 thumbs 👍🏽 flag 🏳️‍🌈 ok';
      const bert = await inspectChecked(m.bert, text);
      assert.deepEqual(pieces(bert), [
        '[CLS]@0-0',
        'family@0-6',
        '[UNK]@7-18',
        'thumbs@19-25',
        '[UNK]@26-30',
        'flag@31-35',
        '[UNK]@36-42',
        'ok@43-45',
        '[SEP]@45-45',
      ]);
      const gpt2 = await inspectChecked(m.gpt2, text);
      const inFamily = gpt2.tokens.filter((t) => t.end > 7 && t.start < 18);
      assert.ok(
        inFamily.every((t) => t.partialChar),
        'every piece of the ZWJ family emoji is a partial character',
      );
      assert.equal(gpt2.tokens.at(-1)!.piece, 'Ġok');
    },
  );

  it("combining marks: tiny-bert strips the accents into the word (cafe@0-5), tiny-gpt2 marks the mark's bytes as partial", async () => {
    const text = 'cafe\u0301 n\u0303 Z\u0351\u0352\u0353algo';
    const bert = await inspectChecked(m.bert, text);
    assert.deepEqual(pieces(bert), ['[CLS]@0-0', 'cafe@0-5', 'n@6-8', 'za@9-14', '##l@14-15', '##go@15-17', '[SEP]@17-17']);
    const gpt2 = await inspectChecked(m.gpt2, text);
    assert.deepEqual(
      gpt2.tokens.filter((t) => t.start === 4).map((t) => [t.piece, t.partialChar]),
      [
        ['Ì', true],
        ['ģ', true],
      ],
    );
  });

  it('CJK: tiny-bert gives one token per ideograph, tiny-gpt2 covers every character', async () => {
    const text = '東京は日本の首都です。中文测试';
    const bert = await inspectChecked(m.bert, text);
    assert.deepEqual(
      bert.tokens.slice(1, 4).map((t) => `${t.piece}@${t.start}-${t.end}`),
      ['東@0-1', '京@1-2', 'は@2-3'],
    );
    assert.equal(bert.tokens.length, 17);
    await inspectChecked(m.gpt2, text);
  });

  it('RTL mixed with LTR and digits: spans follow logical order (ש@6-7 before world@11-16)', async () => {
    const text = 'Hello שלום world مرحبا 123 עולם!';
    const bert = await inspectChecked(m.bert, text);
    assert.deepEqual(
      bert.tokens.slice(1, 7).map((t) => `${t.piece}@${t.start}-${t.end}`),
      ['hello@0-5', 'ש@6-7', '##ל@7-8', '##ו@8-9', '##ם@9-10', 'world@11-16'],
    );
    const gpt2 = await inspectChecked(m.gpt2, text);
    assert.equal(gpt2.tokens.find((t) => t.piece === 'Ġworld')?.start, 10);
  });

  it('CRLF line ends: tiny-bert skips them, tiny-gpt2 gives \\r and \\n their own tokens (č@8-9, Ċ@9-10)', async () => {
    const text = 'line one\r\nline two\r\n\r\nthree';
    const bert = await inspectChecked(m.bert, text);
    assert.deepEqual(pieces(bert), ['[CLS]@0-0', 'line@0-4', 'one@5-8', 'line@10-14', 'two@15-18', 'three@22-27', '[SEP]@27-27']);
    const gpt2 = await inspectChecked(m.gpt2, text);
    assert.deepEqual(
      gpt2.tokens.slice(2, 4).map((t) => `${t.piece}@${t.start}-${t.end}`),
      ['č@8-9', 'Ċ@9-10'],
    );
  });

  it('tabs and indentation: tiny-bert skips them, tiny-gpt2 gives each tab a token (ĉ@0-1)', async () => {
    const text = '\tcol1\tcol2\t\tcol3\n\t\tindented';
    const bert = await inspectChecked(m.bert, text);
    assert.deepEqual(
      bert.tokens.slice(1, 3).map((t) => `${t.piece}@${t.start}-${t.end}`),
      ['col@1-4', '##1@4-5'],
    );
    const gpt2 = await inspectChecked(m.gpt2, text);
    assert.deepEqual(
      gpt2.tokens.slice(0, 2).map((t) => `${t.piece}@${t.start}-${t.end}`),
      ['ĉ@0-1', 'col@1-4'],
    );
  });

  it('the literal mask token: tiny-bert predicts the [MASK] (position 6, span 25-31), tiny-gpt2 reads "[MASK]" as plain text', async () => {
    const text = 'The capital of France is [MASK].';
    const bert = await inspectChecked(m.bert, text);
    const maskToken = bert.tokens[6];
    assert.deepEqual([maskToken.piece, maskToken.start, maskToken.end, maskToken.special], ['[MASK]', 25, 31, true]);
    assert.equal(bert.predictions.task, 'fill-mask');
    assert.deepEqual(
      bert.predictions.ranked.map((x) => [x.position, x.top.length]),
      [[6, TOP_K]],
    );
    const gpt2 = await inspectChecked(m.gpt2, text);
    assert.equal(gpt2.predictions.task, 'next-token');
    assert.ok(
      gpt2.tokens.every((t) => !t.special),
      "no special token in the causal LM's input",
    );
    assert.equal(
      gpt2.tokens
        .map((t) => t.piece)
        .join('')
        .replaceAll('Ġ', ' '),
      text,
    );
  });
});
