// A run read from a file, answering the webview's requests (src/protocol/requests.ts) from what the file holds: its
// attention layers, the model view's overviews (block maxima, as the worker makes them) and a masked LM's unmasked
// top-k when the file has them. What a file cannot hold (a position masked anew, the logits, a new target) is
// refused with the reason: no model ran. Pure: the host's Open Run File and the notebook renderer both serve it.
import {
  meanOfLayer,
  type AttentionLayer,
  type AttentionOverview,
  type Params,
  type RequestMethod,
  type Result,
  type RunSummary,
} from '../../protocol';
import { downsampleAttention } from '../engine/blockMaxima';
import type { AttentionMaps } from '../types';
import type { RunFileContents } from './readRunFile';

export class FileRun {
  readonly summary: RunSummary;

  constructor(
    private readonly contents: RunFileContents,
    runId: number,
  ) {
    this.summary = { ...contents.summary, runId };
  }

  /** Every set's overview, for the model view (sent after the summary, as a live run's are). */
  overviews(): AttentionOverview[] {
    return this.contents.maps.map((maps) => ({ runId: this.summary.runId, set: maps.set, ...downsampleAttention(maps) }));
  }

  /** The answer to one request, or an Error saying why a file cannot give it. */
  async answer<M extends RequestMethod>(method: M, params: Params<M>): Promise<Result<M>> {
    if (params.runId !== this.summary.runId) throw new Error('that run is no longer shown');
    switch (method) {
      case 'layer':
        return this.layer(params as Params<'layer'>);
      case 'unmasked':
        if (!this.contents.unmasked) throw new Error(`${this.summary.fromFile} holds no unmasked predictions`);
        return this.contents.unmasked;
      default:
        throw new Error(`${this.summary.fromFile} is a run file: no model ran here to answer "${method}"`);
    }
  }

  private layer({ set, layer, heads }: Params<'layer'>): AttentionLayer {
    const maps: AttentionMaps | undefined = this.contents.maps.find((m) => m.set === set);
    if (!maps) throw new Error(`this run has no attention set "${set}"`);
    if (layer >= maps.layers) throw new Error(`layer ${layer} does not exist: the file has ${maps.layers} layers`);
    const { queries, keys } = maps;
    const base = { runId: this.summary.runId, set, layer, heads: maps.heads, queries, keys };
    if (!heads) return { ...base, data: maps.perLayer[layer].slice() };
    if (heads === 'mean') return { ...base, mean: true, data: meanOfLayer(maps.perLayer[layer], maps.heads) };
    if (heads.some((h) => h >= maps.heads)) throw new Error(`head ${Math.max(...heads)} does not exist: the set has ${maps.heads} heads`);
    const size = queries * keys;
    const data = new Float32Array(heads.length * size);
    heads.forEach((h, i) => data.set(maps.perLayer[layer].subarray(h * size, (h + 1) * size), i * size));
    return { ...base, only: [...heads], data };
  }
}
