// What one Hub download fetches: the tokenizer and config files, the chosen graph onnx/<variant>.onnx, and every
// external-data file that graph needs — those config.json counts (externalData.ts), those the model-info API
// lists under the graph's data names, and, once the graph is on disk, any other file the graph itself names.
// Names from the API and from the graph are only ever used as single file names beside the graph.
import { LensError } from '../types';
import { externalDataCount, externalDataNames, isExternalDataName } from './externalData';
import type { PlannedFile } from './hubFetch';
import type { HubRevisionInfo } from './hubApi';

export const TEXT_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
export const OPTIONAL_TEXT_FILES = ['special_tokens_map.json'];

/** A planned file with its size and hash from the API, when there is one. */
export function planned(path: string, optional: boolean, info: HubRevisionInfo | undefined): PlannedFile {
  return { path, optional, ...info?.files.get(path) };
}

/** Throws 'model-unsupported' naming the files the API does not list, and which graphs the model has. */
export function requireListed(label: string, info: HubRevisionInfo | undefined, paths: string[], why = ''): void {
  if (!info) return;
  const missing = paths.filter((p) => !info.files.has(p));
  if (missing.length === 0) return;
  const variants = [...info.files.keys()].filter((n) => /^onnx\/[^/]+\.onnx$/.test(n));
  const has = variants.length > 0 ? ` It has: ${variants.join(', ')}.` : ' It has no ONNX export in onnx/.';
  throw new LensError(`${label} lacks ${missing.join(', ')}${why}.${has}`, 'model-unsupported');
}

/** The text files besides config.json (which is fetched first, on its own). */
export function planTextFiles(info: HubRevisionInfo | undefined): PlannedFile[] {
  return [
    ...TEXT_FILES.filter((p) => p !== 'config.json').map((p) => planned(p, false, info)),
    ...OPTIONAL_TEXT_FILES.map((p) => planned(p, true, info)).filter((f) => !info || info.files.has(f.path)),
  ];
}

/** The graph and the external-data files known before it is read: config.json's count and the API's list. */
export function planGraphFiles(label: string, graph: string, config: unknown, info: HubRevisionInfo | undefined): PlannedFile[] {
  const fileName = graph.slice(graph.lastIndexOf('/') + 1);
  const counted = externalDataNames(graph, externalDataCount(config, fileName));
  if (counted.length > 0) {
    const says = counted.length === 1 ? 'one file' : `${counted.length} files`;
    requireListed(label, info, counted, `: config.json's transformers.js_config says ${graph} keeps its weights in ${says}`);
  }
  const listed = info ? [...info.files.keys()].filter((n) => isExternalDataName(graph, n) && !counted.includes(n)) : [];
  // Without the API and without a count, external data is found by asking for it: a 404 means the model has none.
  const probed = !info && counted.length === 0 ? [planned(`${graph}_data`, true, info)] : [];
  return [planned(graph, false, info), ...[...counted, ...listed].sort(byChunk).map((p) => planned(p, false, info)), ...probed];
}

/** model.onnx_data before model.onnx_data_1 before model.onnx_data_10. */
function byChunk(a: string, b: string): number {
  const n = (s: string): number => Number(/_data_(\d+)$/.exec(s)?.[1] ?? 0);
  return n(a) - n(b) || a.localeCompare(b);
}

/** A location the graph names that can be fetched from beside it: a plain file name, nothing that climbs. */
export function isPlainFileName(location: string): boolean {
  return location.length > 0 && location !== '.' && location !== '..' && !/[/\\\0:]/.test(location);
}

/** Files the graph names for its weights that are neither on disk nor planned yet; listed by the API when it answered. */
export function planNamedFiles(
  label: string,
  graph: string,
  locations: string[],
  present: (path: string) => boolean,
  info: HubRevisionInfo | undefined,
): PlannedFile[] {
  const dir = graph.slice(0, graph.lastIndexOf('/') + 1);
  const wanted = locations
    .filter(isPlainFileName)
    .map((loc) => `${dir}${loc}`)
    .filter((p) => !present(p));
  requireListed(label, info, wanted, `, which ${graph} names for its weights`);
  return wanted.map((p) => planned(p, false, info));
}
