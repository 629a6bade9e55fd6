// Writes the run files the tests open: real exports of the tiny test models through the worker, as Export… → JSON
// writes them, and a notebook holding one as a stored output (with its maps as base64 float32, the compact form).
//   node out/tools/runFiles/makeRunFiles.js   → test/integration/workspace/{tiny-bert.attention.json,run-output.ipynb}
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { RUN_FILE_MIME } from '../../src/core/runFile/readRunFile';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { jsonReport } from '../../src/export/reports';
import { toRunSummary } from '../../src/session/runSummary';

const root = path.join(__dirname, '..', '..', '..');
const workspace = path.join(root, 'test', 'integration', 'workspace');
const workerPath = path.join(root, 'out', 'src', 'core', 'worker', 'inferenceWorker.js');

/** One run of a fixture model, exported as the extension's JSON export writes it. */
async function exportRun(model: string, text: string): Promise<string> {
  const engine = new InferenceEngine({ workerPath, environment: detectProviderEnvironment() });
  try {
    const folder = path.join(root, 'test', 'fixtures', 'models', model);
    await engine.load({ id: model, source: 'local', folder, onnxFile: 'onnx/model.onnx', device: 'cpu' });
    const run = engine.nextRunId();
    const result = await engine.request('inspect', { run, text, options: { attention: true, topK: 5 } });
    const summary = toRunSummary(run, result);
    const maps = await engine.request('maps', { run });
    const sets = summary.attentionSets.map((set) => ({ set, maps: maps.find((m) => m.set === set.name)! }));
    const unmasked = result.model.capabilities.unmasked ? await engine.request('unmasked', { run, topK: 5 }) : undefined;
    const source = { modelFolder: folder, onnxFile: result.model.onnxFile, keptAttention: true };
    return jsonReport({ runId: run, summary, source }, sets, undefined, unmasked);
  } finally {
    await engine.dispose();
  }
}

/** The export with every set's maps as one base64 float32 string per layer (as python/attention_lens.py may write). */
function compact(json: string): Record<string, unknown> {
  const run = JSON.parse(json);
  const encode = (perLayer: number[][][][]) => ({
    encoding: 'base64-float32',
    layers: perLayer.map((layer) => Buffer.from(new Float32Array(layer.flat(2)).buffer).toString('base64')),
  });
  if (run.attention?.perLayer) run.attention.perLayer = encode(run.attention.perLayer);
  for (const set of run.attentionSets) if (set.perLayer) set.perLayer = encode(set.perLayer);
  return run;
}

function notebook(run: Record<string, unknown>): string {
  const cell = (source: string[], outputs: unknown[]) => ({
    cell_type: 'code',
    execution_count: 1,
    metadata: {},
    source,
    outputs,
  });
  return JSON.stringify(
    {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
      cells: [
        cell(
          ['# A run written from Python and displayed with the MIME type of Attention Lens run files\n', 'attention_lens.display(run)'],
          [{ output_type: 'display_data', metadata: {}, data: { [RUN_FILE_MIME]: run, 'text/plain': ['<Attention Lens run>'] } }],
        ),
      ],
    },
    null,
    1,
  );
}

async function main(): Promise<void> {
  const bert = await exportRun('tiny-bert', 'The cat sat on the [MASK].');
  writeFileSync(path.join(workspace, 'tiny-bert.attention.json'), bert);
  const gpt2 = await exportRun('tiny-gpt2', 'The cat sat on the mat because it was tired.');
  writeFileSync(path.join(workspace, 'run-output.ipynb'), notebook(compact(gpt2)));
  console.log(`wrote tiny-bert.attention.json and run-output.ipynb in ${path.relative(root, workspace)}`);
}

void main();
