// Command-line arguments of `attention-lens surprisal`: a causal model, the text, and the scan's window and stride
// (src/core/surprisal/surprisalWindows.ts says what they mean).
import { isOnnxVariant, ONNX_VARIANTS, type OnnxVariant } from '../core/hub/onnxVariants';
import type { DeviceRequest } from '../core/types';
import { MAX_SCAN_TOP_K } from '../core/surprisal/surprisalScan';
import { DEVICES, eachFlag, positiveInt, UsageError } from './args';

export interface SurprisalOptions {
  model: string;
  text?: string;
  file?: string;
  window?: number;
  stride?: number;
  topK: number;
  device: DeviceRequest;
  hub?: string;
  cache?: string;
  onnx?: OnnxVariant;
}

export const SURPRISAL_USAGE = `       attention-lens surprisal --model <causal model>
                       [--text "…" | --file <path>]   (default: read stdin)
                       [--window N] [--stride N] [--top-k N]   (window: the model's maximum; stride: half the window)
                       [--device cpu|cuda|…] [--hub <url>] [--cache <dir>] [--onnx <variant>]`;

export function parseSurprisalArgs(argv: string[]): SurprisalOptions {
  const [command, ...rest] = argv;
  if (command !== 'surprisal') throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  const options: SurprisalOptions = { model: '', topK: 5, device: 'auto' };
  eachFlag(rest, (flag, value) => {
    if (flag === '--model') options.model = value();
    else if (flag === '--text') options.text = value();
    else if (flag === '--file') options.file = value();
    else if (flag === '--window') options.window = positiveInt(flag, value());
    else if (flag === '--stride') options.stride = positiveInt(flag, value());
    else if (flag === '--top-k') options.topK = Math.min(MAX_SCAN_TOP_K, positiveInt(flag, value()));
    else if (flag === '--device') options.device = value() as DeviceRequest;
    else if (flag === '--hub') options.hub = value();
    else if (flag === '--cache') options.cache = value();
    else if (flag === '--onnx') {
      const v = value();
      // Only these names: the value becomes a path in the model folder and a URL on the Hub.
      if (!isOnnxVariant(v)) throw new UsageError(`--onnx must be one of ${ONNX_VARIANTS.join(', ')}`);
      options.onnx = v;
    } else throw new UsageError(`unknown option "${flag}"`);
  });
  if (!options.model) throw new UsageError('--model is required');
  if (!DEVICES.includes(options.device)) throw new UsageError(`--device must be one of ${DEVICES.join(', ')}`);
  if (options.text !== undefined && options.file !== undefined) throw new UsageError('give --text or --file, not both');
  return options;
}
