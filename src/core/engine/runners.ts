// Which runner a model gets: the encoder–decoder runner for a family whose models have a decoder of their own
// (families/encoderDecoder.ts), the one-graph ModelRunner for the rest. The worker holds either through Runner.
import { readModelConfig } from '../model/modelFolder';
import { ModelRunner } from './modelRunner';
import type { ModelRequest } from './modelSession';
import type { ProviderEnvironment } from './providers';
import { measureAvailableMemory, type AvailableMemory } from './runMemory';
import { Seq2SeqRunner } from './seq2seqRunner';

/** What the worker asks of a loaded model. */
export type Runner = Pick<ModelRunner, 'info' | 'inspect' | 'maskedAt' | 'unmasked' | 'logitsAt' | 'dispose'> & {
  model: Pick<ModelRunner['model'], 'device' | 'loadMs'>;
};

export async function loadRunner(
  request: ModelRequest,
  env: ProviderEnvironment,
  availableMemory: () => AvailableMemory = measureAvailableMemory,
): Promise<Runner> {
  const config = await readModelConfig(request.folder);
  return config.family.encoderDecoder ? Seq2SeqRunner.load(request, env, availableMemory) : ModelRunner.load(request, env, availableMemory);
}
