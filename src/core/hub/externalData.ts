// Which external-data files a graph of a Hub model needs, by transformers.js's rule (src/utils/model-loader.js,
// resolveExternalDataFormat / getExternalDataChunkNames): config.json's
// `transformers.js_config.use_external_data_format` is a boolean (one file), a number of files, or a map keyed by
// the graph's file name ("model_q4.onnx") or its base name ("model"); the files are <graph>_data, <graph>_data_1, ….
import { LensError } from '../types';

/** transformers.js refuses more; so does this, so a hostile config cannot make it fetch thousands of files. */
export const MAX_EXTERNAL_DATA_CHUNKS = 100;

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function chunkCount(value: unknown, where: string): number {
  if (value === undefined || value === null || value === false) return 0;
  if (value === true) return 1;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_EXTERNAL_DATA_CHUNKS) return value;
  throw new LensError(
    `config.json's ${where} is ${JSON.stringify(value)?.slice(0, 40)}: expected true, false or a whole number of files ` +
      `from 0 to ${MAX_EXTERNAL_DATA_CHUNKS}.`,
    'model-invalid',
  );
}

/**
 * How many external-data files config.json says `graphFile` (e.g. "model_q4.onnx") has; 0 when it says nothing.
 * `baseName` is the file's name without its dtype suffix ("model"), which a map may use for all variants.
 */
export function externalDataCount(config: unknown, graphFile: string, baseName = 'model'): number {
  const setting = asRecord(asRecord(config)?.['transformers.js_config'])?.use_external_data_format;
  const where = 'transformers.js_config.use_external_data_format';
  const map = asRecord(setting);
  if (!map) return chunkCount(setting, where);
  if (Object.hasOwn(map, graphFile)) return chunkCount(map[graphFile], `${where}["${graphFile}"]`);
  if (Object.hasOwn(map, baseName)) return chunkCount(map[baseName], `${where}["${baseName}"]`);
  return 0;
}

/** The names of `count` external-data files of `graphPath`: x.onnx_data, x.onnx_data_1, … */
export function externalDataNames(graphPath: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${graphPath}_data${i === 0 ? '' : `_${i}`}`);
}

/** Whether `name` is one of graphPath's external-data files by that naming (any index). */
export function isExternalDataName(graphPath: string, name: string): boolean {
  if (!name.startsWith(`${graphPath}_data`)) return false;
  return /^(_[1-9]\d{0,2})?$/.test(name.slice(graphPath.length + '_data'.length));
}
