// Checks an exported default model with onnxruntime-node, the runtime the extension uses:
//  1. logits of the ONNX file vs PyTorch's on the same held-out ids (export.py's reference, one row padded):
//     with graph optimizations off, the file must reproduce PyTorch's int8-weight model to --tolerance
//     (default 1e-4); with onnxruntime's default optimizations ('all'), its int8 MatMul fusion computes on
//     8-bit activations too, so that session is held to --tolerance-optimized (default 0.1) and reported.
//  2. top-5 predictions on plain English sentences and code lines, tokenized with the folder's tokenizer.json.
//
//   node tools/defaultModels/verify.mjs --model models/lens-bert-mini --work .cache/export-bert [--tolerance 1e-3]
//
// Exits 1 when the logits differ by more than the tolerance. Writes WORK/predictions.json for the model card.
import { readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const tolerance = Number(args.tolerance ?? 1e-4);
const toleranceOptimized = Number(args['tolerance-optimized'] ?? 0.1);
const folder = args.model;
const config = JSON.parse(readFileSync(`${folder}/config.json`, 'utf8'));
const masked = config.model_type === 'bert';
const tok = new Tokenizer(
  JSON.parse(readFileSync(`${folder}/tokenizer.json`, 'utf8')),
  JSON.parse(readFileSync(`${folder}/tokenizer_config.json`, 'utf8')),
);
const exact = await ort.InferenceSession.create(`${folder}/onnx/model.onnx`, { graphOptimizationLevel: 'disabled' });
const session = await ort.InferenceSession.create(`${folder}/onnx/model.onnx`); // defaults, as the extension runs it

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

async function run(ids, mask, third, s = session) {
  const feeds = { input_ids: i64(ids), attention_mask: i64(mask) };
  feeds[masked ? 'token_type_ids' : 'position_ids'] = i64(third);
  return (await s.run(feeds)).logits;
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

// 1. logits vs PyTorch
const ref = JSON.parse(readFileSync(`${args.work}/reference.json`, 'utf8'));
const refLogits = new Float32Array(readFileSync(`${args.work}/reference-logits.f32`).buffer.slice(0));
function compare(got) {
  let maxDiff = 0;
  for (let i = 0; i < refLogits.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got.data[i] - refLogits[i]));
  return { maxDiff, shapeOk: JSON.stringify(got.dims.map(Number)) === JSON.stringify(ref.logits_shape) };
}
let maxAbs = 0;
for (const v of refLogits) maxAbs = Math.max(maxAbs, Math.abs(v));
const exactCmp = compare(await run(ref.input_ids, ref.attention_mask, ref.third_input, exact));
const t0 = performance.now();
const optCmp = compare(await run(ref.input_ids, ref.attention_mask, ref.third_input));
const ms = performance.now() - t0;
console.log(`${folder}: logits ${ref.logits_shape.join('x')} vs PyTorch (max |logit| ${maxAbs.toFixed(1)}): ` +
  `max |diff| ${exactCmp.maxDiff.toExponential(2)} without graph optimizations (tolerance ${tolerance}), ` +
  `${optCmp.maxDiff.toExponential(2)} with the default ones (tolerance ${toleranceOptimized}); run ${ms.toFixed(0)} ms`);

// 2. predictions
const vocab = config.vocab_size;
const predictions = [];
for (const text of masked ? MASKED_EXAMPLES : CAUSAL_EXAMPLES) {
  const ids = tok.encode(text, { add_special_tokens: masked }).ids;
  const logits = (await run([ids], [ids.map(() => 1)], [masked ? ids.map(() => 0) : ids.map((_, i) => i)])).data;
  if (masked) {
    const maskId = tok.token_to_id('[MASK]');
    const at = ids.map((id, i) => (id === maskId ? i : -1)).filter((i) => i >= 0);
    const tops = at.map((i) => topK(logits, i * vocab, vocab));
    predictions.push({ text, top5: tops[0] });
    console.log(`  ${text}\n    -> ${tops[0].map((t) => `${t.token} ${(t.p * 100).toFixed(1)}%`).join(' | ')}`);
  } else {
    const top = topK(logits, (ids.length - 1) * vocab, vocab);
    // greedy continuation, to show what the model does with a few more tokens
    const cont = [...ids];
    for (let s = 0; s < 8; s++) {
      const l = (await run([cont], [cont.map(() => 1)], [cont.map((_, i) => i)])).data;
      cont.push(topK(l, (cont.length - 1) * vocab, vocab, 1)[0].id);
    }
    const greedy = tok.decode(cont.slice(ids.length), { skip_special_tokens: false });
    predictions.push({ text, top5: top, greedy });
    console.log(`  ${JSON.stringify(text)}\n    -> ${top.map((t) => `${JSON.stringify(t.token)} ${(t.p * 100).toFixed(1)}%`).join(' | ')}` +
      `\n    greedy: ${JSON.stringify(greedy)}`);
  }
}
writeFileSync(`${args.work}/predictions.json`, JSON.stringify({
  maxDiffExact: exactCmp.maxDiff, tolerance, maxDiffOptimized: optCmp.maxDiff, toleranceOptimized, maxAbs, predictions,
}, null, 1));
if (!exactCmp.shapeOk || !optCmp.shapeOk || !(exactCmp.maxDiff <= tolerance) || !(optCmp.maxDiff <= toleranceOptimized)) {
  console.error(`FAIL: shapes ${exactCmp.shapeOk && optCmp.shapeOk ? 'ok' : 'differ'}, ` +
    `max |diff| ${exactCmp.maxDiff} / ${optCmp.maxDiff}`);
  process.exit(1);
}
