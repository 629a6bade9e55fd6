#!/usr/bin/env node
// Runs every test model in test/fixtures/models with onnxruntime-node and compares it with the PyTorch
// reference.json beside it: logits (top-10 and logsumexp), attention (Softmax outputs exposed by appending
// graph outputs to the model bytes), a padded batch, and for the past_key_values export an empty cache and a
// split run fed with the returned presents. Prints the max abs differences; exits 1 if a tolerance is exceeded.
// Reads the protobuf writer from the compiled out/ tree: run tsc (or `npm test`) first.
//   node tools/testModels/verify.mjs [--write] [--models DIR]   (--write records the measurements in each
//   reference.json; --models checks the models of DIR instead, e.g. a fresh make_test_models output)
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { firstPosition, modelShape, openSession } from './modelSession.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const flag = (name, fallback) => (process.argv.indexOf(name) > 0 ? path.resolve(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const modelsDir = flag('--models', path.join(repoRoot, 'test/fixtures/models'));
const probesDir = flag('--probes', path.join(repoRoot, '.cache/test-models/probes'));
const write = process.argv.includes('--write');
// Tolerances the golden tests can use; verify fails if ORT is further than this from PyTorch.
const TOLERANCE = { logits: 1e-4, logsumexp: 1e-4, attention: 1e-5, rowSum: 1e-5 };

// ---- helpers ----
const int64 = (rows) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
const range = (from, to) => Array.from({ length: to - from }, (_, i) => from + i);
class MaxDiff {
  constructor() {
    this.value = 0;
  }
  add(a, b) {
    const d = Math.abs(a - b);
    if (!(d <= this.value)) this.value = Number.isNaN(d) ? Infinity : d;
  }
}

function checkLogits(logits, vocab, batchIndex, seqLen, refCase, refOffset, diffs, problems, label) {
  for (let q = 0; q < refCase.top_ids.length - refOffset && q < seqLen; q++) {
    const pos = q + refOffset;
    const base = (batchIndex * seqLen + q) * vocab;
    const row = logits.subarray(base, base + vocab);
    let max = -Infinity;
    for (const v of row) if (v > max) max = v;
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    diffs.logsumexp.add(max + Math.log(sum), refCase.logsumexp[pos]);
    refCase.top_ids[pos].forEach((id, r) => diffs.logits.add(row[id], refCase.top_logits[pos][r]));
    const order = Array.from(row.keys())
      .sort((a, b) => row[b] - row[a])
      .slice(0, refCase.top_ids[pos].length);
    order.forEach((id, r) => {
      const want = refCase.top_ids[pos][r];
      // A swap is only acceptable between near-equal logits.
      if (id !== want && Math.abs(row[id] - row[want]) > TOLERANCE.logits) problems.push(`${label} pos ${pos}: top ids differ`);
    });
  }
}

// unwrittenPadding: GroupQueryAttention's output_qk leaves the key columns past a batch row's own length unwritten
// (whatever the buffer held), so those are skipped rather than required to be 0.
function checkAttention(tensor, batchIndex, refLayer, qOffset, diffs, problems, label, causal, unwrittenPadding = false) {
  const [, heads, qLen, kLen] = tensor.dims;
  for (let h = 0; h < heads; h++) {
    for (let q = 0; q < qLen; q++) {
      const refRow = refLayer[h][q + qOffset];
      let sum = 0;
      for (let k = 0; k < kLen; k++) {
        const v = tensor.data[((batchIndex * heads + h) * qLen + q) * kLen + k];
        if (unwrittenPadding && k >= refRow.length) continue;
        sum += v;
        if (k < refRow.length) diffs.attention.add(v, refRow[k]);
        else if (v !== 0) problems.push(`${label}: padded key column ${k} is ${v}, not 0`);
        if (causal && k > q + qOffset && v !== 0) problems.push(`${label}: causal map not 0 above the diagonal`);
      }
      diffs.rowSum.add(sum, 1);
    }
  }
}

async function verifyModel(name) {
  const dir = path.join(modelsDir, name);
  const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const reference = JSON.parse(readFileSync(path.join(dir, 'reference.json'), 'utf8'));
  const { session, attentionOutputs: softmaxOutputs } = await openSession(dir, name, reference, probesDir);
  // Encoders (masked LMs: BERT, DeBERTa, ModernBERT, …) attend both ways; every other fixture is a decoder.
  const causal = !(config.architectures ?? []).some((a) => /For(MaskedLM|PreTraining)$/.test(a));
  const vocab = config.vocab_size;
  const { heads, kvHeads, headDim, layers, padId } = modelShape(config);
  const position0 = firstPosition(reference);
  const fused = Boolean(reference.onnx.attention_nodes);
  const withPast = session.inputNames.some((n) => n.startsWith('past_key_values.'));
  const diffs = { logits: new MaxDiff(), logsumexp: new MaxDiff(), attention: new MaxDiff(), rowSum: new MaxDiff() };
  const problems = [];
  const attentionShapes = [];

  const run = async (idRows, maskRows, positionRows, past) => {
    const feeds = { input_ids: int64(idRows), attention_mask: int64(maskRows) };
    if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = int64(idRows.map((r) => r.map(() => 0)));
    if (session.inputNames.includes('position_ids')) feeds.position_ids = int64(positionRows.map((r) => r.map((p) => p + position0)));
    if (withPast) {
      for (let i = 0; i < layers; i++) {
        for (const kind of ['key', 'value']) {
          feeds[`past_key_values.${i}.${kind}`] =
            past?.[`present.${i}.${kind}`] ?? new ort.Tensor('float32', new Float32Array(0), [idRows.length, kvHeads, 0, headDim]);
        }
      }
    }
    return session.run(feeds);
  };

  // 1. Each text alone: logits and every attention map.
  for (const refCase of reference.cases) {
    const ids = refCase.input_ids;
    const out = await run([ids], [ids.map(() => 1)], [range(0, ids.length)]);
    checkLogits(out.logits.data, vocab, 0, ids.length, refCase, 0, diffs, problems, `${name} "${refCase.text}"`);
    softmaxOutputs.forEach((o, layer) => {
      attentionShapes.push(out[o].dims.join('x'));
      checkAttention(out[o], 0, refCase.attentions[layer], 0, diffs, problems, `${name} layer ${layer}`, causal);
    });
  }

  // 2. A batch of two texts, the shorter right-padded: same numbers on real tokens, zero on padded keys.
  const [a, b] = [reference.cases[0], reference.cases[1]];
  const len = Math.max(a.input_ids.length, b.input_ids.length);
  const pad = (ids) => [...ids, ...Array(len - ids.length).fill(padId)];
  const mask = (ids) => range(0, len).map((i) => (i < ids.length ? 1 : 0));
  const batch = await run([pad(a.input_ids), pad(b.input_ids)], [mask(a.input_ids), mask(b.input_ids)], [range(0, len), range(0, len)]);
  [a, b].forEach((refCase, i) => {
    const n = refCase.input_ids.length;
    // Only real query rows are compared: checkLogits stops at the reference length.
    checkLogits(batch.logits.data, vocab, i, len, refCase, 0, diffs, problems, `${name} batch[${i}]`);
    softmaxOutputs.forEach((o, layer) => {
      const t = batch[o];
      const rows = { dims: [1, heads, n, len], data: new Float32Array(heads * n * len) };
      for (let h = 0; h < heads; h++) {
        for (let q = 0; q < n; q++) {
          const src = ((i * heads + h) * len + q) * len;
          rows.data.set(t.data.subarray(src, src + len), (h * n + q) * len);
        }
      }
      checkAttention(rows, 0, refCase.attentions[layer], 0, diffs, problems, `${name} batch[${i}] layer ${layer}`, causal, fused);
    });
  });

  // 3. KV cache: the first half of a text with an empty cache, then the rest fed with the returned presents.
  if (withPast) {
    for (const refCase of reference.cases) {
      const ids = refCase.input_ids;
      const k = Math.floor(ids.length / 2);
      if (k === 0) continue;
      const first = await run([ids.slice(0, k)], [range(0, k).map(() => 1)], [range(0, k)]);
      const second = await run([ids.slice(k)], [ids.map(() => 1)], [range(k, ids.length)], first);
      checkLogits(second.logits.data, vocab, 0, ids.length - k, refCase, k, diffs, problems, `${name} cached`);
      softmaxOutputs.forEach((o, layer) => {
        checkAttention(second[o], 0, refCase.attentions[layer], k, diffs, problems, `${name} cached layer ${layer}`, true);
      });
    }
  }
  await session.release();

  const measured = Object.fromEntries(Object.entries(diffs).map(([key, d]) => [key, d.value]));
  for (const [key, value] of Object.entries(measured)) {
    if (!(value <= TOLERANCE[key])) problems.push(`${name}: max |Δ${key}| ${value} > ${TOLERANCE[key]}`);
  }
  if (softmaxOutputs.length !== 0 && softmaxOutputs.length !== layers) problems.push(`${name}: attention output count ≠ layers`);
  const shapes = [...new Set(attentionShapes)];
  console.log(
    `${name}: max |Δ| logits ${measured.logits.toExponential(2)}, logsumexp ${measured.logsumexp.toExponential(2)}, ` +
      `attention ${measured.attention.toExponential(2)}, |row sum - 1| ${measured.rowSum.toExponential(2)}` +
      (shapes.length ? `; attention shapes ${shapes.join(', ')}` : '; no Softmax in the graph') +
      (withPast ? '; empty-cache and split-cache runs included' : ''),
  );
  return { reference, measured, shapes, problems };
}

/** Same layout as lens_models/hub_folder.py's write_json: pretty header, one line per case. */
function formatReference(doc) {
  const { cases, ...head } = doc;
  const text = JSON.stringify(head, null, 2);
  return `${text.slice(0, -2)},\n  "cases": [\n${cases.map((c) => '    ' + JSON.stringify(c)).join(',\n')}\n  ]\n}\n`;
}

// One-graph models only: the encoder–decoder ones (tiny-t5, tiny-marian) are checked by test/unit/encoderDecoder.test.ts.
const names = readdirSync(modelsDir)
  .filter((n) => existsSync(path.join(modelsDir, n, 'reference.json')) && existsSync(path.join(modelsDir, n, 'onnx', 'model.onnx')))
  .sort();
let failed = false;
for (const name of names) {
  const { reference, measured, shapes, problems } = await verifyModel(name);
  for (const p of [...new Set(problems)].slice(0, 10)) console.error(`  FAIL ${p}`);
  failed ||= problems.length > 0;
  if (write) {
    reference.onnxruntime = {
      checked_with: `onnxruntime-node ${ort.env.versions?.common ?? ''}`.trim() + ', CPU, graph optimization "all"',
      measured_max_abs_diff: measured,
      attention_output_shapes_seen: shapes,
      suggested_tolerance: TOLERANCE,
    };
    writeFileSync(path.join(modelsDir, name, 'reference.json'), formatReference(reference));
  }
}
process.exit(failed ? 1 : 0);
