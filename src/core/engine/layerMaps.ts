// A loaded model's attention maps on demand: what a run keeps for them (the tensors each layer's recipe reads,
// see onnx/attentionRecompute.ts), and the small onnxruntime sessions that compute a layer's probabilities from
// them, made the first time a layer needs one. Layers whose cut models are the same (recipeSignature: in most
// models every layer) share one session, fed each layer's own tensors.
import type * as ort from 'onnxruntime-node';
import { keptTensors, recomputeModel, type KeptType, type LayerRecipe } from '../onnx/attentionRecompute';
import { recipeSignature } from '../onnx/recipeSignature';
import type { GraphSummary } from '../onnx/graphScan';
import { LensError, type AttentionMaps, type AttentionSetShape, type AttentionSource } from '../types';
import { checkRowSums, ROW_SUM_TOLERANCE } from './attentionLayout';
import { asFloat32 } from './tensors';

/** What a run keeps to compute its maps: the kept tensors and the graph inputs the recipes read, by name. */
export type KeptTensors = Record<string, ort.Tensor>;

/** `arena`: whether the session keeps onnxruntime's memory arena between runs (see LayerMaps). */
export type CreateSession = (bytes: Uint8Array, arena: boolean) => Promise<ort.InferenceSession>;

/**
 * Distinct cut models up to which their sessions keep an arena. A layer's run needs ~1 GB at 2,048 tokens for 14
 * heads; an arena keeps it, so the next run skips allocating and page-faulting it afresh (1,024 tokens: 236 ms
 * against 1,050 ms), but one arena per layer held 21.7 GB after 24 layers (measured).
 */
const MAX_ARENAS = 2;

export class LayerMaps {
  /** Sessions by the layer that first made them (each layer's `shared` entry). */
  private readonly sessions = new Map<number, Promise<ort.InferenceSession>>();
  /** For each layer, the first layer with the same cut model: the one whose session and tensor names it uses. */
  private readonly shared: number[];
  private readonly arena: boolean;

  /**
   * `buf` is the skeleton `graph` was scanned from, `folder` the ONNX file's (where its external data lies); `create`
   * makes a session as the model's own is made.
   */
  constructor(
    private readonly buf: Uint8Array,
    private readonly graph: GraphSummary,
    readonly recipes: LayerRecipe[],
    folder: string,
    private readonly create: CreateSession,
  ) {
    const first = new Map<string, number>();
    this.shared = recipes.map((recipe, layer) => {
      const signature = recipeSignature(buf, graph, recipe, folder);
      if (!first.has(signature)) first.set(signature, layer);
      return first.get(signature)!;
    });
    this.arena = first.size <= MAX_ARENAS;
  }

  /** The tensors a run fetches besides its predictions, every layer's together, each once. */
  get keptOutputs(): string[] {
    return keptTensors(this.recipes);
  }

  /** The graph inputs the recipes read again. */
  get fedInputs(): string[] {
    return [...new Set(this.recipes.flatMap((r) => r.fed))];
  }

  /** The session of `owner`'s cut model; `feeds` (by its names) give the kept tensors' types. */
  private session(owner: number, feeds: KeptTensors): Promise<ort.InferenceSession> {
    let session = this.sessions.get(owner);
    if (!session) {
      const recipe = this.recipes[owner];
      const types = new Map<string, KeptType>(recipe.kept.map((name) => [name, { type: feeds[name].type, rank: feeds[name].dims.length }]));
      session = this.create(recomputeModel(this.buf, this.graph, recipe, types), this.arena);
      // A session that failed to start is not kept: the next request tries again and says why.
      session.catch(() => this.sessions.delete(owner));
      this.sessions.set(owner, session);
    }
    return session;
  }

  /** Layer `layer`'s probabilities, [batch, heads, queries, keys] (or [batch · heads, …]), as its recipe computes them from `kept`. */
  async compute(layer: number, kept: KeptTensors): Promise<ort.Tensor> {
    const recipe = this.recipes[layer];
    const owner = this.recipes[this.shared[layer]];
    // The shared model's input names, each fed this layer's tensor in the same role.
    const feeds: KeptTensors = {};
    recipe.kept.forEach((name, i) => (feeds[owner.kept[i]] = kept[name]));
    recipe.fed.forEach((name, i) => (feeds[owner.fed[i]] = kept[name]));
    const session = await this.session(this.shared[layer], feeds);
    try {
      const outputs = await session.run(feeds, [owner.output]);
      return outputs[owner.output];
    } catch (error) {
      throw new LensError(`computing layer ${layer}'s attention failed: ${(error as Error).message.split('\n')[0]}`, 'model-invalid');
    }
  }

  async dispose(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map((s) => s.then((session) => session.release()).catch(() => undefined)));
  }
}

/** Bytes a run's kept tensors hold. */
export function keptBytes(kept: KeptTensors): number {
  return Object.values(kept).reduce((sum, t) => sum + ((t.data as ArrayBufferView).byteLength ?? 0), 0);
}

/** One set of a run, its layers computed from the kept tensors on request and checked against the set's shape. */
export function recomputedSource(shape: AttentionSetShape, maps: LayerMaps, kept: KeptTensors): AttentionSource {
  const expected = [1, shape.heads, shape.queries, shape.keys];
  return {
    ...shape,
    keptBytes: keptBytes(kept),
    async layer(layer) {
      const tensor = await maps.compute(layer, kept);
      // Older BART and Marian exports take the Softmax over [batch · heads, queries, keys]: with batch 1, the same layout.
      const dims = tensor.dims.length === 3 ? [1, ...tensor.dims] : tensor.dims;
      if (dims.length !== 4 || dims.some((d, i) => d !== expected[i])) {
        throw new LensError(
          `attention of layer ${layer} has shape [${tensor.dims.join(', ')}], expected [${expected.join(', ')}]: ` +
            "this graph's Softmax nodes are not per-head attention",
          'model-unsupported',
        );
      }
      // onnxruntime's own buffer is handed out: nothing else holds this output.
      const data = asFloat32(tensor.data);
      const tolerance = tensor.type === 'float16' ? ROW_SUM_TOLERANCE.float16 : ROW_SUM_TOLERANCE.float32;
      if (maps.recipes[layer].rowsSumToOne) checkRowSums(data, shape, layer, tolerance);
      return data;
    },
  };
}

/** Every layer of a set, computed one after another (the JSON exports and the goldens read them all). */
export async function allLayers(source: AttentionSource): Promise<AttentionMaps> {
  const perLayer: Float32Array[] = [];
  for (let l = 0; l < source.layers; l++) perLayer.push(await source.layer(l));
  const { set, layers, heads, queries, keys, causal } = source;
  return { set, layers, heads, queries, keys, causal, perLayer };
}
