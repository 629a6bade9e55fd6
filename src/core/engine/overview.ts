// The model view's overview of a set whose layers are computed on request (block maxima: blockMaxima.ts, which
// this module also exports from, as it always has).
import type { AttentionSource } from '../types';
import { allHeads, downsampleLayer, overviewShape, type OverviewData } from './blockMaxima';
import { headGroups } from './headSlice';

export { downsampleAttention, downsampleLayer, overviewShape, overviewSide, type OverviewData } from './blockMaxima';

/**
 * The overview of a set whose layers are computed on request, a group of heads at a time (headGroups): a short
 * input's layer is one group; a long one's heads are computed and downsampled a few at a time, so no whole layer's
 * maps are held, except where the source computes whole layers anyway (a fused operator): one run a layer, not one
 * a group.
 */
export async function overviewOf(source: AttentionSource, maxSide?: number, groupBytes?: number): Promise<OverviewData> {
  const { rows, cols } = overviewShape(source, maxSide);
  const overview = { rows, cols, data: new Float32Array(source.layers * source.heads * rows * cols) };
  const every = allHeads(source.heads);
  const groups = headGroups(every, source.queries, source.keys, groupBytes);
  for (let l = 0; l < source.layers; l++) {
    for (const [g, heads] of groups.entries()) {
      // A layer in one group is asked for whole, as an export asks for it.
      if (groups.length === 1) downsampleLayer(source, l, await source.layer(l), overview, heads);
      else if (source.computesHeadsAlone?.(l) === false) {
        const rest = groups.slice(g).flat();
        downsampleLayer(source, l, await source.layer(l, rest.length === source.heads ? undefined : rest), overview, rest);
        break;
      } else downsampleLayer(source, l, await source.layer(l, heads), overview, heads);
    }
  }
  return overview;
}
