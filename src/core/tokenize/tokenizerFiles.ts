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
    throw new LensError(
      `${path.join(folder, 'tokenizer.json')} has no "model" section: it is not a Hugging Face tokenizer file`,
      'model-invalid',
    );
  }
  checkAddedTokens(tokenizer.added_tokens, path.join(folder, 'tokenizer.json'));
  return { tokenizer, config, specialTokensMap, source: path.join(folder, 'tokenizer.json') };
}

/** The library reads added_tokens unchecked: an entry without content or id would fail inside it. */
function checkAddedTokens(added: unknown, file: string): void {
  if (added === undefined || added === null) return;
  if (!Array.isArray(added)) throw new LensError(`${file}: "added_tokens" is not a list`, 'model-invalid');
  added.forEach((token: unknown, i) => {
    const t = token as { content?: unknown; id?: unknown } | null;
    if (typeof t !== 'object' || t === null || typeof t.content !== 'string' || !Number.isSafeInteger(t.id) || (t.id as number) < 0) {
      throw new LensError(`${file}: added token ${i} needs a "content" string and a non-negative integer "id"`, 'model-invalid');
    }
  });
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
