// A loaded model's attention maps on demand: what a run keeps for them (the tensors each layer's recipe reads,
// see onnx/attentionRecompute.ts), and the small onnxruntime sessions that compute a layer's probabilities from
// them, made the first time a layer needs one. Layers whose cut models are the same (recipeSignature: in most
// models every layer) share one session, fed each layer's own tensors. A request may name the heads it needs: where
// the cut model computes per head (its queries and keys are [1, heads, …]), it is fed only those heads' slices.
import * as ort from 'onnxruntime-node';
import { addHeads, meanOfLayer, toMean } from '../../protocol/headMean';
import { readQueryKey, scoresRecipe, scoresSite, type QueryKeyReading } from '../analysis/queryKey';
import { HEAD_SUM, keptTensors, recomputeModel, type KeptType, type LayerRecipe } from '../onnx/attentionRecompute';
import { recipeSignature } from '../onnx/recipeSignature';
import type { GraphSummary } from '../onnx/graphScan';
import { LensError, type AttentionMaps, type AttentionSetShape, type AttentionSource } from '../types';
import { checkRowSums, ROW_SUM_TOLERANCE } from './attentionLayout';
import { headGroups, pickHeads, sliceHeads } from './headSlice';
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
  /** The same for the cut models that stop before the Softmax (the query·key view's scores). */
  private readonly scoreSessions = new Map<number, Promise<ort.InferenceSession>>();
  /** The same for the cut models that sum the probabilities over heads (the mean over heads). */
  private readonly sumSessions = new Map<number, Promise<ort.InferenceSession>>();
  /** Owners whose head-sum model failed (an opset before 13, probabilities in float16): their means are summed here. */
  private readonly noHeadSum = new Set<number>();
  /** For each layer, the first layer with the same cut model: the one whose session and tensor names it uses. */
  private readonly shared: number[];
  private readonly arena: boolean;
  /** Owners (see `shared`) whose cut models cannot run on some heads: they compute whole layers and pick heads. */
  private readonly wholeOnly = new Set<number>();

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

  /** The recipe of `owner`'s cut model: to the probabilities (or their sum over heads), or to the scores before the Softmax. */
  private recipeOf(owner: number, output: MapsOutput | 'headSum'): LayerRecipe {
    const recipe = this.recipes[owner];
    if (output !== 'scores') return recipe;
    const site = scoresSite(recipe);
    if ('reason' in site) throw new LensError(`the query·key view cannot read this model: ${site.reason}`, 'model-unsupported');
    return scoresRecipe(recipe, site);
  }

  /** The session of `owner`'s cut model; `feeds` (by its names) give the kept tensors' types. */
  private session(owner: number, feeds: KeptTensors, output: MapsOutput | 'headSum'): Promise<ort.InferenceSession> {
    const sessions = { probabilities: this.sessions, scores: this.scoreSessions, headSum: this.sumSessions }[output];
    let session = sessions.get(owner);
    if (!session) {
      const recipe = this.recipeOf(owner, output);
      const types = new Map<string, KeptType>(recipe.kept.map((name) => [name, { type: feeds[name].type, rank: feeds[name].dims.length }]));
      session = this.create(recomputeModel(this.buf, this.graph, recipe, types, output === 'headSum'), this.arena);
      // A session that failed to start is not kept: the next request tries again and says why.
      session.catch(() => sessions.delete(owner));
      sessions.set(owner, session);
    }
    return session;
  }

  /**
   * Layer `layer`'s probabilities, [batch, heads, queries, keys] (or [batch · heads, …]), as its recipe computes them from `kept`; with
   * `heads` (of the layer's `count`), only those heads, in that order. `output` 'scores': the Softmax's input instead.
   */
  async compute(
    layer: number,
    kept: KeptTensors,
    heads?: { count: number; heads: readonly number[] },
    output: MapsOutput = 'probabilities',
  ): Promise<ort.Tensor> {
    const ownerLayer = this.shared[layer];
    const feeds = this.feedsOf(layer, kept);
    const session = await this.session(ownerLayer, feeds, output);
    const outputName = this.recipeOf(ownerLayer, output).output;
    const run = async (inputs: KeptTensors) => (await session.run(inputs, [outputName]))[outputName];
    try {
      if (!heads) return await run(feeds);
      const sliced = this.wholeOnly.has(ownerLayer) ? undefined : slicedFeeds(feeds, heads.count, heads.heads);
      if (sliced) {
        // A chain that fixes the head count in a shape (a Reshape to constants) rejects the slices: whole layers then.
        const tensor = await run(sliced).catch(() => undefined);
        if (tensor?.dims[1] === heads.heads.length) return tensor;
      }
      this.wholeOnly.add(ownerLayer);
      const whole = await run(feeds);
      const [batch, , queries, keys] = perHeadDims(whole.dims);
      return new ort.Tensor('float32', pickHeads(asFloat32(whole.data), heads.count, heads.heads), [
        batch,
        heads.heads.length,
        queries,
        keys,
      ]);
    } catch (error) {
      if (error instanceof LensError) throw error;
      throw new LensError(`computing layer ${layer}'s attention failed: ${(error as Error).message.split('\n')[0]}`, 'model-invalid');
    }
  }

  /** The shared cut model's input names (see `shared`), each fed `layer`'s tensor in the same role. */
  private feedsOf(layer: number, kept: KeptTensors): KeptTensors {
    const recipe = this.recipes[layer];
    const owner = this.recipes[this.shared[layer]];
    const feeds: KeptTensors = {};
    recipe.kept.forEach((name, i) => (feeds[owner.kept[i]] = kept[name]));
    recipe.fed.forEach((name, i) => (feeds[owner.fed[i]] = kept[name]));
    return feeds;
  }

  /**
   * The sum over `heads` (of the layer's `count`; every head when absent) of layer `layer`'s probabilities, [queries,
   * keys] as float32, summed by its cut model with one more node (onnxruntime's vectorised ReduceSum, where a loop
   * here took 5 ns a weight); undefined where that model cannot give it (noHeadSum), or cannot take those heads alone.
   */
  async headSum(layer: number, kept: KeptTensors, heads?: { count: number; heads: readonly number[] }): Promise<Float32Array | undefined> {
    const owner = this.shared[layer];
    if (this.noHeadSum.has(owner) || (heads && this.wholeOnly.has(owner))) return undefined;
    const feeds = this.feedsOf(layer, kept);
    const inputs = heads ? slicedFeeds(feeds, heads.count, heads.heads) : feeds;
    if (!inputs) {
      this.wholeOnly.add(owner);
      return undefined;
    }
    try {
      const session = await this.session(owner, feeds, 'headSum');
      const sum = (await session.run(inputs, [HEAD_SUM]))[HEAD_SUM];
      if (sum.type === 'float32' && sum.dims.length === 3 && sum.dims[0] === 1) return sum.data as Float32Array;
      this.noHeadSum.add(owner);
    } catch {
      // As in compute(): a chain that fixes the head count refuses slices; a whole layer's failure is the sum's own.
      if (heads) this.wholeOnly.add(owner);
      else this.noHeadSum.add(owner);
    }
    return undefined;
  }

  /** Whether requests for some heads of `layer` compute only those (true until its cut model refuses their slices). */
  computesHeadsAlone(layer: number): boolean {
    return !this.wholeOnly.has(this.shared[layer]);
  }

  /** The scores product's queries and keys of `layer`, as the run kept them. */
  productInputs(layer: number, kept: KeptTensors): { queries: ort.Tensor; keys: ort.Tensor } {
    const site = scoresSite(this.recipes[layer]);
    if ('reason' in site) throw new LensError(`the query·key view cannot read this model: ${site.reason}`, 'model-unsupported');
    return { queries: kept[site.query], keys: kept[site.key] };
  }

  async dispose(): Promise<void> {
    const sessions = [...this.sessions.values(), ...this.scoreSessions.values(), ...this.sumSessions.values()];
    this.sessions.clear();
    this.scoreSessions.clear();
    this.sumSessions.clear();
    await Promise.all(sessions.map((s) => s.then((session) => session.release()).catch(() => undefined)));
  }
}

/** What a layer's cut model computes: its probabilities, or the scores the Softmax takes (the query·key view). */
export type MapsOutput = 'probabilities' | 'scores';

/** Older BART and Marian exports take the Softmax over [batch · heads, queries, keys]: with batch 1, the same layout. */
function perHeadDims(dims: readonly number[]): readonly number[] {
  return dims.length === 3 ? [1, ...dims] : dims;
}

/** `feeds` with every per-head tensor cut to `heads`; undefined when none is per-head (a fused operator's inputs). */
function slicedFeeds(feeds: KeptTensors, count: number, heads: readonly number[]): KeptTensors | undefined {
  const out: KeptTensors = {};
  let sliced = false;
  for (const [name, tensor] of Object.entries(feeds)) {
    const slice = sliceHeads(tensor, count, heads);
    sliced ||= slice !== undefined;
    out[name] = slice ?? tensor;
  }
  return sliced ? out : undefined;
}

/** Bytes a run's kept tensors hold. */
export function keptBytes(kept: KeptTensors): number {
  return Object.values(kept).reduce((sum, t) => sum + ((t.data as ArrayBufferView).byteLength ?? 0), 0);
}

/**
 * One set of a run, its layers computed from the kept tensors on request and checked against the set's shape. Where
 * the cut model computes heads alone, a long layer (or the heads asked for) is computed in groups of heads
 * (HEAD_GROUP_BYTES) copied into one array: a 2,048-token layer never has its intermediates whole.
 */
export function recomputedSource(shape: AttentionSetShape, maps: LayerMaps, kept: KeptTensors): AttentionSource {
  const { queries, keys } = shape;
  const computed = async (layer: number, heads?: readonly number[]) => {
    const some = heads ? { count: shape.heads, heads } : undefined;
    const tensor = await maps.compute(layer, kept, some);
    const expected = [1, heads?.length ?? shape.heads, queries, keys];
    const dims = perHeadDims(tensor.dims);
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
    if (maps.recipes[layer].rowsSumToOne) checkRowSums(data, { ...shape, heads: expected[1] }, layer, tolerance);
    return data;
  };
  const every = Array.from({ length: shape.heads }, (_, h) => h);
  const alone = (layer: number) => () => maps.computesHeadsAlone(layer);
  // Every head in order is the whole layer, asked for as such (nothing to slice or pick).
  const inOrder = (heads: number[]) => heads.length === shape.heads && heads.every((h, i) => h === i);
  const computedHeads = (layer: number) => (heads: number[]) => computed(layer, inOrder(heads) ? undefined : heads);
  const source: AttentionSource = {
    ...shape,
    keptBytes: keptBytes(kept),
    async layer(layer, heads) {
      const groups = headGroups(heads ?? every, queries, keys);
      if (groups.length === 1 || !maps.computesHeadsAlone(layer)) return computed(layer, heads);
      return inHeadGroups(groups, queries * keys, alone(layer), computedHeads(layer));
    },
    async meanOfHeads(layer) {
      const groups = headGroups(every, queries, keys);
      const summed = async (heads: number[]) => {
        const sum = await maps.headSum(layer, kept, inOrder(heads) ? undefined : { count: shape.heads, heads });
        if (!sum) throw NO_SUM;
        return sum;
      };
      // Summed by the cut models where they can; else (or once one cannot) from the heads' maps (each checked), summed here.
      try {
        const mean = await meanInHeadGroups(groups, queries * keys, alone(layer), summed);
        if (maps.recipes[layer].rowsSumToOne) checkRowSums(mean, { heads: 1, queries, keys }, layer, ROW_SUM_TOLERANCE.float32);
        return mean;
      } catch (error) {
        if (error !== NO_SUM) throw error;
      }
      return meanInHeadGroups(groups, queries * keys, alone(layer), computedHeads(layer));
    },
    computesHeadsAlone: (layer) => maps.computesHeadsAlone(layer),
    async queryKey(layer, head, query): Promise<QueryKeyReading> {
      const { queries: q, keys: k } = maps.productInputs(layer, kept);
      const scores = asFloat32((await maps.compute(layer, kept, { count: shape.heads, heads: [head] }, 'scores')).data);
      const probs = await source.layer(layer, [head]);
      return readQueryKey({ layer, head, query, heads: shape.heads, queries: q, keys: k, scores, probs });
    },
  };
  return source;
}

/**
 * Computes the maps of every head of `groups`, in order, a group at a time, and hands each group's to `accept`. Once
 * `alone()` says the cut model needs whole layers, the remaining heads are asked for in one run (it then picks them
 * from the whole layer).
 */
async function forHeadGroups(
  groups: number[][],
  alone: () => boolean,
  compute: (heads: number[]) => Promise<Float32Array>,
  accept: (maps: Float32Array) => void,
): Promise<void> {
  for (let g = 0; g < groups.length; g++) {
    const heads = alone() ? groups[g] : groups.slice(g).flat();
    accept(await compute(heads));
    if (heads.length > groups[g].length) break;
  }
}

/** The maps of every head of `groups`, in order, computed a group at a time into one array of `perHead` floats a head. */
export async function inHeadGroups(
  groups: number[][],
  perHead: number,
  alone: () => boolean,
  compute: (heads: number[]) => Promise<Float32Array>,
): Promise<Float32Array> {
  const out = new Float32Array(groups.flat().length * perHead);
  let at = 0;
  await forHeadGroups(groups, alone, compute, (maps) => {
    out.set(maps, at);
    at += maps.length;
  });
  return out;
}

/** Why the mean over heads is summed from the heads' maps: a cut model could not sum some heads itself. */
const NO_SUM = new Error('no head sum');

/**
 * The mean over every head of `groups` of maps of `perHead` floats, computed a group at a time: each group's maps (or
 * their sum, one map) are added as they come, so no more than a group's are held (a 14-head layer at 2,048 tokens:
 * 17 MB, not 235 MB).
 */
export async function meanInHeadGroups(
  groups: number[][],
  perHead: number,
  alone: () => boolean,
  compute: (heads: number[]) => Promise<Float32Array>,
): Promise<Float32Array> {
  const sum = new Float32Array(perHead);
  await forHeadGroups(groups, alone, compute, (maps) => addHeads(sum, maps, maps.length / perHead));
  return toMean(sum, groups.flat().length);
}

/** Maps already computed, as a source of them (its layers are copies, as a computed layer is new). */
export function heldSource(maps: AttentionMaps): AttentionSource {
  const { perLayer, ...shape } = maps;
  return {
    ...shape,
    keptBytes: perLayer.reduce((n, l) => n + l.byteLength, 0),
    layer: async (l) => perLayer[l].slice(),
    meanOfHeads: async (l) => meanOfLayer(perLayer[l], shape.heads),
  };
}

/** Every layer of a set, computed one after another (the JSON exports and the goldens read them all). */
export async function allLayers(source: AttentionSource): Promise<AttentionMaps> {
  const perLayer: Float32Array[] = [];
  for (let l = 0; l < source.layers; l++) perLayer.push(await source.layer(l));
  const { set, layers, heads, queries, keys, causal } = source;
  return { set, layers, heads, queries, keys, causal, perLayer };
}
