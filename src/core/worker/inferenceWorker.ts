// The inference worker thread: owns the onnxruntime session, so session creation and runs (hundreds of ms
// on real models) never block the extension host's event loop. Requests are handled one at a time.
import { parentPort } from 'node:worker_threads';
import { ModelRunner } from '../engine/modelRunner';
import { downsampleAttention } from '../engine/overview';
import { LensError } from '../types';
import type { WorkerExit, WorkerInspectResult, WorkerRequest, WorkerResponse, WorkerValue } from './workerMessages';

let runner: ModelRunner | undefined;
let queue = Promise.resolve();

async function handle(request: WorkerRequest): Promise<{ value: WorkerValue; transfer: ArrayBuffer[] }> {
  switch (request.op) {
    case 'load': {
      const previous = runner;
      runner = undefined;
      await previous?.dispose();
      runner = await ModelRunner.load(request.request, request.env);
      return { value: { info: runner.info, device: runner.model.device, loadMs: runner.model.loadMs }, transfer: [] };
    }
    case 'inspect': {
      if (!runner) throw new LensError('no model is loaded', 'model-not-found');
      const result: WorkerInspectResult = await runner.inspect(request.text, request.options);
      const transfer: ArrayBuffer[] = [];
      if (result.attention) {
        result.overview = downsampleAttention(result.attention);
        transfer.push(result.overview.data.buffer as ArrayBuffer);
        for (const layer of result.attention.perLayer) transfer.push(layer.buffer as ArrayBuffer);
      }
      return { value: result, transfer };
    }
    case 'maskedAt':
      if (!runner) throw new LensError('no model is loaded', 'model-not-found');
      return { value: await runner.maskedAt(request.text, request.positions, request.topK, request.maxTokens), transfer: [] };
    case 'unload':
      await runner?.dispose();
      runner = undefined;
      return { value: null, transfer: [] };
  }
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
    try {
      parentPort!.postMessage(response, transfer);
    } catch {
      // Buffers onnxruntime owns cannot always be transferred; copying them is correct, only slower.
      parentPort!.postMessage(response);
    }
  });
});
