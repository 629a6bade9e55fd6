// The VS Code surface's pure parts: Workspace Trust precedence, the token under an offset, the run summary
// sent to webviews, the exported JSON / HTML reports and their default file names, and when the CUDA download
// is offered unasked.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { mayOfferCuda, type CudaOfferFacts } from '../../src/commands/cudaOfferPolicy';
import type { AttentionMaps, Token } from '../../src/core/types';
import type { WorkerInspectResult } from '../../src/core/worker/workerRequests';
import { exportFileName, modelSlug } from '../../src/export/fileName';
import { htmlReport, jsonReport } from '../../src/export/reports';
import type { RunRecord } from '../../src/session/runState';
import { attentionSet, tokenList } from '../../src/protocol';
import type { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { RunEngine } from '../../src/session/runEngine';
import { toRunSummary } from '../../src/session/runSummary';
import { tokenIndexAt } from '../../src/session/tokenLookup';
import { isInsideAny, restrictedValue } from '../../src/trustPolicy';

test('trust: a trusted workspace uses folder > workspace > user > default', () => {
  assert.deepEqual(restrictedValue({ defaultValue: 'd', globalValue: 'g', workspaceValue: 'w', workspaceFolderValue: 'f' }, true), {
    value: 'f',
    ignored: false,
  });
  assert.deepEqual(restrictedValue({ defaultValue: 'd', globalValue: 'g', workspaceValue: 'w' }, true), { value: 'w', ignored: false });
  assert.deepEqual(restrictedValue({ defaultValue: 'd' }, true), { value: 'd', ignored: false });
});

test('trust: an untrusted workspace ignores workspace and folder values and says so', () => {
  assert.deepEqual(restrictedValue({ defaultValue: 'd', globalValue: 'g', workspaceValue: '/evil/model' }, false), {
    value: 'g',
    ignored: true,
  });
  assert.deepEqual(restrictedValue({ defaultValue: 'd', workspaceFolderValue: 'http://evil' }, false), { value: 'd', ignored: true });
  assert.deepEqual(restrictedValue({ defaultValue: 'd', globalValue: 'g' }, false), { value: 'g', ignored: false });
  assert.deepEqual(restrictedValue(undefined, false), { value: undefined, ignored: false });
});

test('trust: a folder is inside a workspace root only below it, not beside it or via ..', () => {
  const root = path.resolve('/ws/project');
  assert.equal(isInsideAny(path.join(root, 'models', 'bert'), [root]), true);
  assert.equal(isInsideAny(root, [root]), true);
  assert.equal(isInsideAny(path.join(root, '..', 'project-other'), [root]), false);
  assert.equal(isInsideAny(path.join(root, 'models', '..', '..', 'elsewhere'), [root]), false);
  assert.equal(isInsideAny(path.resolve('/ws/project2/m'), [root]), false);
  assert.equal(
    isInsideAny(path.resolve('/home/me/..models'), [path.resolve('/home/me')]),
    true,
    'a name starting with two dots is still inside',
  );
  assert.equal(isInsideAny('/anything', []), false);
});

function token(index: number, piece: string, start: number, end: number, special = false): Token {
  return { index, id: 100 + index, piece, display: piece, start, end, special, continuation: piece.startsWith('##'), partialChar: false };
}

// "the cat [MASK]" as BERT tokens: [CLS] the cat [MASK] [SEP]
const TEXT = 'the cat [MASK]';
const TOKENS = [
  token(0, '[CLS]', 0, 0, true),
  token(1, 'the', 0, 3),
  token(2, 'cat', 4, 7),
  token(3, '[MASK]', 8, 14, true),
  token(4, '[SEP]', 14, 14, true),
];

test('token lookup: inside a span, at a word end, on a literal mask token, and in a gap', () => {
  assert.equal(tokenIndexAt(TOKENS, 0), 1);
  assert.equal(tokenIndexAt(TOKENS, 5), 2);
  assert.equal(tokenIndexAt(TOKENS, 7), 2, 'the cursor right after "cat"');
  assert.equal(tokenIndexAt(TOKENS, 10), 3, 'the literal [MASK] covers text');
  assert.equal(tokenIndexAt(TOKENS, 14), 3);
  assert.equal(tokenIndexAt([token(0, 'a', 0, 1), token(1, 'b', 3, 4)], 2), undefined, 'between tokens, after none');
});

/** Uniform attention over the 5 tokens, one layer of 2 heads, as the worker would send it for JSON export. */
function attentionMaps(): AttentionMaps {
  const n = TOKENS.length;
  const layer = new Float32Array(2 * n * n).fill(1 / n);
  return { set: 'self', layers: 1, heads: 2, queries: n, keys: n, causal: false, perLayer: [layer] };
}

/** A result as the worker sends it: its maps stay in the worker under run 11. */
function inspectResult(): WorkerInspectResult {
  const n = TOKENS.length;
  return {
    text: TEXT,
    model: {
      id: 'owner/tiny',
      source: 'hub',
      folder: '/cache/x',
      family: 'bert',
      familyLabel: 'masked LM',
      task: 'fill-mask',
      capabilities: { maskPosition: true, unmasked: true, logits: true },
      attentionSets: [{ name: 'self', label: 'Self-attention', queries: 'input', keys: 'input', causal: false }],
      architecture: 'BertForMaskedLM',
      modelType: 'bert',
      tokenizerKind: 'wordpiece',
      vocabSize: 30522,
      layers: 1,
      heads: 2,
      hiddenSize: 8,
      kvHeads: 2,
      headDim: 4,
      maxPositions: 64,
      maskToken: '[MASK]',
      onnxFile: 'onnx/model.onnx',
      onnxBytes: 1000,
      attention: { available: true },
    },
    device: { requested: 'auto', provider: 'cpu', label: 'CPU' },
    tokens: TOKENS,
    run: 11,
    predictions: {
      task: 'fill-mask',
      ranked: [{ position: 3, top: [{ id: 7, token: '<dog>', probability: 0.5 }] }],
    },
    attention: [{ set: 'self', layers: 1, heads: 2, queries: n, keys: n, causal: false }],
    timings: { tokenizeMs: 1, runMs: 2, totalMs: 3 },
  };
}

/** A masked LM's unmasked top-k at every position, as ModelRunner.unmasked returns it. */
const UNMASKED = TOKENS.map((_, p) => [{ id: 20 + p, token: `<at ${p}>`, probability: 0.25 }]);

const MASKED_AT = new Map([[2, [{ id: 9, token: 'x', probability: 0.1 }]]]);

function runRecord(): RunRecord {
  const result = inspectResult();
  const source = { modelFolder: result.model.folder, onnxFile: result.model.onnxFile, keptAttention: true };
  return { runId: 7, summary: toRunSummary(7, result), source };
}

test('run summary: carries the run id, no tensors, and says whether attention is available', () => {
  const summary = toRunSummary(7, inspectResult());
  assert.equal(summary.runId, 7);
  assert.equal(summary.attentionUnavailable, null);
  assert.equal(JSON.stringify(summary).includes('perLayer'), false);
  assert.deepEqual([summary.model.kvHeads, summary.model.headDim, summary.model.slidingWindow], [2, 4, undefined]);
  const gemma = inspectResult();
  Object.assign(gemma.model, { kvHeads: 1, slidingWindow: { size: 4, layers: [0] }, attnSoftcap: 50 });
  const windowed = toRunSummary(5, gemma).model;
  assert.deepEqual(
    [windowed.kvHeads, windowed.slidingWindow, windowed.attnSoftcap],
    [1, { size: 4, layers: [0] }, 50],
    'passed on to the views',
  );
  const noAttention = inspectResult();
  noAttention.model.attention = { available: false, reason: 'fused attention' };
  delete noAttention.attention;
  assert.equal(toRunSummary(4, noAttention).attentionUnavailable, 'fused attention');
  assert.deepEqual(toRunSummary(4, noAttention).attentionSets, [], 'no attention, no sets');
});

test("run summary: the family, its task and capabilities, the run's rankings, and its sets as the core kept them", () => {
  const masked = toRunSummary(3, inspectResult());
  assert.deepEqual([masked.model.family, masked.model.familyLabel, masked.model.task], ['bert', 'masked LM', 'fill-mask']);
  assert.equal('kind' in masked.model, false, 'no kind past the core');
  assert.deepEqual(masked.predictions, {
    task: 'fill-mask',
    ranked: [{ position: 3, top: [{ id: 7, token: '<dog>', probability: 0.5 }] }],
  });
  assert.deepEqual(masked.capabilities, { maskPosition: true, unmasked: true, logits: true });
  const self = { name: 'self', label: 'Self-attention', queries: 'input', keys: 'input', layers: 1, heads: 2, causal: false };
  assert.deepEqual(masked.attentionSets, [self]);
  const causal = inspectResult();
  causal.attention = [{ set: 'self', layers: 3, heads: 2, queries: 5, keys: 5, causal: true }];
  assert.deepEqual(toRunSummary(3, causal).attentionSets, [{ ...self, layers: 3, causal: true }]);
  assert.equal(tokenList(masked, 'input'), masked.tokens);
  assert.deepEqual(tokenList(masked, 'target'), [], 'no second list');
  assert.equal(attentionSet(masked, 'self')?.label, 'Self-attention');
  assert.equal(attentionSet(masked, 'cross'), undefined);
});

test(
  'layer requests: a kept layer of a set is fetched by run id and set; ' +
    'another set, a missing layer or a run without attention says why',
  async () => {
    const asked: unknown[] = [];
    const engine = { request: async (op: string, payload: unknown) => (asked.push([op, payload]), new Float32Array(2 * 5 * 5)) };
    const runs = new RunEngine(engine as unknown as InferenceEngine);
    const { summary, source } = runRecord();
    const layer = await runs.layer(summary, source, 'self', 0);
    assert.deepEqual([layer.runId, layer.set, layer.layer, layer.heads, layer.queries, layer.keys], [7, 'self', 0, 2, 5, 5]);
    assert.deepEqual(asked, [['layer', { run: 7, set: 'self', layer: 0 }]]);
    await assert.rejects(runs.layer(summary, source, 'self', 1), /layer 1 does not exist: the model has 1 layers/);
    await assert.rejects(runs.layer(summary, source, 'cross', 0), /this run has no attention set "cross" \(it has self\)/);
    await assert.rejects(runs.layer(summary, { ...source, keptAttention: false }, 'self', 0), /this run kept no attention/);
    const fused = { ...summary, attentionUnavailable: 'the graph fuses attention into com.microsoft.Attention' };
    await assert.rejects(runs.layer(fused, { ...source, keptAttention: false }, 'self', 0), /fuses attention/);
    assert.equal(asked.length, 1, 'nothing asked of the engine that it cannot answer');
  },
);

test('JSON export: tokens, predictions and attention as [layer][head][query][key]', () => {
  const run = runRecord();
  const report = JSON.parse(jsonReport(run, [{ set: run.summary.attentionSets[0], maps: attentionMaps() }], MASKED_AT, UNMASKED));
  assert.equal(report.format, 'attention-lens-run/3');
  assert.deepEqual(report.model.task, 'fill-mask');
  assert.equal(report.model.onnxFile, 'onnx/model.onnx');
  assert.deepEqual(
    report.predictions.ranked.map((r: { position: number }) => r.position),
    [3],
  );
  assert.deepEqual(report.capabilities, { maskPosition: true, unmasked: true, logits: true });
  assert.deepEqual(report.unmaskedAtPosition, UNMASKED);
  assert.deepEqual(report.maskedAtPosition, { 2: [{ id: 9, token: 'x', probability: 0.1 }] });
  assert.equal(report.text, TEXT);
  assert.equal(report.tokens.length, 5);
  assert.equal(report.attention.perLayer.length, 1);
  assert.equal(report.attention.perLayer[0].length, 2);
  assert.equal(report.attention.perLayer[0][1][4].length, 5);
  assert.equal(report.attention.perLayer[0][1][4][0], 0.2);
  assert.deepEqual(report.maskedAtPosition['2'], [{ id: 9, token: 'x', probability: 0.1 }]);
  assert.equal(report.stale, null);
  // One set: its facts in attentionSets, its maps once, in the /2 `attention` object scripts read.
  assert.deepEqual(report.attentionSets, [
    {
      name: 'self',
      label: 'Self-attention',
      queries: 'input',
      keys: 'input',
      layers: 1,
      heads: 2,
      causal: false,
      layout: 'perLayer[layer][head][query][key]',
      perLayerIn: 'attention.perLayer',
    },
  ]);
});

test('JSON export: several sets each carry their own maps, and no `attention` object; a run without attention says why', () => {
  const run = runRecord();
  run.summary.target = { tokens: TOKENS.slice(0, 2), text: 'ab', generated: false };
  const self = run.summary.attentionSets[0];
  const decoder = { ...self, name: 'decoder', label: 'Decoder self-attention', heads: 1, causal: true };
  const triangle = new Float32Array(25);
  for (let q = 0; q < 5; q++) for (let k = 0; k <= q; k++) triangle[q * 5 + k] = 1 / (q + 1);
  const decoderMaps: AttentionMaps = {
    set: 'decoder',
    layers: 1,
    heads: 1,
    queries: 5,
    keys: 5,
    causal: true,
    perLayer: [triangle],
  };
  const report = JSON.parse(
    jsonReport(
      run,
      [
        { set: self, maps: attentionMaps() },
        { set: decoder, maps: decoderMaps },
      ],
      MASKED_AT,
      UNMASKED,
    ),
  );
  assert.equal(report.attention, undefined);
  assert.deepEqual(
    report.target.tokens.map((t: Token) => t.piece),
    ['[CLS]', 'the'],
  );
  assert.deepEqual(
    report.attentionSets.map((e: { name: string; causal: boolean }) => [e.name, e.causal]),
    [
      ['self', false],
      ['decoder', true],
    ],
  );
  assert.equal(report.attentionSets[0].perLayer[0][1][4][0], 0.2);
  assert.equal(report.attentionSets[1].perLayer[0].length, 1, 'the decoder set: 1 head');
  assert.deepEqual(report.attentionSets[1].perLayer[0][0][1], [0.5, 0.5, 0, 0, 0]);
  const none = runRecord();
  none.summary.attentionUnavailable = 'fused attention';
  assert.deepEqual(JSON.parse(jsonReport(none, [], undefined, undefined)).attention, { unavailable: 'fused attention' });
  assert.deepEqual(JSON.parse(jsonReport(none, [], undefined, undefined)).attentionSets, []);
});

test('HTML export: self-contained, escapes model output, embeds the picture only as a data: image', () => {
  const run = runRecord();
  run.stale = 'The document changed <after> this run';
  const page = htmlReport(run, UNMASKED, {
    mime: 'image/svg+xml',
    base64: Buffer.from('<svg><script>alert(1)</script></svg>').toString('base64'),
  });
  assert.match(page, /content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"/);
  assert.doesNotMatch(page, /<script/i);
  assert.doesNotMatch(page, /<dog>/, 'a predicted token is escaped');
  assert.match(page, /&#60;dog&#62;/);
  assert.match(page, /The document changed &#60;after&#62; this run/);
  assert.match(page, /<img alt="the inspector's view" src="data:image\/svg\+xml;base64,/);
  assert.match(page, /token 3: &#60;dog&#62; <small>50\.0%<\/small>/);
  assert.match(page, /<td>&#60;at 4&#62; <small>25\.0%<\/small><\/td><\/tr>/, "each token's row has its unmasked top-k");
});

test('HTML export of an encoder–decoder run: the source, the target and who wrote it, predictions over the target, every set', () => {
  const run = runRecord();
  const target = [token(0, '<pad>', 0, 0, true), token(1, '▁Das', 0, 3), token(2, '▁<Haus>', 4, 10)];
  const self = run.summary.attentionSets[0];
  run.summary.target = { tokens: target.map((t) => ({ ...t, display: t.piece })), text: 'Das <Haus>', generated: true };
  run.summary.attentionSets = [
    { ...self, name: 'encoder', label: 'Encoder self-attention' },
    { ...self, name: 'decoder', label: 'Decoder self-attention', queries: 'target', keys: 'target', causal: true },
    { ...self, name: 'cross', label: 'Cross-attention (target → source)', queries: 'target', keys: 'input' },
  ];
  const next = (p: number) => [{ id: 30 + p, token: `<next ${p}>`, probability: 0.5 }];
  run.summary.predictions = {
    task: 'next-token',
    list: 'target',
    ranked: [0, 1, 2].map((p) => ({ position: p, top: next(p) })),
    actual: [null, 0.25, 0.125],
  };
  const page = htmlReport(run, undefined);
  assert.match(page, /<h2>Source<\/h2><pre>/);
  assert.match(page, /<h2>Target, generated by the model \(greedy\)<\/h2><pre>Das &#60;Haus&#62;<\/pre>/);
  // The target's rows carry the predictions; the source's none (they index the target).
  assert.match(
    page,
    new RegExp(
      '<tr><td>2</td><td><code>▁&#60;Haus&#62;</code></td><td>\\d+</td><td>4–10</td><td>12\\.50%</td>' +
        '<td>&#60;next 2&#62; <small>50\\.0%</small></td></tr>',
    ),
  );
  const source = page.slice(page.indexOf('<h2>Source tokens</h2>'), page.indexOf('<h2>Attention sets</h2>'));
  assert.doesNotMatch(source, /next|%/, 'no predictions in the source table');
  assert.equal(source.match(/<tr><td>/g)?.length, run.summary.tokens.length);
  for (const [name, shape] of [
    ['encoder', `input × input</td><td>${run.summary.tokens.length} × ${run.summary.tokens.length}`],
    ['decoder', 'target × target</td><td>3 × 3'],
    ['cross', `target × input</td><td>3 × ${run.summary.tokens.length}`],
  ])
    assert.ok(page.includes(`<tr><td>${name}</td>`) && page.includes(shape), `the ${name} set is listed as ${shape}`);
  run.summary.target.generated = false;
  assert.match(htmlReport(run, undefined), /<h2>Target, given \(teacher forcing\)<\/h2>/);
});

test('export file names: the model, then what the picture shows; a Hub id or a folder becomes one safe part', () => {
  assert.equal(exportFileName('lens-bert-mini', 'png', 'head-view_L3'), 'lens-bert-mini_head-view_L3.png');
  assert.equal(exportFileName('Xenova/bert-base-uncased', 'svg', 'matrix_L2_H3'), 'Xenova-bert-base-uncased_matrix_L2_H3.svg');
  assert.equal(exportFileName('/home/me/models/my model', 'png', 'model-view'), 'my-model_model-view.png');
  assert.equal(exportFileName('C:\\models\\tiny', 'png', 'tokens'), 'tiny_tokens.png');
  assert.equal(exportFileName('lens-gpt2-mini', 'html'), 'lens-gpt2-mini_report.html');
  assert.equal(exportFileName('lens-gpt2-mini', 'json'), 'lens-gpt2-mini_tokens-attention-predictions.json');
  // A name the webview should never send falls back to a plain one rather than reaching the file system.
  assert.equal(exportFileName('m', 'png', '../../etc/passwd'), 'm_view.png');
  assert.equal(modelSlug('../..'), 'model');
});

test(
  'CUDA offer: once per window on Linux x64 when auto or cuda ended on the CPU without the provider; ' + 'never after "Don\'t Ask Again"',
  () => {
    const facts: CudaOfferFacts = {
      platform: 'linux',
      arch: 'x64',
      requested: 'auto',
      provider: 'cpu',
      cudaInstalled: false,
      declined: false,
      offeredThisWindow: false,
    };
    assert.equal(mayOfferCuda(facts), true);
    assert.equal(mayOfferCuda({ ...facts, requested: 'cuda' }), true);
    assert.equal(mayOfferCuda({ ...facts, requested: 'cpu' }), false, 'the user asked for the CPU');
    assert.equal(mayOfferCuda({ ...facts, provider: 'cuda' }), false, 'already on the GPU');
    assert.equal(mayOfferCuda({ ...facts, cudaInstalled: true }), false, 'installed, but CUDA failed to start: the log says why');
    assert.equal(mayOfferCuda({ ...facts, declined: true }), false);
    assert.equal(mayOfferCuda({ ...facts, offeredThisWindow: true }), false);
    assert.equal(mayOfferCuda({ ...facts, platform: 'win32' }), false, 'DirectML ships with the extension');
    assert.equal(mayOfferCuda({ ...facts, arch: 'arm64' }), false, 'no CUDA provider is published for Linux arm64');
  },
);

test('JSON and HTML exports of a sentence pair: where B starts, every segment id, and whether the model was fed them', () => {
  const plain = runRecord();
  assert.equal(JSON.parse(jsonReport(plain, [], undefined, undefined)).pair, null, 'a single text is no pair');
  assert.doesNotMatch(htmlReport(plain, undefined), /Sentence pair|segment/);
  const result = { ...inspectResult(), pair: { sentenceBStart: 3, segments: [0, 0, 0, 1, 1], segmentsFed: true } };
  const run: RunRecord = { ...plain, summary: toRunSummary(7, result) };
  const report = JSON.parse(jsonReport(run, [], undefined, undefined));
  assert.deepEqual(report.pair, { sentenceBStart: 3, segments: [0, 0, 0, 1, 1], segmentsFed: true });
  const page = htmlReport(run, undefined);
  assert.match(page, /<p class="pair">Sentence pair: A = tokens 0–2, B = tokens 3–4 · segment ids fed as token_type_ids\.<\/p>/);
  assert.match(page, /<th>sentence · segment<\/th>/);
  const cells = [...page.matchAll(/<td>([AB]) · (\d)<\/td>/g)].map((m) => `${m[1]}${m[2]}`);
  assert.deepEqual(cells, ['A0', 'A0', 'A0', 'B1', 'B1'], "each token's sentence and segment id, in token order");
  // A model without token_type_ids (RoBERTa, DistilBERT): the report says it ignores the segments.
  run.summary.pair = { ...run.summary.pair!, segmentsFed: false };
  assert.equal(JSON.parse(jsonReport(run, [], undefined, undefined)).pair.segmentsFed, false);
  assert.match(htmlReport(run, undefined), /takes no token_type_ids: it ignores segments/);
});

test('JSON and HTML exports record the heads ablated in the panel and how each prediction moved; none: null and no section', () => {
  const run = runRecord();
  const ablation = {
    runId: run.runId,
    ablated: ['0.1', '1.3'],
    mode: 'zero' as const,
    candidates: 50,
    positions: [
      {
        position: 3,
        changes: [
          { id: 7, token: '<cat>', before: { probability: 0.1, rank: 2 }, after: { probability: 0.4, rank: 1 } },
          { id: 9, token: 'dog', before: { probability: 0.5, rank: 1 } },
        ],
      },
    ],
  };
  assert.deepEqual(JSON.parse(jsonReport(run, [], undefined, undefined, { ablation })).ablation, ablation);
  assert.equal(JSON.parse(jsonReport(run, [], undefined, undefined)).ablation, null);
  const page = htmlReport(run, undefined, undefined, ablation);
  assert.match(page, /<h2>Heads ablated<\/h2><p>0\.1, 1\.3 \(layer\.head\), context vectors zeroed\.<\/p>/);
  assert.match(page, /<tr><td>3<\/td><td>&#60;cat&#62;<\/td><td>10\.00% \(rank 2\)<\/td><td>40\.00% \(rank 1\)<\/td><\/tr>/);
  assert.match(page, /<td>dog<\/td><td>50\.00% \(rank 1\)<\/td><td>below top 50<\/td>/);
  assert.doesNotMatch(htmlReport(run, undefined), /Heads ablated/);
});

test('JSON export: the logit lens the panel computed for the run, else null', () => {
  const run = runRecord();
  const maps = [{ set: run.summary.attentionSets[0], maps: attentionMaps() }];
  assert.equal(JSON.parse(jsonReport(run, maps, MASKED_AT, UNMASKED)).logitLens, null);
  const lens = {
    positions: [2],
    final: [{ id: 9, token: 'x' }],
    layers: [[{ top: [{ id: 9, token: 'x', probability: 0.5 }], finalProbability: 0.5 }]],
  };
  assert.deepEqual(JSON.parse(jsonReport(run, maps, MASKED_AT, UNMASKED, { logitLens: lens })).logitLens, lens);
});
