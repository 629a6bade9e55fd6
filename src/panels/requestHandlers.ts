// The host's half of the request table (src/protocol/requests.ts): one handler per method, for a run the
// webview shows. Adding a request is its entry in the table and its line here.
import type { Params, RequestMethod, Result } from '../protocol';
import type { RunQueries } from '../session/runQueries';
import type { RunRecord } from '../session/runState';

export type RequestHandlers = { readonly [M in RequestMethod]: (run: RunRecord, params: Params<M>) => Promise<Result<M>> };

export function requestHandlers(queries: RunQueries): RequestHandlers {
  return {
    layer: (run, params) => queries.layer(run, params.set, params.layer, params.heads),
    maskedAt: (run, params) => queries.maskedAt(run, params.position),
    unmasked: (run) => queries.unmasked(run),
    logits: (run, params) => queries.logitsAt(run, params.position),
  };
}
