// A model folder in the Hub's ONNX layout: config.json, tokenizer files, onnx/<variant>.onnx (+ .onnx_data).
// Everything read from it stays inside it: external-data locations written in the graph are checked.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LensError } from '../types';
import { parseModelConfig, type ModelConfig } from './modelConfig';

/**
 * ONNX files tried in order when the user names none (transformers.js's decoder-only and encoder names). Unmerged
 * graphs first, since their attention can be exposed, and among a graph's variants the most exact first: fp32 (the
 * maps are the model's own), fp16, 8-bit weights, then 4-bit ones.
 */
export const ONNX_CANDIDATES = [
  'onnx/model.onnx',
  'onnx/decoder_model.onnx',
  'model.onnx',
  'onnx/model_fp16.onnx',
  'onnx/model_int8.onnx',
  'onnx/model_uint8.onnx',
  'onnx/model_quantized.onnx',
  'onnx/decoder_model_quantized.onnx',
  'onnx/model_q4.onnx',
  'onnx/model_q4f16.onnx',
  'onnx/model_bnb4.onnx',
  'onnx/decoder_model_merged.onnx',
];

/** True when `child` resolves to a path strictly inside `parent`. */
export function isInside(parent: string, child: string): boolean {
  const relative = path.relative(path.resolve(parent), path.resolve(child));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

async function readJson(folder: string, name: string): Promise<unknown> {
  const file = path.join(folder, name);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new LensError(`the model folder has no ${name} (${folder})`, 'model-invalid');
    throw new LensError(`cannot read ${name}: ${(error as Error).message}`, 'model-invalid');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new LensError(`${name} is not valid JSON (${folder})`, 'model-invalid');
  }
}

export async function readModelConfig(folder: string): Promise<ModelConfig> {
  const stat = await fs.stat(folder).catch(() => undefined);
  if (!stat?.isDirectory()) throw new LensError(`model folder not found: ${folder}`, 'model-not-found');
  return parseModelConfig(await readJson(folder, 'config.json'), 'config.json');
}

/** Picks the ONNX file: the one asked for (must stay inside the folder) or the first of `candidates` present. */
export async function findOnnxFile(
  folder: string,
  requested?: string,
  defaults: readonly string[] = ONNX_CANDIDATES,
): Promise<{ relative: string; bytes: number }> {
  const candidates = requested ? [requested] : defaults;
  for (const relative of candidates) {
    const file = path.join(folder, relative);
    if (!isInside(folder, file)) throw new LensError(`the ONNX file ${relative} is outside the model folder`, 'model-invalid');
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat?.isFile()) return { relative, bytes: stat.size };
  }
  throw new LensError(
    requested ? `the model folder has no ${requested}` : `the model folder has no ONNX model (looked for ${defaults.join(', ')})`,
    'model-invalid',
  );
}

/**
 * Checks that every external-data file named by the graph (model.onnx_data, model.onnx_data_1, … for large models)
 * lies inside the ONNX file's folder and exists.
 */
export async function checkExternalData(onnxPath: string, locations: string[]): Promise<void> {
  const dir = path.dirname(onnxPath);
  for (const location of locations) {
    const target = path.join(dir, location);
    if (path.isAbsolute(location) || !isInside(dir, target)) {
      throw new LensError(
        `the ONNX graph points its weights at "${location}", outside the model folder; refusing to load it`,
        'model-invalid',
      );
    }
    const stat = await fs.stat(target).catch(() => undefined);
    if (!stat?.isFile())
      throw new LensError(`the model's external weights file ${location} is missing next to ${path.basename(onnxPath)}`, 'model-invalid');
  }
}
