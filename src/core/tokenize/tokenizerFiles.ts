// Reading a model folder's tokenizer files, with errors a user can act on (which file, which folder, why).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LensError } from '../types';

export interface TokenizerFiles {
  /** Parsed tokenizer.json. */
  tokenizer: Record<string, unknown>;
  /** Parsed tokenizer_config.json. */
  config: Record<string, unknown>;
  /** Parsed special_tokens_map.json, when the folder has one. */
  specialTokensMap?: Record<string, unknown>;
  /** Where tokenizer.json came from, for messages. */
  source: string;
}

export async function readTokenizerFiles(folder: string): Promise<TokenizerFiles> {
  const stat = await fs.stat(folder).catch(() => undefined);
  if (!stat?.isDirectory()) throw new LensError(`model folder not found: ${folder}`, 'model-not-found');
  const tokenizer = await readJson(folder, 'tokenizer.json', true);
  const config = await readJson(folder, 'tokenizer_config.json', true);
  const specialTokensMap = await readJson(folder, 'special_tokens_map.json', false);
  if (!tokenizer || !config) throw new Error('unreachable: required files are read or rejected');
  if (typeof tokenizer.model !== 'object' || tokenizer.model === null) {
    throw new LensError(`${path.join(folder, 'tokenizer.json')} has no "model" section: it is not a Hugging Face tokenizer file`, 'model-invalid');
  }
  return { tokenizer, config, specialTokensMap, source: path.join(folder, 'tokenizer.json') };
}

async function readJson(folder: string, name: string, required: boolean): Promise<Record<string, unknown> | undefined> {
  const file = path.join(folder, name);
  let raw: string;
  try {
    raw = await fs.readFile(file, 'utf8');
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new LensError(`${name} is missing in ${folder}`, 'model-not-found');
    throw new LensError(`${file} cannot be read: ${(e as Error).message}`, 'model-invalid');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new LensError(`${file} is not valid JSON: ${(e as Error).message}`, 'model-invalid');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new LensError(`${file} does not hold a JSON object`, 'model-invalid');
  }
  return parsed as Record<string, unknown>;
}
