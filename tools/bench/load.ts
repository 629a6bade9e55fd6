// Figure 5: model load time. A plain session created from the file (what a user of onnxruntime would write)
// against the core's whole load (config, tokenizer, reading the skeleton, scan, patch, the session from the
// patched skeleton, which reads the weights from the file), interleaved; plus the core's steps timed one by
// one, so a slow step can be named.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { sessionOptions } from '../../src/core/engine/modelSession';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { locateAttention } from '../../src/core/onnx/attentionNodes';
import { keptTensors, recipesOf } from '../../src/core/onnx/attentionRecompute';
import { patchModel, planPatch } from '../../src/core/onnx/graphPatch';
import { scanModel } from '../../src/core/onnx/graphScan';
import { readModelSkeleton } from '../../src/core/onnx/modelSkeleton';
import { median } from './benchMath';
import type { BenchDevice } from './options';
import type { BenchModel } from './workload';

export interface LoadRow {
  model: string;
  onnxBytes: number;
  repeats: number;
  plainMs: number;
  coreMs: number;
  ratio: number;
  readMs: number;
  scanMs: number;
  patchMs: number;
  createPatchedMs: number;
}

async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

export async function measureLoad(model: BenchModel, device: BenchDevice, repeats: number, collectGarbage: () => void): Promise<LoadRow> {
  const env = detectProviderEnvironment();
  const plain: number[] = [];
  const core: number[] = [];
  const steps = { read: [] as number[], scan: [] as number[], patch: [] as number[], create: [] as number[] };
  const request = { id: model.label, source: 'local' as const, folder: model.folder, device };
  let onnxBytes = 0;
  for (let r = 0; r < repeats; r++) {
    const order = r % 2 === 0 ? ['plain', 'core', 'steps'] : ['steps', 'core', 'plain'];
    for (const which of order) {
      collectGarbage();
      if (which === 'plain') {
        const { value, ms } = await timed(() => ort.InferenceSession.create(model.onnxPath, sessionOptions(device)));
        plain.push(ms);
        await value.release();
      } else if (which === 'core') {
        const { value, ms } = await timed(() => ModelRunner.load(request, env));
        core.push(ms);
        await value.dispose();
      } else {
        const read = await timed(() => readModelSkeleton(model.onnxPath));
        onnxBytes = (await fs.stat(model.onnxPath)).size;
        const scan = await timed(() => scanModel(read.value));
        const patch = await timed(() => {
          const attention = locateAttention(scan.value, model.layers);
          const kept = keptTensors(recipesOf(scan.value, attention));
          return patchModel(read.value, planPatch(scan.value, kept, model.family.scoresActualTokens));
        });
        const create = await timed(() =>
          ort.InferenceSession.create(patch.value.bytes, sessionOptions(device, path.dirname(model.onnxPath))),
        );
        await create.value.release();
        steps.read.push(read.ms);
        steps.scan.push(scan.ms);
        steps.patch.push(patch.ms);
        steps.create.push(create.ms);
      }
    }
  }
  return {
    model: model.label,
    onnxBytes,
    repeats,
    plainMs: median(plain),
    coreMs: median(core),
    ratio: median(core) / median(plain),
    readMs: median(steps.read),
    scanMs: median(steps.scan),
    patchMs: median(steps.patch),
    createPatchedMs: median(steps.create),
  };
}
