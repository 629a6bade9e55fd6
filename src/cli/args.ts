// Command-line arguments of `attention-lens inspect` (and the shared pieces of `tokenize`, tokenizeArgs.ts), parsed
// without a dependency: the grammar is small.
import { isOnnxVariant, ONNX_VARIANTS, type OnnxVariant } from '../core/hub/onnxVariants';
import type { DeviceRequest } from '../core/types';
import { ABLATION_MODES, parseHeadForm, type AblationMode } from '../protocol/ablation';
import { parseQueryKeyArg, type QueryKeyArg } from './queryKeyArg';

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
  /** onnx/<onnx>.onnx: the graph to load (and, for a Hub model, to download). */
  onnx?: OnnxVariant;
  /** Encoder–decoder models: the target to run with; absent, the model writes one. */
  target?: string;
  maxNewTokens?: number;
  /** Run the text as a sentence pair (split at the tokenizer's separator or a blank line). */
  pair: boolean;
  /** --ablate: heads "L.H[,L.H…]" whose context vectors are zeroed (or replaced by their mean: ablateMode). */
  ablate?: string;
  ablateMode: AblationMode;
  /** Add every layer's attention rollout of each self-attention set. */
  rollout?: boolean;
  /** Add the logit lens: every layer's top-k at every position. */
  logitLens?: boolean;
  /** `--query-key L.H.T`: that head's query·key reading at that token. */
  queryKey?: QueryKeyArg;
}

export const USAGE = `usage: attention-lens inspect --model <folder | owner/name | default-masked | default-causal>
                       [--text "…" | --file <path>]   (default: read stdin)
                       [--attention] [--pair] [--top-k N] [--max-tokens N]
                       [--rollout]   (attention rollout R_l of every layer)
                       [--logit-lens]   (every layer's top-k at every position: logitLens[layer][position])
                       [--query-key LAYER.HEAD.TOKEN]
                       [--target "…"] [--max-new-tokens N]   (encoder–decoder models: T5, BART, Marian)
                       [--ablate L.H[,L.H…]] [--ablate-mode zero|mean]   (heads 0-based, e.g. 0.3)
                       [--device auto|cpu|cuda|dml|coreml|webgpu]
                       [--hub <url>] [--cache <dir>] [--onnx ${ONNX_VARIANTS.join('|')}]
       attention-lens tokenize --tokenizer <model> --tokenizer <model> …
                       [--text "…" | --file <path>]   (default: read stdin)
                       [--hub <url>] [--cache <dir>]
       attention-lens validate <run file> …   (checks *.attention.json files against the run file schema)`;

export class UsageError extends Error {}

export const DEVICES = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'];

export function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive whole number, not "${value}"`);
  return n;
}

/** Walks `--flag [value]` arguments: `take` is called per flag, and its `value()` consumes the next argument. */
export function eachFlag(rest: string[], take: (flag: string, value: () => string) => void): void {
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    take(flag, () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    });
  }
}

export function parseArgs(argv: string[]): CliOptions {
  const [command, ...rest] = argv;
  if (command !== 'inspect') throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  const options: CliOptions = { model: 'default-masked', attention: false, topK: 5, device: 'auto', pair: false, ablateMode: 'zero' };
  let sawModel = false;
  eachFlag(rest, (flag, value) => {
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
      case '--pair':
        options.pair = true;
        break;
      case '--rollout':
        options.rollout = true;
        break;
      case '--logit-lens':
        options.logitLens = true;
        break;
      case '--query-key': {
        const v = value();
        options.queryKey = parseQueryKeyArg(v);
        if (!options.queryKey) throw new UsageError(`--query-key needs LAYER.HEAD.TOKEN (0-based, e.g. 1.3.7), not "${v}"`);
        break;
      }
      case '--top-k':
        options.topK = Math.min(50, positiveInt(flag, value()));
        break;
      case '--max-tokens':
        options.maxTokens = positiveInt(flag, value());
        break;
      case '--target':
        options.target = value();
        break;
      case '--max-new-tokens':
        options.maxNewTokens = positiveInt(flag, value());
        break;
      case '--ablate': {
        // The form is checked here; the layers and heads exist once the model is loaded (cli/ablationJson.ts).
        const spec = value();
        const heads = parseHeadForm(spec);
        if ('error' in heads) throw new UsageError(`--ablate: ${heads.error}`);
        options.ablate = spec;
        break;
      }
      case '--ablate-mode': {
        const mode = value();
        if (!ABLATION_MODES.includes(mode as AblationMode))
          throw new UsageError(`--ablate-mode must be one of ${ABLATION_MODES.join(', ')}`);
        options.ablateMode = mode as AblationMode;
        break;
      }
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
        // Only these names: the value becomes a path in the model folder and a URL on the Hub.
        if (!isOnnxVariant(v)) throw new UsageError(`--onnx must be one of ${ONNX_VARIANTS.join(', ')}`);
        options.onnx = v;
        break;
      }
      default:
        throw new UsageError(`unknown option "${flag}"`);
    }
  });
  if (!sawModel) throw new UsageError('--model is required');
  if (options.text !== undefined && options.file !== undefined) throw new UsageError('give --text or --file, not both');
  return options;
}
