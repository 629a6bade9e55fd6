// The inference worker thread: owns the onnxruntime session, so session creation and runs (hundreds of ms
// on real models) never block the extension host's event loop. Requests are handled one at a time. The
// attention maps of the latest run stay here; the caller fetches the layers it shows.
import { parentPort, workerData } from 'node:worker_threads';
import { squareLayer } from '../engine/attentionLayout';
import { ModelRunner, openSessionCount } from '../engine/modelRunner';
import { measureAvailableMemory, type AvailableMemory } from '../engine/runMemory';
import { downsampleAttention } from '../engine/overview';
import { LensError, type AttentionMaps } from '../types';
import { attentionNotKept, noSuchLayer, type WorkerExit, type WorkerHealth, type WorkerInspectResult, type WorkerRequest, type WorkerResponse, type WorkerSetup, type WorkerValue } from './workerMessages';

const setup = (workerData ?? {}) as WorkerSetup;
const given = setup.availableMemoryBytes;
const availableMemory = (): AvailableMemory => (given === undefined ? measureAvailableMemory() : { bytes: given, source: 'given to the engine' });

let runner: ModelRunner | undefined;
let queue = Promise.resolve();

/** The attention maps of the latest run that returned them, by its request id (see AttentionRef). */
let kept: { run: number; maps: AttentionMaps } | undefined;

function keptMaps(run: number): AttentionMaps {
  if (kept?.run !== run) throw attentionNotKept();
  return kept.maps;
}

async function handle(request: WorkerRequest): Promise<{ value: WorkerValue; transfer: ArrayBuffer[] }> {
  switch (request.op) {
    case 'load': {
      const previous = runner;
      runner = undefined;
      await previous?.dispose();
      runner = await ModelRunner.load(request.request, request.env, availableMemory);
      return { value: { info: runner.info, device: runner.model.device, loadMs: runner.model.loadMs }, transfer: [] };
    }
    case 'inspect': {
      if (!runner) throw new LensError('no model is loaded', 'model-not-found');
      const { attention, ...result } = await runner.inspect(request.text, request.options, () => (kept = undefined));
      if (!attention) return { value: result, transfer: [] };
      kept = { run: request.id, maps: attention };
      const value: WorkerInspectResult = {
        ...result,
        attention: { run: request.id, layers: attention.layers, heads: attention.heads, tokens: attention.tokens },
      };
      return { value, transfer: [] };
    }
    case 'overview': {
      // Asked for after the result went out: the downsampling reads every map once (~70 ms at 512 tokens),
      // and only the model view needs it.
      const overview = downsampleAttention(keptMaps(request.run));
      return { value: overview, transfer: [overview.data.buffer as ArrayBuffer] };
    }
    case 'layer': {
      const maps = keptMaps(request.run);
      if (request.layer >= maps.layers) throw new LensError(noSuchLayer(request.layer, maps.layers), 'model-unsupported');
      // A new square array crosses over: the kept maps must stay whole for later requests.
      const layer = squareLayer(maps, request.layer);
      return { value: layer, transfer: [layer.buffer as ArrayBuffer] };
    }
    case 'maps': {
      // Copies in the layout they are kept in: the exports read either (nestedLayer), and a lower triangle is about half.
      const maps = keptMaps(request.run);
      const perLayer = maps.perLayer.map((layer) => layer.slice());
      return { value: { ...maps, perLayer }, transfer: perLayer.map((layer) => layer.buffer) };
    }
    case 'maskedAt':
      if (!runner) throw new LensError('no model is loaded', 'model-not-found');
      return { value: await runner.maskedAt(request.text, request.positions, request.topK, request.maxTokens), transfer: [] };
    case 'unmasked':
      if (!runner) throw new LensError('no model is loaded', 'model-not-found');
      return { value: await runner.unmasked(request.text, request.topK, request.maxTokens), transfer: [] };
    case 'logits': {
      if (!runner) throw new LensError('no model is loaded', 'model-not-found');
      const row = await runner.logitsAt(request.text, request.position, request.maxTokens);
      return { value: row, transfer: [row.logits.buffer as ArrayBuffer] };
    }
    case 'health':
      return { value: health(request.settle), transfer: [] };
    case 'unload':
      await runner?.dispose();
      runner = undefined;
      kept = undefined;
      return { value: null, transfer: [] };
  }
}

function health(settle: boolean): WorkerHealth {
  // `gc` exists only where the process exposed it (the soak does): a settled figure leaves out dead objects.
  if (settle) (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  return {
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    arrayBuffersBytes: memory.arrayBuffers,
    openSessions: openSessionCount(),
    keptRuns: kept ? 1 : 0,
    keptBytes: kept ? kept.maps.perLayer.reduce((sum, layer) => sum + layer.byteLength, 0) : 0,
  };
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
      transfer = handled.transfer;
    } catch (error) {
      const e = error as Error;
      response = { id: request.id, ok: false, error: { message: e.message, code: error instanceof LensError ? error.code : undefined } };
    }
    // Only buffers made here are transferred (the overview, copies of kept layers and logits rows), so the transfer cannot fail.
    parentPort!.postMessage(response, transfer);
  });
});
