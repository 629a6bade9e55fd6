// Checks a shipped default model with onnxruntime-node, run with the session options the extension uses
// (sessionOptions in src/core/engine/modelSession.ts, read from the compiled out/ tree: run `npm test` or tsc first):
//  1. --write-examples FILE: the card's examples tokenized with the folder's tokenizer.json (ids and the position
//     to predict at), for reference.py to compute PyTorch's logits from.
//  2. Otherwise: logits at those positions vs PyTorch's (test/fixtures/defaultModels/<name>, see reference.py),
//     with graph optimizations off and with the extension's options, both held to --tolerance (default 1e-4);
//     load and run times with the extension's options and with onnxruntime's plain defaults (which fuse the
//     int8 weights into integer MatMuls); the top-5 predictions (and for a causal model a greedy continuation).
//
//   node tools/defaultModels/verify.mjs --model models/lens-bert-mini --work .cache/export-bert [--write-examples F]
//
// Exits 1 when the logits differ by more than the tolerance. Writes WORK/predictions.json for card.py.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';

const { sessionOptions } = createRequire(import.meta.url)('../../out/src/core/engine/modelSession.js');
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const tolerance = Number(args.tolerance ?? 1e-4);
const folder = args.model;
const name = path.basename(path.resolve(folder));
const config = JSON.parse(readFileSync(`${folder}/config.json`, 'utf8'));
const masked = config.model_type === 'bert';
const tok = new Tokenizer(
  JSON.parse(readFileSync(`${folder}/tokenizer.json`, 'utf8')),
  JSON.parse(readFileSync(`${folder}/tokenizer_config.json`, 'utf8')),
);
const onnxPath = `${folder}/onnx/model.onnx`;

const MASKED_EXAMPLES = [
  'The capital of France is [MASK].',
  'The United [MASK] of America.',
  'Fellow citizens of the Senate and House of [MASK]:',
  'Call me [MASK]. Some years ago, never mind how long precisely.',
  'The old man and the [MASK].',
  'I want to go [MASK] and sleep.',
  'def __init__(self, [MASK]):',
  'import numpy as [MASK]',
  'for i in [MASK](10):',
  'return [MASK];',
  'const x = new [MASK]();',
];
const CAUSAL_EXAMPLES = [
  'The capital of France is',
  'The United States of',
  'Fellow-Citizens of the Senate and House of',
  'Call me Ishmael. Some years ago',
  'The old man and the',
  'import numpy as',
  'def __init__(self',
  'for i in range(',
  'if __name__ == "__main__',
  'const x = new',
  'interface ArrayLike<T> {',
];

const i64 = (rows) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);

function exampleInputs() {
  return (masked ? MASKED_EXAMPLES : CAUSAL_EXAMPLES).map((text) => {
    const ids = tok.encode(text, { add_special_tokens: masked }).ids;
    const position = masked ? ids.indexOf(tok.token_to_id('[MASK]')) : ids.length - 1;
    return { text, ids, position };
  });
}

if (args['write-examples']) {
  mkdirSync(path.dirname(args['write-examples']), { recursive: true });
  writeFileSync(args['write-examples'], JSON.stringify(exampleInputs(), null, 1));
  console.log(`wrote ${args['write-examples']}`);
  process.exit(0);
}

async function timedSession(options) {
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(onnxPath, options);
  return { session, loadMs: performance.now() - t0 };
}
const exact = await timedSession({ graphOptimizationLevel: 'disabled' });
const extension = await timedSession(sessionOptions('cpu'));
const plainDefaults = await timedSession({ extra: { session: { 'intra_op.allow_spinning': '0' } } });

async function run(ids, session = extension.session) {
  const feeds = { input_ids: i64([ids]), attention_mask: i64([ids.map(() => 1)]) };
  feeds[masked ? 'token_type_ids' : 'position_ids'] = i64([masked ? ids.map(() => 0) : ids.map((_, i) => i)]);
  return (await session.run(feeds)).logits.data;
}

function topK(logits, offset, vocab, k = 5) {
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i]);
  let sum = 0;
  for (let i = 0; i < vocab; i++) sum += Math.exp(logits[offset + i] - max);
  const best = [];
  for (let i = 0; i < vocab; i++) {
    const v = logits[offset + i];
    if (best.length < k || v > best[best.length - 1][1]) {
      best.push([i, v]);
      best.sort((a, b) => b[1] - a[1]);
      if (best.length > k) best.pop();
    }
  }
  return best.map(([id, v]) => ({ token: tok.decode([id], { skip_special_tokens: false }), id, p: Math.exp(v - max) / sum }));
}

// 1. logits vs PyTorch at every example's position
const fixture = `test/fixtures/defaultModels/${name}`;
const reference = JSON.parse(readFileSync(`${fixture}.json`, 'utf8'));
const refLogits = new Float32Array(readFileSync(`${fixture}.logits.f32`).buffer.slice(0));
const vocab = config.vocab_size;
let maxAbs = 0;
for (const v of refLogits) maxAbs = Math.max(maxAbs, Math.abs(v));
const maxDiff = { exact: 0, extension: 0, plainDefaults: 0 };
const runMs = { extension: 0, plainDefaults: 0 };
for (const [row, example] of reference.examples.entries()) {
  for (const key of Object.keys(maxDiff)) {
    const t0 = performance.now();
    const logits = await run(example.ids, { exact, extension, plainDefaults }[key].session);
    if (key in runMs) runMs[key] += performance.now() - t0;
    for (let i = 0; i < vocab; i++) {
      maxDiff[key] = Math.max(maxDiff[key], Math.abs(logits[example.position * vocab + i] - refLogits[row * vocab + i]));
    }
  }
}
const costs = {
  loadMs: { extension: extension.loadMs, plainDefaults: plainDefaults.loadMs },
  runMs: { extension: runMs.extension / reference.examples.length, plainDefaults: runMs.plainDefaults / reference.examples.length },
};
console.log(
  `${folder}: logits at ${reference.examples.length} positions vs PyTorch (max |logit| ${maxAbs.toFixed(1)}): max |diff| ` +
    `${maxDiff.exact.toExponential(2)} without graph optimizations, ${maxDiff.extension.toExponential(2)} with the extension's ` +
    `options (tolerance ${tolerance}), ${maxDiff.plainDefaults.toExponential(2)} with onnxruntime's defaults; load ` +
    `${costs.loadMs.extension.toFixed(0)} ms vs ${costs.loadMs.plainDefaults.toFixed(0)} ms, run ` +
    `${costs.runMs.extension.toFixed(1)} ms vs ${costs.runMs.plainDefaults.toFixed(1)} ms (extension's options vs defaults)`,
);

// 2. predictions, as the extension computes them
const predictions = [];
for (const { text, ids, position } of exampleInputs()) {
  const top = topK(await run(ids), position * vocab, vocab);
  if (masked) {
    predictions.push({ text, top5: top });
    console.log(`  ${text}\n    -> ${top.map((t) => `${t.token} ${(t.p * 100).toFixed(1)}%`).join(' | ')}`);
  } else {
    // greedy continuation, to show what the model does with a few more tokens
    const cont = [...ids];
    for (let s = 0; s < 8; s++) cont.push(topK(await run(cont), (cont.length - 1) * vocab, vocab, 1)[0].id);
    const greedy = tok.decode(cont.slice(ids.length), { skip_special_tokens: false });
    predictions.push({ text, top5: top, greedy });
    console.log(
      `  ${JSON.stringify(text)}\n    -> ${top.map((t) => `${JSON.stringify(t.token)} ${(t.p * 100).toFixed(1)}%`).join(' | ')}` +
        `\n    greedy: ${JSON.stringify(greedy)}`,
    );
  }
}
mkdirSync(args.work, { recursive: true });
writeFileSync(
  `${args.work}/predictions.json`,
  JSON.stringify(
    {
      maxDiffExact: maxDiff.exact,
      maxDiffExtension: maxDiff.extension,
      maxDiffPlainDefaults: maxDiff.plainDefaults,
      tolerance,
      maxAbs,
      costs,
      predictions,
    },
    null,
    1,
  ),
);
if (!(maxDiff.exact <= tolerance) || !(maxDiff.extension <= tolerance)) {
  console.error(`FAIL: max |diff| ${maxDiff.exact} / ${maxDiff.extension} over ${tolerance}`);
  process.exit(1);
}
