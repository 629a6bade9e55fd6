// The inputs the load-time patch adds to a model's graph (src/core/onnx): the positions projected onto the
// vocabulary, the head gate and the logit lens's positions. A patched session takes them in every run, so whoever
// runs it (the runner, a surprisal scan) feeds them through here.
import * as ort from 'onnxruntime-node';
import type { AblationSpec } from '../../protocol/ablation';
import { gateValues } from '../analysis/ablation';
import { PREDICTED_POSITIONS } from '../onnx/graphPatch';
import { HEAD_GATE, HEAD_MEAN } from '../onnx/headGate';
import { LENS_POSITIONS } from '../onnx/logitLensPatch';
import type { LoadedModel } from './modelSession';

export interface PatchFeedOptions {
  /** The heads ablated (default: none, every head as it is). */
  ablation?: AblationSpec;
  /** Where the logit lens is read (default: nowhere; its branch then does not run, see logitLensPatch). */
  lensAt?: readonly number[];
}

/** The inputs the patch adds: the runner feeds them here, not as the model's own. */
export const PATCH_INPUTS: readonly string[] = [PREDICTED_POSITIONS, LENS_POSITIONS, HEAD_GATE, HEAD_MEAN];

const int64 = (values: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [values.length]);

/**
 * Adds to `feeds` the patch's inputs this model's graph has. `positions` must not be empty: onnxruntime's CPU
 * kernels divide by zero on an empty list (SIGFPE, measured).
 */
export function addPatchFeeds(
  model: Pick<LoadedModel, 'config' | 'positionsInput' | 'headGate' | 'logitLens'>,
  feeds: Record<string, ort.Tensor>,
  positions: readonly number[],
  options: PatchFeedOptions = {},
): void {
  if (model.positionsInput) feeds[PREDICTED_POSITIONS] = int64(positions);
  if (model.headGate) {
    const { layers, heads } = model.config;
    const { gate, mean } = gateValues(options.ablation ?? { heads: [], mode: 'zero' }, layers, heads);
    feeds[HEAD_GATE] = new ort.Tensor('float32', gate, [layers, heads]);
    feeds[HEAD_MEAN] = new ort.Tensor('float32', mean, [layers, heads]);
  }
  if (model.logitLens.available) feeds[LENS_POSITIONS] = int64(options.lensAt ?? []);
}
