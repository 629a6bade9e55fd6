// Command-line arguments of `attention-lens tokenize`: two or more tokenizers (any model name the inspect command
// takes: an embedded model, a folder, a Hub id) and the text.
import { eachFlag, UsageError } from './args';

export interface TokenizeOptions {
  tokenizers: string[];
  text?: string;
  file?: string;
  hub?: string;
  cache?: string;
}

/** More would make a comparison nobody reads; the command is for a handful side by side. */
export const MAX_TOKENIZERS = 8;

export function parseTokenizeArgs(argv: string[]): TokenizeOptions {
  const [command, ...rest] = argv;
  if (command !== 'tokenize') throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  const options: TokenizeOptions = { tokenizers: [] };
  eachFlag(rest, (flag, value) => {
    if (flag === '--tokenizer') options.tokenizers.push(value());
    else if (flag === '--text') options.text = value();
    else if (flag === '--file') options.file = value();
    else if (flag === '--hub') options.hub = value();
    else if (flag === '--cache') options.cache = value();
    else throw new UsageError(`unknown option "${flag}"`);
  });
  if (options.tokenizers.length === 0) throw new UsageError('--tokenizer is required (once per tokenizer)');
  if (options.tokenizers.length > MAX_TOKENIZERS) throw new UsageError(`at most ${MAX_TOKENIZERS} tokenizers at once`);
  if (options.text !== undefined && options.file !== undefined) throw new UsageError('give --text or --file, not both');
  return options;
}
