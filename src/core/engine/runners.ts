// Which runner a model gets: the encoder–decoder runner for a family whose models have a decoder of their own
// (families/encoderDecoder.ts), the one-graph ModelRunner for the rest. The worker holds either through Runner.
import type { AblationSpec, AblationView } from '../../protocol/ablation';
import { readModelConfig } from '../model/modelFolder';
import type { RunDecoding } from '../worker/workerRuns';
import { ModelRunner, type LogitsRow } from './modelRunner';
import type { ModelRequest } from './modelSession';
import type { ProviderEnvironment } from './providers';
import { measureAvailableMemory, type AvailableMemory } from './runMemory';
import { Seq2SeqRunner } from './seq2seqRunner';

/**
 * What the worker asks of a loaded model; for logits, `run.pair` says the text ran as a sentence pair and `run.decoding`
 * names an encoder–decoder run's target (the logits of its positions).
 */
export type Runner = Pick<ModelRunner, 'info' | 'inspect' | 'maskedAt' | 'unmasked' | 'logitLens' | 'dispose'> & {
  /** Head ablation; an encoder–decoder run's target is `decoding`'s (ModelRunner.ablate, Seq2SeqRunner.ablate). */
  ablate(
    text: string,
    spec: AblationSpec,
    topK: number,
    maxTokens?: number,
    pair?: boolean,
    decoding?: RunDecoding,
  ): Promise<Omit<AblationView, 'runId'>>;
  model: Pick<ModelRunner['model'], 'device' | 'loadMs'>;
  logitsAt(text: string, position: number, maxTokens?: number, run?: { pair?: boolean; decoding?: RunDecoding }): Promise<LogitsRow>;
};

export async function loadRunner(
  request: ModelRequest,
  env: ProviderEnvironment,
  availableMemory: () => AvailableMemory = measureAvailableMemory,
): Promise<Runner> {
  const config = await readModelConfig(request.folder);
  return config.family.encoderDecoder ? Seq2SeqRunner.load(request, env, availableMemory) : ModelRunner.load(request, env, availableMemory);
}
