// The host's half of the request table (src/protocol/requests.ts): one handler per method, for a run the
// webview shows. Adding a request is its entry in the table and its line here.
import type { Params, RequestMethod, Result } from '../protocol';
import type { RunQueries } from '../session/runQueries';
import type { RunRecord } from '../session/runState';

export type RequestHandlers = { readonly [M in RequestMethod]: (run: RunRecord, params: Params<M>) => Promise<Result<M>> };

/** What a request may start besides asking about the run. */
export interface RequestActions {
  /**
   * Starts a run of the run's source with this target (undefined: the model generates one); throws, before starting
   * anything, when the run's model takes no target.
   */
  retarget(run: RunRecord, target: string | undefined): void;
  /** Shades the run's text by row `query` of R_layer of a set (null: clears); resolves to the tokens shaded. */
  shadeRollout(run: RunRecord, at: { set: string; layer: number; query: number | null }): Promise<number>;
}

export function requestHandlers(queries: RunQueries, actions: RequestActions): RequestHandlers {
  return {
    layer: (run, params) => queries.layer(run, params.set, params.layer, params.heads),
    maskedAt: (run, params) => queries.maskedAt(run, params.position),
    unmasked: (run) => queries.unmasked(run),
    logits: (run, params) => queries.logitsAt(run, params.position),
    ablate: (run, params) => queries.ablate(run, params),
    logitLens: (run, params) => queries.logitLens(run, params.positions),
    queryKey: (run, params) => queries.queryKey(run, params),
    setTarget: async (run, params) => {
      // A blank target is a cleared box: back to generation.
      const target = params.target.trim() === '' ? undefined : params.target;
      actions.retarget(run, target);
      return { given: target !== undefined };
    },
    rollout: (run, params) => queries.rollout(run, params.set, params.layer),
    shadeRollout: async (run, params) => ({ shaded: await actions.shadeRollout(run, params) }),
    compareRuns: (run, params) => queries.comparer.compare(run, params),
    pinBaseline: async (run, params) => ({ baseline: queries.comparer.pin(run, params.pin) }),
  };
}
