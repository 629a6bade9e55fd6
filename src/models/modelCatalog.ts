// Facts the model picker shows about a model without loading it: its kind (read from its own config.json),
// its ONNX size, and whether it is on disk (embedded, a local folder, or fully cached from the Hub).
import { promises as fs } from 'node:fs';
import { externalDataNames, MAX_EXTERNAL_DATA_CHUNKS } from '../core/hub/externalData';
import { cachedHubGraphs, hubModelFolder } from '../core/hub/hubModel';
import { findOnnxFile, readModelConfig } from '../core/model/modelFolder';
import { classifyModelSpec, EMBEDDED_MODELS, type ModelLocations } from '../core/model/resolveModel';
import { formatBytes } from '../core/byteSize';

export interface ModelFacts {
  spec: string;
  source: 'embedded' | 'local' | 'hub';
  /** e.g. "masked LM", "causal LM", or why it is unknown. */
  kind: string;
  size?: string;
  /** "embedded", "local folder", "cached", "not downloaded", or a problem. */
  availability: string;
  ok: boolean;
}

/** Bytes of the external-data files beside a graph: x.onnx_data, x.onnx_data_1, … (a graph may name others). */
async function externalDataBytes(graph: string): Promise<number> {
  let bytes = 0;
  for (const name of externalDataNames(graph, MAX_EXTERNAL_DATA_CHUNKS)) {
    const data = await fs.stat(name).catch(() => undefined);
    if (!data?.isFile()) break;
    bytes += data.size;
  }
  return bytes;
}

/** The folder's kind and the size of what loads: `onnxFiles` (a Hub model's downloaded graphs), else the one found. */
async function describeFolder(folder: string, onnxFiles?: string[]): Promise<{ kind: string; size?: string; problem?: string }> {
  const stat = await fs.stat(folder).catch(() => undefined);
  if (!stat?.isDirectory()) return { kind: 'unknown kind', problem: 'folder missing' };
  let kind: string;
  try {
    const config = await readModelConfig(folder);
    kind = `${config.family.label} · ${config.architecture} · ${config.layers}×${config.heads}`;
  } catch (error) {
    return { kind: 'unsupported', problem: (error as Error).message };
  }
  try {
    let bytes = 0;
    for (const file of onnxFiles ?? [undefined]) {
      const onnx = await findOnnxFile(folder, file);
      // External weights count towards what loads.
      bytes += onnx.bytes + (await externalDataBytes(`${folder}/${onnx.relative}`));
    }
    return { kind, size: formatBytes(bytes) };
  } catch (error) {
    return { kind, problem: (error as Error).message };
  }
}

export async function describeModel(spec: string, where: ModelLocations): Promise<ModelFacts> {
  let kind;
  try {
    kind = classifyModelSpec(spec, where.embeddedDir);
  } catch (error) {
    return { spec, source: 'local', kind: 'unknown', availability: (error as Error).message, ok: false };
  }
  if (kind.source === 'hub') {
    let graphs: string[] | undefined;
    try {
      graphs = await cachedHubGraphs({ modelId: kind.id, cacheDir: where.cacheDir, onnxVariant: kind.variant });
    } catch (error) {
      return { spec, source: 'hub', kind: 'unknown', availability: (error as Error).message, ok: false };
    }
    if (!graphs) return { spec, source: 'hub', kind: 'kind known after download', availability: 'not downloaded', ok: true };
    const facts = await describeFolder(hubModelFolder({ modelId: kind.id, cacheDir: where.cacheDir }), graphs);
    return { spec, source: 'hub', kind: facts.kind, size: facts.size, availability: facts.problem ?? 'cached', ok: !facts.problem };
  }
  const facts = await describeFolder(kind.folder);
  // A missing embedded model still has a known kind.
  if (kind.source === 'embedded' && facts.problem && EMBEDDED_MODELS[spec]) facts.kind = EMBEDDED_MODELS[spec].family.label;
  const availability = facts.problem ?? (kind.source === 'embedded' ? 'embedded' : 'local folder');
  return { spec, source: kind.source, kind: facts.kind, size: facts.size, availability, ok: !facts.problem };
}
