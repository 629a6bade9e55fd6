// Command-line arguments of `attention-lens inspect`, parsed without a dependency: the grammar is small.
import type { DeviceRequest } from '../core/types';

export interface CliOptions {
  model: string;
  text?: string;
  file?: string;
  attention: boolean;
  topK: number;
  device: DeviceRequest;
  hub?: string;
  cache?: string;
  maxTokens?: number;
  onnx?: 'model' | 'model_quantized' | 'model_fp16';
}

export const USAGE = `usage: attention-lens inspect --model <folder | owner/name | default-masked | default-causal>
                       [--text "…" | --file <path>]   (default: read stdin)
                       [--attention] [--top-k N] [--max-tokens N]
                       [--device auto|cpu|cuda|dml|coreml|webgpu]
                       [--hub <url>] [--cache <dir>] [--onnx model|model_quantized|model_fp16]`;

export class UsageError extends Error {}

const DEVICES = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'];
const VARIANTS = ['model', 'model_quantized', 'model_fp16'];

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive whole number, not "${value}"`);
  return n;
}

export function parseArgs(argv: string[]): CliOptions {
  const [command, ...rest] = argv;
  if (command !== 'inspect') throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  const options: CliOptions = { model: 'default-masked', attention: false, topK: 5, device: 'auto' };
  let sawModel = false;
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--model':
        options.model = value();
        sawModel = true;
        break;
      case '--text':
        options.text = value();
        break;
      case '--file':
        options.file = value();
        break;
      case '--attention':
        options.attention = true;
        break;
      case '--top-k':
        options.topK = Math.min(50, positiveInt(flag, value()));
        break;
      case '--max-tokens':
        options.maxTokens = positiveInt(flag, value());
        break;
      case '--hub':
        options.hub = value();
        break;
      case '--cache':
        options.cache = value();
        break;
      case '--device': {
        const d = value();
        if (!DEVICES.includes(d)) throw new UsageError(`--device must be one of ${DEVICES.join(', ')}`);
        options.device = d as DeviceRequest;
        break;
      }
      case '--onnx': {
        const v = value();
        if (!VARIANTS.includes(v)) throw new UsageError(`--onnx must be one of ${VARIANTS.join(', ')}`);
        options.onnx = v as CliOptions['onnx'];
        break;
      }
      default:
        throw new UsageError(`unknown option "${flag}"`);
    }
  }
  if (!sawModel) throw new UsageError('--model is required');
  if (options.text !== undefined && options.file !== undefined) throw new UsageError('give --text or --file, not both');
  return options;
}
