// Which ONNX variants a Hub model offers, with what each would download (its graphs and their external data), for
// the model picker. One model-info request; no answer (offline, a mirror without the API) lists nothing.
import { isExternalDataName } from './externalData';
import { fetchRevisionInfo } from './hubApi';
import { parseModelId } from './modelId';
import { ONNX_VARIANTS, variantGraphs, type OnnxVariant } from './onnxVariants';
import { checkDownloadUrl } from './urlPolicy';

export interface HubVariant {
  variant: OnnxVariant;
  /** The graphs (one, or an encoder and a decoder) and the data files listed beside them; undefined when the API gave no size for one. */
  bytes?: number;
  /** How many files those are. */
  files: number;
}

export async function listHubVariants(
  hubUrl: string,
  modelId: string,
  opts: { revision?: string; signal?: AbortSignal } = {},
): Promise<HubVariant[]> {
  const model = parseModelId(modelId);
  const info = await fetchRevisionInfo(checkDownloadUrl(hubUrl).toString(), model, opts.revision ?? 'main', opts);
  if (!info) return [];
  const out: HubVariant[] = [];
  for (const variant of ONNX_VARIANTS) {
    const graphs = variantGraphs(variant, (p) => info.files.has(p));
    if (!graphs.every((g) => info.files.has(g))) continue;
    const names = graphs.flatMap((graph) => [graph, ...[...info.files.keys()].filter((n) => isExternalDataName(graph, n))]);
    const sizes = names.map((n) => info.files.get(n)?.size);
    const known = sizes.every((s) => s !== undefined);
    out.push({ variant, files: names.length, bytes: known ? sizes.reduce<number>((a, s) => a + (s ?? 0), 0) : undefined });
  }
  return out;
}
