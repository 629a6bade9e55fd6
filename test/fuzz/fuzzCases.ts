// The fuzz targets. Each builds case `index` of run `seed` from the seed corpus (the same bytes every time) and
// runs it the way the product reads such files:
//  - onnx: a mutated ONNX file through the structure reader, the external-data check, the attention search and
//    the patch (everything loadModel does before onnxruntime), in this process;
//  - model: a model folder with one mutated file (model.onnx, config.json, tokenizer.json or
//    tokenizer_config.json) loaded by the real inference worker (InferenceEngine), onnxruntime included, then,
//    when it loads, inspected once;
//  - zip: a mutated archive listed and every entry extracted, as the CUDA installer does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { locateAttention } from '../../src/core/onnx/attentionNodes';
import { keptTensors, recipesOf } from '../../src/core/onnx/attentionRecompute';
import { patchModel, planPatch } from '../../src/core/onnx/graphPatch';
import { readModelGraph } from '../../src/core/onnx/modelGraph';
import { checkExternalData } from '../../src/core/model/modelFolder';
import { parseModelConfig } from '../../src/core/model/modelConfig';
import { extractEntry, readZipEntries } from '../../src/core/gpu/zipReader';
import type { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { inspectText } from '../support/engine';
import { mutateJson } from './jsonMutations';
import { mutateOnnx } from './onnxMutations';
import { Prng } from './prng';
import { structureSites, type FieldSite } from './protobufMap';
import { modelSeeds, seedFiles, writeModelFolder, zipSeeds, type ModelSeed } from './seedCorpus';
import type { CaseReport } from './verdict';
import { mutateZip } from './zipMutations';

export const TARGETS = ['onnx', 'model', 'zip'] as const;
export type Target = (typeof TARGETS)[number];

export type Outcome = Pick<CaseReport, 'outcome' | 'stage' | 'message' | 'errorName' | 'errorCode'>;

export interface BuiltCase {
  what: string;
  bytes: number;
  run: () => Promise<Outcome>;
}

/** What the case needs from its process: a folder of its own, and the engine (model target only). */
export interface CaseContext {
  dir: string;
  engine?: InferenceEngine;
}

const ONNX_FILE = path.join('onnx', 'model.onnx');
const sitesBySeed = new Map<string, FieldSite[]>();
/** Where the structure of a seed's ONNX file lies (found once per seed). */
export const structureSitesOf = (seed: ModelSeed) =>
  sitesBySeed.get(seed.name) ?? sitesBySeed.set(seed.name, structureSites(seed.onnx)).get(seed.name)!;

function refused(error: unknown, stage: 'load' | 'run'): Outcome {
  const e = error as Error & { code?: unknown };
  const errorCode = typeof e?.code === 'string' ? e.code : undefined;
  return { outcome: 'refused', stage, message: e?.message ?? String(error), errorName: e?.name ?? typeof error, errorCode };
}

function onnxCase(rng: Prng, ctx: CaseContext): BuiltCase {
  const seed = rng.pick(modelSeeds());
  const mutated = mutateOnnx(rng, seed.onnx, structureSitesOf(seed));
  // The ONNX file alone: nothing before onnxruntime reads the folder's other files.
  const onnxPath = path.join(ctx.dir, ONNX_FILE);
  fs.mkdirSync(path.dirname(onnxPath), { recursive: true });
  fs.writeFileSync(onnxPath, mutated.bytes);
  const run = async (): Promise<Outcome> => {
    try {
      const config = parseModelConfig(JSON.parse(seed.config), 'config.json');
      const { skeleton, graph } = await readModelGraph(onnxPath, ONNX_FILE);
      await checkExternalData(onnxPath, graph.externalDataLocations);
      const attention = locateAttention(graph, config.layers);
      const kept = keptTensors(recipesOf(graph, attention));
      patchModel(skeleton, planPatch(graph, kept, config.family.scoresActualTokens));
      return { outcome: 'loaded' };
    } catch (error) {
      return refused(error, 'load');
    }
  };
  return { what: `${seed.name} ${ONNX_FILE}, ${mutated.what}`, bytes: mutated.bytes.length, run };
}

const JSON_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];

function modelCase(rng: Prng, ctx: CaseContext): BuiltCase {
  const seed = rng.pick(modelSeeds());
  const file = rng.chance(0.5) ? ONNX_FILE : rng.pick(JSON_FILES);
  const mutated = file === ONNX_FILE ? mutateOnnx(rng, seed.onnx, structureSitesOf(seed)) : mutateJson(rng, seedFiles(seed)[file]);
  const bytes = writeModelFolder(seed, ctx.dir, { [file]: mutated.bytes });
  const engine = ctx.engine!;
  const run = async (): Promise<Outcome> => {
    let info;
    try {
      ({ info } = await engine.load({ id: seed.name, source: 'local', folder: ctx.dir, device: 'cpu' }));
    } catch (error) {
      return refused(error, 'load');
    }
    try {
      const text = info.task === 'fill-mask' ? `The cat ${info.maskToken ?? ''} on the mat.` : 'The cat sat on the';
      await inspectText(engine, text, { attention: true, topK: 5 });
      return { outcome: 'loaded' };
    } catch (error) {
      return refused(error, 'run');
    }
  };
  return { what: `${seed.name} ${file}, ${mutated.what}`, bytes, run };
}

function zipCase(rng: Prng, ctx: CaseContext): BuiltCase {
  const seedIndex = rng.int(zipSeeds().length);
  const mutated = mutateZip(rng, zipSeeds()[seedIndex]);
  const archive = path.join(ctx.dir, 'package.nupkg');
  fs.writeFileSync(archive, mutated.bytes);
  const run = async (): Promise<Outcome> => {
    try {
      const entries = await readZipEntries(archive);
      for (const [i, entry] of entries.entries()) await extractEntry(archive, entry, path.join(ctx.dir, `entry-${i}`));
      return { outcome: 'loaded' };
    } catch (error) {
      return refused(error, 'load');
    }
  };
  return { what: `${seedIndex === 0 ? 'zip' : 'zip64'} seed, ${mutated.what}`, bytes: mutated.bytes.length, run };
}

/** Case `index` of run `seed` of `target`, its files written under ctx.dir. */
export function buildCase(target: Target, seed: number, index: number, ctx: CaseContext): BuiltCase {
  const rng = Prng.forCase(seed, index);
  if (target === 'onnx') return onnxCase(rng, ctx);
  if (target === 'model') return modelCase(rng, ctx);
  return zipCase(rng, ctx);
}
