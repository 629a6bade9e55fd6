// The requests a webview makes of the host, as one table: each entry names its params, its result and the
// validator of its params (webview content is untrusted). A request travels as one generic message pair:
// RequestMessage { requestId, method, params } and ReplyMessage { inReplyTo, result | error }. Adding a request is
// one entry here and one handler on the host (src/panels/requestHandlers.ts).
import { isCount } from './checks';
import { parseAblationParams, type AblationSpec, type AblationView } from './ablation';
import { MAX_QUERY_KEY_KEYS, type QueryKeyView } from './queryKey';
import type { AttentionLayer, PredictionView } from './shapes';
import { lensParams, type LogitLensView } from './logitLens';
import type { RunComparison } from './runComparison';
import type { LayerHeads } from './headMean';

/** The params, result and validator of every request, by method name. */
export interface RequestTypes {
  /**
   * One layer of one attention set at full resolution; with `heads`, only those heads (a view showing one head:
   * at 2,048 tokens one head is computed in a fourteenth of a whole layer's time).
   */
  layer: { params: { runId: number; set: string; layer: number; heads?: LayerHeads }; result: AttentionLayer };
  /** The top-k at a position when it alone is masked (a run whose capabilities have maskPosition). */
  maskedAt: { params: { runId: number; position: number }; result: PredictionView[] };
  /** The top-k at every position of the text as it is (a run whose capabilities have unmasked), one list per token. */
  unmasked: { params: { runId: number }; result: PredictionView[][] };
  /**
   * The logits over the whole vocabulary at a position of the text as it is (vocabSize floats), for the sampling
   * controls; top: the best ids (up to 100) with their text, which the webview cannot name without the tokenizer.
   */
  logits: { params: { runId: number; position: number }; result: { logits: Float32Array; top: PredictionView[] } };
  /**
   * Runs the run's source again with this target (an encoder–decoder run): the decoder is fed exactly its tokens
   * (teacher forcing); an empty or blank target goes back to generation. The reply comes once the run has started
   * (its result arrives as any run's): `given` says whether it was started with a target.
   */
  setTarget: { params: { runId: number; target: string }; result: { given: boolean } };
  /** The run's predictions with these heads ablated (zeroed or replaced by their mean), against its plain ones. */
  ablate: { params: { runId: number } & AblationSpec; result: AblationView };
  /** Attention rollout R_layer of a self-attention set (src/core/analysis/rollout.ts), as a layer of one map: [1, T, T]. */
  rollout: { params: { runId: number; set: string; layer: number }; result: AttentionLayer };
  /**
   * Shades the inspected text in the editor by row `query` of R_layer of a set over the input's tokens: how much that
   * token draws from each; null clears the shading. `shaded`: the tokens shaded.
   */
  shadeRollout: { params: { runId: number; set: string; layer: number; query: number | null }; result: { shaded: number } };
  /** The logit lens at these positions of the run's text (up to LENS_WINDOW; a run whose logitLensUnavailable is null). */
  logitLens: { params: { runId: number; positions: number[] }; result: LogitLensView };
  /**
   * One head's query·key reading at a query token of a set: q, every key's score and probability, and the vectors of
   * the `keys` most attended keys (at most MAX_QUERY_KEY_KEYS).
   */
  queryKey: {
    params: { runId: number; set: string; layer: number; head: number; query: number; keys: number };
    result: QueryKeyView;
  };
  /**
   * The run compared with its baseline (the pinned run, else the run before it; both of one model): tokens aligned,
   * predictions and surprisal at the aligned positions, attention at this layer and head (or the mean) of this set.
   */
  compareRuns: { params: { runId: number; set: string; layer: number; head: number | 'mean' }; result: RunComparison };
  /** Pins the run as the comparison baseline (pin), or unpins: the run before the current one is compared then. */
  pinBaseline: { params: { runId: number; pin: boolean }; result: { baseline: number | null } };
}

export type RequestMethod = keyof RequestTypes;
export type Params<M extends RequestMethod> = RequestTypes[M]['params'];
export type Result<M extends RequestMethod> = RequestTypes[M]['result'];

/** Checks a request's params: the typed params (only the known fields), or the reason they were rejected. */
export type ParamsValidator<M extends RequestMethod> = (raw: Record<string, unknown>) => Params<M> | { rejected: string };

/** An attention set's name: short, and only characters a name needs (the host checks it against the run's sets). */
export const SET_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** The longest target a webview may send (UTF-16 units): far past any decoder's positions, short of a flood. */
export const MAX_TARGET_CHARS = 20_000;
/** Heads a layer request may name (a model with more is asked for whole layers). */
export const MAX_NAMED_HEADS = 256;

/** Params that name a position of a run. */
function atPosition(p: Record<string, unknown>): { runId: number; position: number } | undefined {
  return isCount(p.runId) && isCount(p.position) ? { runId: p.runId, position: p.position } : undefined;
}

/** The request table: one validator per method. */
export const REQUESTS: { readonly [M in RequestMethod]: ParamsValidator<M> } = {
  layer: (p) => {
    if (!isCount(p.runId) || !isCount(p.layer)) return { rejected: 'bad layer params' };
    if (typeof p.set !== 'string' || !SET_NAME.test(p.set)) return { rejected: 'bad layer set' };
    if (p.heads === undefined || p.heads === 'mean')
      return { runId: p.runId, set: p.set, layer: p.layer, ...(p.heads && { heads: p.heads }) };
    // The host checks each head against the set's count.
    const heads = p.heads;
    if (!Array.isArray(heads) || heads.length === 0 || heads.length > MAX_NAMED_HEADS || !heads.every(isCount)) {
      return { rejected: 'bad layer heads' };
    }
    return { runId: p.runId, set: p.set, layer: p.layer, heads };
  },
  maskedAt: (p) => atPosition(p) ?? { rejected: 'bad maskedAt params' },
  unmasked: (p) => (isCount(p.runId) ? { runId: p.runId } : { rejected: 'bad unmasked params' }),
  logits: (p) => atPosition(p) ?? { rejected: 'bad logits params' },
  setTarget: (p) => {
    if (!isCount(p.runId)) return { rejected: 'bad setTarget params' };
    if (typeof p.target !== 'string' || p.target.length > MAX_TARGET_CHARS) return { rejected: 'bad setTarget target' };
    return { runId: p.runId, target: p.target };
  },
  ablate: (p) => parseAblationParams(p) ?? { rejected: 'bad ablate params' },
  rollout: (p) => setLayer(p) ?? { rejected: 'bad rollout params' },
  shadeRollout: (p) => {
    const at = setLayer(p);
    if (!at || !(p.query === null || isCount(p.query))) return { rejected: 'bad shadeRollout params' };
    return { ...at, query: p.query };
  },
  logitLens: (p) => lensParams(p) ?? { rejected: 'bad logitLens params' },
  queryKey: (p) => {
    const { runId, set, layer, head, query, keys } = p;
    if (!isCount(runId) || !isCount(layer) || !isCount(head) || !isCount(query)) return { rejected: 'bad queryKey params' };
    if (typeof set !== 'string' || !SET_NAME.test(set)) return { rejected: 'bad queryKey set' };
    if (!isCount(keys) || keys < 1 || keys > MAX_QUERY_KEY_KEYS) return { rejected: 'bad queryKey params' };
    // The host checks layer, head and query against the run's set.
    return { runId, set, layer, head, query, keys };
  },
  compareRuns: (p) => {
    if (!isCount(p.runId) || !isCount(p.layer) || !(p.head === 'mean' || isCount(p.head))) return { rejected: 'bad compareRuns params' };
    if (typeof p.set !== 'string' || !SET_NAME.test(p.set)) return { rejected: 'bad compareRuns set' };
    return { runId: p.runId, set: p.set, layer: p.layer, head: p.head };
  },
  pinBaseline: (p) =>
    isCount(p.runId) && typeof p.pin === 'boolean' ? { runId: p.runId, pin: p.pin } : { rejected: 'bad pinBaseline params' },
};

/** Params that name a layer of a set of a run (the host checks the set and layer against the run). */
function setLayer(p: Record<string, unknown>): { runId: number; set: string; layer: number } | undefined {
  const named = isCount(p.runId) && isCount(p.layer) && typeof p.set === 'string' && SET_NAME.test(p.set);
  return named ? { runId: p.runId as number, set: p.set as string, layer: p.layer as number } : undefined;
}

/** Whether a method names an entry of the table (its own: never 'toString' or '__proto__'). */
export function isRequestMethod(method: unknown): method is RequestMethod {
  return typeof method === 'string' && Object.prototype.hasOwnProperty.call(REQUESTS, method);
}
