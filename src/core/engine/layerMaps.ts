// A loaded model's attention maps on demand: what a run keeps for them (the tensors each layer's recipe reads,
// see onnx/attentionRecompute.ts), and one small onnxruntime session per layer, made the first time that layer is
// asked for, that computes the layer's probabilities from them.
import type * as ort from 'onnxruntime-node';
import { recomputeModel, type KeptType, type LayerRecipe } from '../onnx/attentionRecompute';
import type { GraphSummary } from '../onnx/graphScan';
import { LensError, type AttentionMaps, type AttentionSetShape, type AttentionSource } from '../types';
import { checkRowSums, ROW_SUM_TOLERANCE } from './attentionLayout';
import { asFloat32 } from './tensors';

/** What a run keeps to compute its maps: the kept tensors and the graph inputs the recipes read, by name. */
export type KeptTensors = Record<string, ort.Tensor>;

export type CreateSession = (bytes: Uint8Array) => Promise<ort.InferenceSession>;

export class LayerMaps {
  private readonly sessions = new Map<number, Promise<ort.InferenceSession>>();

  /** `buf` is the skeleton `graph` was scanned from; `create` makes a session as the model's own is made. */
  constructor(
    private readonly buf: Uint8Array,
    private readonly graph: GraphSummary,
    readonly recipes: LayerRecipe[],
    private readonly create: CreateSession,
  ) {}

  /** The tensors a run fetches besides its predictions, every layer's together, each once. */
  get keptOutputs(): string[] {
    return [...new Set(this.recipes.flatMap((r) => r.kept))];
  }

  /** The graph inputs the recipes read again. */
  get fedInputs(): string[] {
    return [...new Set(this.recipes.flatMap((r) => r.fed))];
  }

  private session(layer: number, kept: KeptTensors): Promise<ort.InferenceSession> {
    let session = this.sessions.get(layer);
    if (!session) {
      const recipe = this.recipes[layer];
      const types = new Map<string, KeptType>(recipe.kept.map((name) => [name, { type: kept[name].type, rank: kept[name].dims.length }]));
      session = this.create(recomputeModel(this.buf, this.graph, recipe, types));
      // A session that failed to start is not kept: the next request tries again and says why.
      session.catch(() => this.sessions.delete(layer));
      this.sessions.set(layer, session);
    }
    return session;
  }

  /** Layer `layer`'s probabilities, [batch, heads, queries, keys], as its recipe computes them from `kept`. */
  async compute(layer: number, kept: KeptTensors): Promise<ort.Tensor> {
    const recipe = this.recipes[layer];
    const session = await this.session(layer, kept);
    const feeds = Object.fromEntries([...recipe.kept, ...recipe.fed].map((name) => [name, kept[name]]));
    try {
      const outputs = await session.run(feeds, [recipe.output]);
      return outputs[recipe.output];
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
      if (tensor.dims.length !== 4 || tensor.dims.some((d, i) => d !== expected[i])) {
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
