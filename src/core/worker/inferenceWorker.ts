// The inference worker thread: owns the onnxruntime session, so session creation and runs (hundreds of ms
// on real models) never block the extension host's event loop. Requests are handled one at a time, each by its
// handler in HANDLERS (the request table is workerRequests.ts). Runs are kept by the host's run id (WorkerRuns):
// later requests about a run name its id, and the caller fetches only the attention it shows.
import { parentPort, workerData } from 'node:worker_threads';
import { hasRollout, rolloutOf } from '../analysis/rollout';
import { checkExportFits } from '../engine/attentionLayout';
import { allLayers } from '../engine/layerMaps';
import { openSessionCount } from '../engine/modelRunner';
import { loadRunner, type Runner } from '../engine/runners';
import { overviewOf } from '../engine/overview';
import { measureAvailableMemory, type AvailableMemory } from '../engine/runMemory';
import { compareTokenizers } from '../tokenize/compareTokenizers';
import { SurprisalScans } from '../surprisal/surprisalScans';
import { loadTextTokenizer, type TextTokenizer } from '../tokenize/textTokenizer';
import { LensError } from '../types';
import {
  badHeads,
  badQueryKey,
  noSuchLayer,
  type PayloadOf,
  type ReplyOf,
  type WorkerExit,
  type WorkerHealth,
  type WorkerOp,
  type WorkerRequest,
  type WorkerResponse,
  type WorkerSetup,
} from './workerRequests';
import { WorkerRuns } from './workerRuns';

const setup = (workerData ?? {}) as WorkerSetup;
const given = setup.availableMemoryBytes;
const availableMemory = (): AvailableMemory =>
  given === undefined ? measureAvailableMemory() : { bytes: given, source: 'given to the engine' };

let runner: Runner | undefined;
/** Tokenizers Compare Tokenizers loaded, by folder: comparing again (another selection) reads no file. */
const tokenizers = new Map<string, Promise<TextTokenizer>>();
const MAX_KEPT_TOKENIZERS = 8;

function tokenizerOf(folder: string): Promise<TextTokenizer> {
  let loading = tokenizers.get(folder);
  if (!loading) {
    loading = loadTextTokenizer(folder);
    // A folder that failed to load is read again next time (the user may fix it).
    loading.catch(() => tokenizers.delete(folder));
    tokenizers.set(folder, loading);
    for (const old of tokenizers.keys()) if (tokenizers.size > MAX_KEPT_TOKENIZERS) tokenizers.delete(old);
  }
  return loading;
}
let queue = Promise.resolve();
const runs = new WorkerRuns();
const scans = new SurprisalScans();

function loaded(): Runner {
  if (!runner) throw new LensError('no model is loaded', 'model-not-found');
  return runner;
}

/** A reply, and the buffers made here that may be transferred rather than copied. */
interface Handled<K extends WorkerOp> {
  value: ReplyOf<K>;
  transfer?: ArrayBuffer[];
}

const HANDLERS: { [K in WorkerOp]: (payload: PayloadOf<K>) => Promise<Handled<K>> } = {
  async load({ request, env }) {
    const previous = runner;
    runner = undefined;
    runs.clear();
    scans.clear();
    await previous?.dispose();
    runner = await loadRunner(request, env, availableMemory);
    return { value: { info: runner.info, device: runner.model.device, loadMs: runner.model.loadMs } };
  },
  async inspect({ run, text, options }) {
    runs.add(run, text, options.maxTokens, {
      pair: options.pair,
      decoding: { target: options.target, maxNewTokens: options.maxNewTokens },
    });
    const { attention, ...result } = await loaded().inspect(text, options, () => runs.makeRoomForMaps());
    if (attention) runs.keepMaps(run, attention);
    const sets = attention?.map(({ set, layers, heads, queries, keys, causal }) => ({ set, layers, heads, queries, keys, causal }));
    return { value: { ...result, run, attention: sets } };
  },
  async maskedAt({ run, positions, topK }) {
    const { text, maxTokens, pair } = runs.get(run);
    return { value: await loaded().maskedAt(text, positions, topK, maxTokens, pair) };
  },
  async unmasked({ run, topK }) {
    const { text, maxTokens, pair } = runs.get(run);
    return { value: await loaded().unmasked(text, topK, maxTokens, pair) };
  },
  async logitLens({ run, positions, topK }) {
    const { text, maxTokens, pair, decoding } = runs.get(run);
    return { value: await loaded().logitLens(text, { positions, topK, maxTokens, pair, decoding }) };
  },
  async logits({ run, position }) {
    const { text, maxTokens, pair, decoding } = runs.get(run);
    const row = await loaded().logitsAt(text, position, maxTokens, { pair, decoding });
    return { value: row, transfer: [row.logits.buffer as ArrayBuffer] };
  },
  async ablate({ run, spec, topK }) {
    const { text, maxTokens, pair, decoding } = runs.get(run);
    return { value: await loaded().ablate(text, spec, topK, maxTokens, pair, decoding) };
  },
  async overview({ run, set }) {
    // Asked for after the result went out: it computes every layer's maps once, and only the model view needs it.
    const overview = await overviewOf(runs.set(run, set));
    return { value: overview, transfer: [overview.data.buffer as ArrayBuffer] };
  },
  async layer({ run, set, layer, heads }) {
    const maps = runs.set(run, set);
    if (layer >= maps.layers) throw new LensError(noSuchLayer(layer, maps.layers), 'model-unsupported');
    const wrongHeads = heads && badHeads(heads, maps.heads);
    if (wrongHeads) throw new LensError(wrongHeads, 'model-unsupported');
    // Computed for this request, so it crosses over without a copy.
    const data = heads === 'mean' ? await maps.meanOfHeads(layer) : await maps.layer(layer, heads);
    return { value: data, transfer: [data.buffer as ArrayBuffer] };
  },
  async queryKey({ run, set, layer, head, query }) {
    const maps = runs.set(run, set);
    const wrong = badQueryKey(maps, layer, head, query);
    if (wrong) throw new LensError(wrong, 'model-unsupported');
    if (!maps.queryKey) throw new LensError(`the query·key view cannot read the ${set} attention of this model`, 'model-unsupported');
    const reading = await maps.queryKey(layer, head, query);
    // Every array is a copy made for this request.
    const { q, k, scores, probs } = reading;
    return { value: reading, transfer: [q, k, scores, probs].map((a) => a.buffer as ArrayBuffer) };
  },
  async maps({ run }) {
    // Every layer computed for the export: the kept tensors stay for later requests.
    const kept = runs.setsOf(run);
    checkExportFits(kept);
    const sets = [];
    for (const set of kept) sets.push(await allLayers(set));
    return { value: sets, transfer: sets.flatMap((set) => set.perLayer.map((layer) => layer.buffer as ArrayBuffer)) };
  },
  async rollout({ run, set, layer }) {
    const source = runs.set(run, set);
    const spec = runner?.info.attentionSets.find((s) => s.name === set);
    if (spec && !hasRollout(spec))
      throw new LensError(`rollout is defined for self-attention, not for "${spec.label}"`, 'model-unsupported');
    // The chain keeps R_l for the next request: the reply is a copy.
    const data = (await rolloutOf(source).layer(layer)).slice();
    return { value: data, transfer: [data.buffer] };
  },
  async compareTokenizers({ tokenizers: named, text }) {
    const loaded = [];
    for (const { name, folder } of named) loaded.push({ name, tokenizer: await tokenizerOf(folder) });
    return { value: compareTokenizers(text, loaded) };
  },
  async health({ settle }) {
    if (settle) await collectGarbage();
    return { value: health() };
  },
  async unload() {
    await runner?.dispose();
    runner = undefined;
    runs.clear();
    scans.clear();
    return { value: null };
  },
  async surprisalPlan({ key, text, window, stride, fresh }) {
    return { value: scans.of(key, loaded()).replan(text, { window, stride, fresh }) };
  },
  async surprisalWindow({ key, generation, window, topK }) {
    // Copied, not transferred: a window's reply is 1–2 KB, and a transferred buffer would stay counted in this
    // thread's array-buffer memory (its health) for as long as the host keeps the scores.
    return { value: await scans.get(key).score(window, generation, topK) };
  },
  async surprisalTop({ key, generation, index, topK }) {
    return { value: await scans.get(key).topAt(index, generation, topK) };
  },
};

/**
 * Collects this thread's garbage where the process exposed `gc` (the soak and the memory tests do), so that a health
 * figure leaves out dead objects. A dead array buffer's memory is given back some time after the collection that finds
 * it (not by the next turn of the event loop): one collection left up to 14 MB of them counted on a loaded machine.
 * So: collect, wait 5 ms, and again while the array buffers' count falls (five rounds at most).
 */
async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  for (let round = 0, before = process.memoryUsage().arrayBuffers; round < 5; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const after = process.memoryUsage().arrayBuffers;
    if (after >= before) return;
    before = after;
  }
}

function health(): WorkerHealth {
  const memory = process.memoryUsage();
  return {
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    arrayBuffersBytes: memory.arrayBuffers,
    openSessions: openSessionCount(),
    ...runs.holdings(),
  };
}

function handle(request: WorkerRequest): Promise<Handled<WorkerOp>> {
  const handler = HANDLERS[request.op] as (payload: unknown) => Promise<Handled<WorkerOp>>;
  return handler(request.payload);
}

parentPort!.on('message', (request: WorkerRequest | WorkerExit) => {
  // Ending the thread from here is safe (see WorkerExit); Worker.terminate() during a native run is not.
  if (request.op === 'exit') process.exit(0);
  queue = queue.then(async () => {
    let response: WorkerResponse;
    let transfer: ArrayBuffer[] = [];
    try {
      const handled = await handle(request);
      response = { id: request.id, ok: true, value: handled.value };
      transfer = handled.transfer ?? [];
    } catch (error) {
      const e = error as Error;
      response = { id: request.id, ok: false, error: { message: e.message, code: error instanceof LensError ? error.code : undefined } };
    }
    // Only buffers made here are transferred (the overview, copies of kept layers and logits rows), so the transfer cannot fail.
    parentPort!.postMessage(response, transfer);
  });
});
