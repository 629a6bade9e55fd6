// What head ablation costs (issue 21, item 8): `npm run bench:ablation [-- --models DIR --tokens 128,512]` prints
// a Markdown table for BENCHMARKS.md. On the BERT-base shape, per length, medians of interleaved rounds of:
// - a plain forward pass: the unpatched file in a plain onnxruntime session (PlainSession), fetching the logits;
// - the core's prediction run without and with the head gate (the same patch, the gate fed ones and zeros): what
//   the gate adds to every run;
// - a toggle: ModelRunner.ablate with a different head set each time (its plain run is kept, so a toggle is one run).
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildFeeds, feedShape, inputSpecs } from '../../src/core/engine/feeds';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { sessionOptions } from '../../src/core/engine/modelSession';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { locateAttention } from '../../src/core/onnx/attentionNodes';
import { patchModel, planPatch, PREDICTED_POSITIONS, HEAD } from '../../src/core/onnx/graphPatch';
import { HEAD_GATE, HEAD_MEAN, planHeadGate } from '../../src/core/onnx/headGate';
import { readModelGraph } from '../../src/core/onnx/modelGraph';
import type { HeadRef } from '../../src/protocol/ablation';
import { median } from './benchMath';
import { defaultModelsDir } from './options';
import { benchModelAt, PlainSession, textOfLength } from './workload';

const ROUNDS = 7;
/** Head sets a toggle switches between: one head, two of the last layer, one of the middle. */
const TOGGLES: HeadRef[][] = [
  [{ layer: 0, head: 1 }],
  [
    { layer: 11, head: 0 },
    { layer: 11, head: 5 },
  ],
  [{ layer: 5, head: 3 }],
];

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** A session on the model's patch, with or without the head gate, and the feeds of its prediction run. */
async function patchedSession(onnxPath: string, layers: number, heads: number, gate: boolean) {
  const { skeleton, graph } = await readModelGraph(onnxPath, 'onnx/model.onnx');
  const attention = locateAttention(graph, layers);
  const plan = { ...planPatch(graph, [], false), ...(gate ? { headGate: planHeadGate(skeleton, graph, attention, layers, heads) } : {}) };
  const session = await ort.InferenceSession.create(patchModel(skeleton, plan).bytes, sessionOptions('cpu', path.dirname(onnxPath)));
  const gates: Record<string, ort.Tensor> = gate
    ? {
        [HEAD_GATE]: new ort.Tensor('float32', new Float32Array(layers * heads).fill(1), [layers, heads]),
        [HEAD_MEAN]: new ort.Tensor('float32', new Float32Array(layers * heads), [layers, heads]),
      }
    : {};
  return { session, gates };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const folder = path.join(at('--models') ?? defaultModelsDir(), 'bert-base-shaped');
  const lengths = (at('--tokens') ?? '128,512').split(',').map(Number);
  const model = benchModelAt(folder, 'bert', 'BERT-base shape', false);
  const runner = await ModelRunner.load({ id: model.label, source: 'local', folder, device: 'cpu' }, detectProviderEnvironment());
  const plain = await PlainSession.create(model, 'cpu');
  const ungated = await patchedSession(model.onnxPath, model.layers, model.heads, false);
  const gated = await patchedSession(model.onnxPath, model.layers, model.heads, true);
  const load = [os.loadavg()[0]];
  const rows: string[] = [];
  for (const tokens of lengths) {
    const text = textOfLength(runner.model.tokenizer, tokens);
    const ids = runner.model.tokenizer.encode(text).map((t) => t.id);
    const mask = ids.indexOf(runner.model.tokenizer.maskTokenId!);
    const own = inputSpecs(ungated.session).filter((spec) => spec.name !== PREDICTED_POSITIONS);
    const feeds = buildFeeds(own, ids, 1, ids.length, feedShape(runner.model.config));
    feeds[PREDICTED_POSITIONS] = new ort.Tensor('int64', BigInt64Array.from([BigInt(mask)]), [1]);
    const fetches = [HEAD.topValues, HEAD.topIndices, HEAD.logSumExp];
    const plainFeeds = plain.feeds(ids);
    const times = { plain: [] as number[], ungated: [] as number[], gated: [] as number[], toggle: [] as number[] };
    await runner.ablate(text, { heads: TOGGLES[0], mode: 'zero' }, 10); // the plain run it keeps, and a warm-up
    for (let r = -1; r < ROUNDS; r++) {
      const round = {
        plain: await timed(() => plain.forward(plainFeeds)),
        ungated: await timed(() => ungated.session.run(feeds, fetches)),
        gated: await timed(() => gated.session.run({ ...feeds, ...gated.gates }, fetches)),
        toggle: await timed(() => runner.ablate(text, { heads: TOGGLES[(r + 3) % TOGGLES.length], mode: 'zero' }, 10)),
      };
      if (r < 0) continue; // warm-up round
      for (const key of Object.keys(times) as (keyof typeof times)[]) times[key].push(round[key]);
    }
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<keyof typeof times, number>;
    rows.push(
      `| ${model.label} | ${tokens} | ${m.plain.toFixed(1)} | ${m.ungated.toFixed(1)} | ${m.gated.toFixed(1)} ` +
        `(${(m.gated / m.ungated).toFixed(2)}×) | ${m.toggle.toFixed(1)} | **${(m.toggle / m.plain).toFixed(2)}×** |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
  }
  load.push(os.loadavg()[0]);
  await Promise.all([runner.dispose(), plain.release(), ungated.session.release(), gated.session.release()]);
  process.stdout.write(
    [
      `Medians of ${ROUNDS} interleaved rounds, CPU (${os.cpus().length} cores), ` +
        `1-minute load average ${load.map((l) => l.toFixed(1)).join(' → ')}.`,
      '',
      '| model | tokens | plain forward (ms) | prediction run, no gate (ms) | with the gate fed ones (ms) | ablation toggle (ms) | ' +
        'toggle ÷ plain |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
